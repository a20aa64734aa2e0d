"""EigenLoRAx: its subspace is the top principal components of the stacked source adapters (as a
dense eigendecomposition of their covariance gives them), it starts at the pretrained output,
trains only 2 K r loadings per layer and its update stays inside the subspace; bad configs are
refused in one line; the bank's source tasks label what they say."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from peft_fixtures import tiny_problem

from harness.testing import assert_refused, check_smoke_cell
from spectral_harness_peft import eigenlora
from spectral_harness_peft.bank_contract import BankAdaptProblem
from spectral_harness_peft.contract import check_adapter
from spectral_harness_peft.lora_bank import source_labels, stack_bank

TARGETS = ("query", "value")


def _cfg(**changes):
    base = dict(components=4, gs_components=0, basis="pca", rank=2, alpha=4.0, lr=1e-2)
    return SimpleNamespace(**{**base, **changes})


def _bank_problem(sources: int = 3, rank: int = 2, seed: int = 0) -> BankAdaptProblem:
    problem = tiny_problem(seed)
    generator = torch.Generator().manual_seed(seed + 1)
    adapters = []
    for _ in range(sources):
        factors = {}
        for name in problem.linears:
            if name.split(".")[-1] in TARGETS:
                d_out, d_in = problem.encoder.get_submodule(name).weight.shape
                factors[name] = {
                    "A": torch.randn(rank, d_in, generator=generator),
                    "B": torch.randn(d_out, rank, generator=generator),
                }
        adapters.append(factors)
    return BankAdaptProblem(*vars(problem).values(), stack_bank(adapters))


def _projector(basis: torch.Tensor) -> torch.Tensor:
    return basis.double() @ basis.double().T


def test_subspace_equals_the_top_eigenvectors_of_the_centred_covariance():
    generator = torch.Generator().manual_seed(0)
    columns = torch.randn(20, 12, generator=generator) * torch.linspace(3, 0.1, 20)[:, None]
    basis = eigenlora.principal_subspace(columns, 5)
    centred = columns.double() - columns.double().mean(1, keepdim=True)
    values, vectors = torch.linalg.eigh(centred @ centred.T)
    top = vectors[:, values.argsort(descending=True)[:5]]
    assert torch.allclose(basis.T @ basis, torch.eye(5), atol=1e-5)
    assert torch.allclose(_projector(basis), _projector(top), atol=1e-5)


def test_gram_schmidt_extension_is_orthonormal_and_keeps_the_basis():
    generator = torch.Generator().manual_seed(0)
    basis = eigenlora.random_basis(16, 3, generator)
    extended = eigenlora.extend_orthonormal(basis, 4, generator)
    assert extended.shape == (16, 7)
    assert torch.allclose(extended[:, :3], basis)
    assert torch.allclose(extended.T @ extended, torch.eye(7), atol=1e-5)


@pytest.mark.parametrize("basis", ["pca", "random"])
def test_eigenlora_starts_at_the_pretrained_output_and_trains_only_loadings(basis):
    problem = _bank_problem()
    adapted = eigenlora.build_eigenlora(_cfg(basis=basis, gs_components=1), problem)
    with torch.no_grad():
        check_adapter(adapted, problem)
    trainable = sum(p.numel() for g in adapted.groups for p in g["params"])
    layers = len(problem.sources)
    assert trainable == layers * 2 * (4 + 1) * 2  # 2 K r loadings per layer, K = 4 + 1


def test_eigenlora_update_stays_in_the_recycled_subspace():
    problem = _bank_problem()
    adapted = eigenlora.build_eigenlora(_cfg(), problem)
    params = [p for g in adapted.groups for p in g["params"]]
    optimizer = torch.optim.SGD(params, lr=0.5)
    ids, mask = problem.probe
    adapted.encoder(ids, mask).pow(2).sum().backward()
    optimizer.step()
    name = sorted(problem.sources)[0]
    layer = adapted.encoder.get_submodule(name)
    delta = layer.delta_weight().double()
    assert delta.abs().max() > 0
    stacks = problem.sources[name]
    c_a = eigenlora.principal_subspace(stacks["a"], 4).double()
    c_b = eigenlora.principal_subspace(stacks["b"], 4).double()
    assert torch.allclose(_projector(c_b) @ delta @ _projector(c_a), delta, atol=1e-6)


def test_eigenlora_refuses_a_problem_without_bank_or_too_many_components():
    with pytest.raises(ValueError, match="task=sentiment_lora_bank"):
        eigenlora.build_eigenlora(_cfg(), tiny_problem())
    with pytest.raises(ValueError, match=r"components=6 exceeds the 5 principal directions"):
        eigenlora.build_eigenlora(_cfg(components=6), _bank_problem(sources=3))


@pytest.mark.parametrize(
    ("override", "value"), [("components", 0), ("basis", "svd"), ("gs_components", -1)]
)
def test_bad_eigenlora_config_is_refused_in_one_line(override, value):
    assert_refused("sentiment_lora_bank", "eigenlora", method_overrides={override: value})


def test_source_tasks_label_what_they_say():
    valence = {"good": 2.0, "awful": -2.5}
    contrast = {"s": "the movie", "w": "good", "w2": "awful", "template": 3, "valence": valence}
    assert source_labels("first_polarity", contrast, -0.5) == 1
    assert source_labels("last_polarity", contrast, -0.5) == 0
    assert source_labels("contrast", contrast, -0.5) == 1
    assert source_labels("negation", contrast, -0.5) == 0
    assert source_labels("topic", contrast, -0.5) == 0
    negated = {**contrast, "s": "the food", "template": 1}
    assert source_labels("negation", negated, -0.3) == 1
    assert source_labels("last_polarity", negated, -0.3) == 1  # one word: the first is the last
    assert source_labels("topic", negated, -0.3) == 1
    assert source_labels("intensity", negated, -0.3) == 0
    assert source_labels("intensity", negated, 0.7) == 1


@pytest.mark.slow
def test_eigenlora_smoke_cell_on_the_bank_task(harness_settings):
    record = check_smoke_cell("sentiment_lora_bank", "eigenlora", settings=harness_settings)
    assert record.metrics["trainable_params"] == 6 * 2 * 2 * 16 * 8
    assert 0 <= record.metrics["source_accuracy_negation"] <= 1
