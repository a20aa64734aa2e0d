"""The ``sequence_model`` slot's contract: what a sequence task hands to a method and what it
gets back, and the probe that checks a built component (shape, finiteness, causality).

Torch-free at import (the registry loads it); :func:`check` imports torch when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness import ContractError, SlotSpec

PROBE_BATCH = 2
# Output positions up to t may move by at most this much (relative to the output's scale) when
# inputs after t change: float32 FFT round-off, never a real dependence on the future.
CAUSAL_TOLERANCE = 1e-4


@dataclass(frozen=True)
class SeqProblem:
    """What the ``sequence_model`` slot hands to a method (the slot's contract).

    The component maps an input batch (B, L, ``d_in``) to an output batch (B, L, ``d_out``) for
    every L ≤ ``length``, causally: output t depends on inputs 1..t only.
    """

    d_in: int
    d_out: int
    length: int


SLOT_SPEC = SlotSpec(
    name="sequence_model",
    summary="a causal sequence-to-sequence model: (batch, length, d_in) → (batch, length, d_out)",
    problem=(
        "spectral_harness_seq.contract.SeqProblem: `d_in`, `d_out` (channels per step), `length` "
        "(the longest sequence it will see)"
    ),
    component=(
        "a torch.nn.Module with trainable parameters mapping a float tensor (B, L, d_in) to "
        "(B, L, d_out), L ≤ length, finite, causal: output t must not depend on inputs after t"
    ),
    result="normalised test MSE of the predicted outputs (1 = predicting the mean), plus costs",
    check="spectral_harness_seq.contract:check",
)


def check(component: Any, problem: SeqProblem) -> None:
    """Probe ``component`` on ``PROBE_BATCH`` random sequences of ``problem.length`` steps.

    Raises :class:`ContractError` (one line: expected vs. actual) unless it is an ``nn.Module``
    with trainable parameters returning a finite float tensor (B, L, d_out) and it is causal:
    after replacing every input after step t (t = 0, L/3, L - 2), outputs 0..t are unchanged.
    The component is probed in eval mode (its mode is restored); the probe's random numbers come
    from a local generator.
    """
    import torch
    from torch import nn

    from harness import check_tensor, module_device

    if not isinstance(component, nn.Module):
        raise ContractError(
            f"build returned {type(component).__name__}, expected a torch.nn.Module"
        )
    if not any(p.requires_grad for p in component.parameters()):
        raise ContractError("the model has no trainable parameters, expected at least one")
    generator = torch.Generator().manual_seed(0)
    shape = (PROBE_BATCH, problem.length, problem.d_in)
    probe = torch.randn(*shape, generator=generator).to(module_device(component))
    was_training = component.training
    component.eval()
    try:
        output = component(probe)
        check_tensor(
            output,
            (PROBE_BATCH, problem.length, problem.d_out),
            meaning=f"(batch, length, problem.d_out) for input {shape} = (batch, length, d_in)",
        )
        scale = float(output.abs().max()) + 1.0
        for t in sorted({0, problem.length // 3, max(problem.length - 2, 0)}):
            changed = probe.clone()
            changed[:, t + 1 :] = torch.randn(
                PROBE_BATCH, problem.length - t - 1, problem.d_in, generator=generator
            ).to(probe.device)
            moved = float((component(changed)[:, : t + 1] - output[:, : t + 1]).abs().max())
            if moved > CAUSAL_TOLERANCE * scale:
                raise ContractError(
                    f"not causal: outputs up to step {t} moved by {moved:.3g} when only inputs "
                    f"after step {t} changed (expected ≤ {CAUSAL_TOLERANCE * scale:.3g})"
                )
    finally:
        component.train(was_training)
