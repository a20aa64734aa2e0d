"""The ``sequence_generator`` slot's contract: a conditional decoder that turns a code (a latent
sample joined with a condition) into a signal of any number of steps, and the probe that checks
a built component (shape, finiteness, prefix consistency, dependence on the code).

Why not ``sequence_model``: that slot maps an input sequence to an output sequence causally; a
generator's input is one vector per signal, and extrapolation asks it for more steps than it
was trained on. Torch-free at import (the registry loads it); :func:`check` imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness import ContractError, SlotSpec

PROBE_BATCH = 3
# A prefix of a longer output may differ from the shorter output by float round-off only.
PREFIX_TOLERANCE = 1e-4


@dataclass(frozen=True)
class GenProblem:
    """What the ``sequence_generator`` slot hands to a method (the slot's contract).

    The component maps a code batch (B, ``code_dim``) and a step count S ≤ ``horizon`` to
    signals (B, S) at steps t = 0..S−1; training windows have ``length`` steps (the base period
    of a Fourier grid); steps beyond ``length`` are extrapolation. The first ``latent_dim``
    entries of the code are the latent sample, the rest the condition.
    """

    code_dim: int
    latent_dim: int
    length: int
    horizon: int


SLOT_SPEC = SlotSpec(
    name="sequence_generator",
    summary="a conditional decoder: code (batch, code_dim) and a step count S → signals (batch, S)",
    problem=(
        "spectral_harness_seq.generator_contract.GenProblem: `code_dim` (latent + condition), "
        "`latent_dim`, `length` (the training window), `horizon` (the most steps asked for)"
    ),
    component=(
        "a torch.nn.Module with trainable parameters; module(code, steps) → float tensor "
        "(B, steps), finite, for steps ≤ horizon; module(code, n)[:, :m] equals module(code, m) "
        "(step t does not depend on how many steps are asked for); the output depends on the "
        "code. Optional: module.penalty() → scalar tensor added to the training loss"
    ),
    result="spectral error of generated signals against the family's known spectrum, MSEs",
    check="spectral_harness_seq.generator_contract:check",
)


def check(component: Any, problem: GenProblem) -> None:
    """Probe ``component`` on ``PROBE_BATCH`` random codes.

    Raises :class:`ContractError` (one line: expected vs. actual) unless it is an ``nn.Module``
    with trainable parameters returning a finite float tensor (B, horizon), whose first
    ``length`` (and first 1) steps equal its output for that many steps, and whose output changes
    with the code. Probed in eval mode (the mode is restored), with a local random generator.
    """
    import torch
    from torch import nn

    from harness import check_tensor, module_device

    if not isinstance(component, nn.Module):
        raise ContractError(
            f"build returned {type(component).__name__}, expected a torch.nn.Module"
        )
    if not any(p.requires_grad for p in component.parameters()):
        raise ContractError("the decoder has no trainable parameters, expected at least one")
    generator = torch.Generator().manual_seed(0)
    code = torch.randn(PROBE_BATCH, problem.code_dim, generator=generator)
    code = code.to(module_device(component))
    was_training = component.training
    component.eval()
    try:
        output = component(code, problem.horizon)
        check_tensor(
            output,
            (PROBE_BATCH, problem.horizon),
            meaning=f"(batch, steps) for code {tuple(code.shape)} and steps = problem.horizon",
        )
        scale = float(output.abs().max()) + 1.0
        for steps in sorted({1, problem.length}):
            moved = float((component(code, steps) - output[:, :steps]).abs().max())
            if moved > PREFIX_TOLERANCE * scale:
                raise ContractError(
                    f"not prefix-consistent: the first {steps} steps moved by {moved:.3g} when "
                    f"{problem.horizon} steps were asked for (expected ≤ "
                    f"{PREFIX_TOLERANCE * scale:.3g})"
                )
        other = component(code.flip(0) * 2.0 + 1.0, problem.horizon)
        if float((other - output).abs().max()) <= PREFIX_TOLERANCE * scale:
            raise ContractError("the output does not depend on the code, expected it to")
    finally:
        component.train(was_training)
