"""The ``sequence_model`` slot contract: every real method passes its probe, and a component
that reads the future, has the wrong shape or is not finite fails it in one line."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from harness.specs import resolve
from harness.testing import assert_contract_error
from spectral_harness_seq.contract import SLOT_SPEC, SeqProblem, check

METHODS = ("stu", "diag_ssm", "gru", "transformer", "ssm_stack", "stu_stack")
PROBLEM = SeqProblem(d_in=3, d_out=2, length=24)


class _Reversed(nn.Module):
    """A linear layer over the time-reversed sequence: output t reads inputs after t."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 2)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return self.linear(u.flip(1).cumsum(1).flip(1))


class _Pooled(nn.Linear):
    """Drops the time axis: the wrong shape."""

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return super().forward(u.mean(1))


class _Exploding(nn.Linear):
    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return super().forward(u) / 0.0


def test_the_slot_is_registered_with_this_contract(registry):
    assert registry.slots["sequence_model"] is SLOT_SPEC
    assert resolve(SLOT_SPEC.check) is check
    assert set(registry.methods_for_slot("sequence_model")) == set(METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_passes_the_check(registry, method):
    spec = registry.method(method, "sequence_model")
    model = resolve(spec.build)(spec.config(name=method), PROBLEM)
    with torch.no_grad():
        check(model, PROBLEM)
    assert model.training, "the check restores the model's mode"


@pytest.mark.parametrize(
    ("component", "fragments"),
    [
        (_Reversed(), ("not causal", "outputs up to step 0")),
        (_Pooled(3, 2), ("shape", "(2, 24, 2)")),
        (_Exploding(3, 2), ("non-finite",)),
        (object(), ("nn.Module",)),
    ],
    ids=["reads-the-future", "wrong-shape", "not-finite", "not-a-module"],
)
def test_broken_components_are_refused_in_one_line(component, fragments):
    with torch.no_grad():
        assert_contract_error("sequence_model", component, PROBLEM, *fragments)
