"""The two slots' contracts: ``adapter`` (parameter-efficient fine-tuning of a pretrained encoder)
and ``compressor`` (training-free compression of its linear layers from calibration activations).

Torch-free at import: the checks import torch when the host runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness import ContractError, SlotSpec

INIT_TOLERANCE = 1e-4


@dataclass(frozen=True)
class AdaptProblem:
    """What an adapter gets: the pretrained ``encoder`` (``bert.Bert``; ``encoder(ids, mask)`` →
    sentence embeddings (B, d)), the names of its ``linears`` (qualified module names), a
    ``probe`` batch ``(ids, mask)`` with the frozen encoder's ``probe_output`` on it, the run's
    ``seed`` and ``steps`` (the optimisation steps the task will run)."""

    encoder: Any
    linears: tuple[str, ...]
    probe: tuple[Any, Any]
    probe_output: Any
    seed: int
    steps: int


@dataclass
class Adapted:
    """What an adapter returns: the adapted ``encoder`` (same call signature; pretrained weights
    it does not train are frozen), the optimizer ``groups`` of its trainable parameters (each
    ``{"params": [...], "lr": float}``; empty for a frozen encoder) and
    ``info`` (the method's own facts, reported as ``info_<name>``)."""

    encoder: Any
    groups: list[dict[str, Any]]
    info: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CompressProblem:
    """What a compressor gets: ``bits`` of the round-to-nearest weight quantiser every method
    starts from (per output channel, asymmetric), the low-rank budget ``rank`` for
    compensations, ``act_bits`` (per-token activation quantisation, ``None``: activations stay in
    float) and a probe layer for checks: ``probe_linear`` (``nn.Linear``) with calibration
    ``probe_inputs`` (tokens × d_in)."""

    bits: int
    rank: int
    act_bits: int | None
    probe_linear: Any
    probe_inputs: Any


ADAPTER_SLOT = SlotSpec(
    name="adapter",
    summary="parameter-efficient fine-tuning: wrap or re-parametrise chosen weights of a "
    "pretrained encoder",
    problem="spectral_harness_peft.contract.AdaptProblem: `encoder` (pretrained BERT, "
    "encoder(ids, mask) -> (B, d) embeddings), `linears`, `probe` (ids, mask), `probe_output`, "
    "`seed`, `steps`",
    component="spectral_harness_peft.contract.Adapted: `encoder` (same signature; untrained "
    "pretrained weights frozen), optimizer `groups` of the trainable parameters, `info`",
    result="accuracy (primary), trainable_params, train_seconds, train_memory_mb",
    check="spectral_harness_peft.contract:check_adapter",
)
COMPRESSOR_SLOT = SlotSpec(
    name="compressor",
    summary="training-free compression of a linear layer from its calibration inputs "
    "(quantisation, low-rank compensation, rotations)",
    problem="spectral_harness_peft.contract.CompressProblem: `bits`, `rank`, `act_bits`, "
    "`probe_linear`, `probe_inputs`",
    component="a callable compress(linear: nn.Linear, inputs: Tensor (tokens, d_in)) -> "
    "nn.Module mapping (..., d_in) -> (..., d_out), with float attributes `bits_per_weight` "
    "and `rank`",
    result="accuracy after compression (primary), layer_error, embedding_cosine, "
    "bits_per_weight, rank",
    check="spectral_harness_peft.contract:check_compressor",
)


def check_adapter(component: Any, problem: AdaptProblem) -> None:
    """Refuse an adapter that changes the pretrained model's output at initialisation, leaves a
    trainable parameter out of its optimizer groups, or lists a frozen one."""
    import torch

    if not isinstance(component, Adapted):
        raise ContractError(f"build returned {type(component).__name__}, expected Adapted")
    ids, mask = problem.probe
    output = component.encoder(ids, mask)
    expected = problem.probe_output
    if tuple(output.shape) != tuple(expected.shape):
        raise ContractError(f"expected output shape {tuple(expected.shape)}, got {output.shape}")
    error = float((output - expected).abs().max() / expected.abs().max())
    if not error <= INIT_TOLERANCE:
        raise ContractError(
            f"expected the adapted encoder to equal the pretrained one at initialisation "
            f"(relative error <= {INIT_TOLERANCE:g}), got {error:.3g}"
        )
    listed = {id(p) for group in component.groups for p in group["params"]}
    trainable = {id(p) for p in component.encoder.parameters() if p.requires_grad}
    if listed != trainable:
        raise ContractError(
            f"expected the optimizer groups to hold exactly the {len(trainable)} trainable "
            f"parameters, got {len(listed)} listed ({len(listed - trainable)} frozen or foreign)"
        )
    if not all(torch.isfinite(p).all() for p in component.encoder.parameters()):
        raise ContractError("expected finite parameters, got NaN or inf")


def check_compressor(component: Any, problem: CompressProblem) -> None:
    """Compress the probe layer and refuse an output of the wrong shape, a non-finite one, or
    missing/invalid ``bits_per_weight`` and ``rank``."""
    import torch

    if not callable(component):
        raise ContractError(f"build returned {type(component).__name__}, expected a callable")
    layer = component(problem.probe_linear, problem.probe_inputs)
    x = problem.probe_inputs[:5]
    y = layer(x)
    expected = (x.shape[0], problem.probe_linear.out_features)
    if tuple(y.shape) != expected:
        raise ContractError(f"expected compressed output shape {expected}, got {tuple(y.shape)}")
    if not torch.isfinite(y).all():
        raise ContractError("expected a finite compressed output, got NaN or inf")
    for name in ("bits_per_weight", "rank"):
        value = getattr(layer, name, None)
        if not isinstance(value, (int, float)) or value < 0:
            raise ContractError(f"expected the compressed layer's `{name}` >= 0, got {value!r}")
