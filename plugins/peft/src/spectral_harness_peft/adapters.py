"""Adapter methods: what each trains of the pretrained encoder, and how it re-parametrises it.

* ``head_only``: nothing (a linear probe on frozen sentence embeddings);
* ``full_ft``: every encoder parameter;
* ``lora`` / ``fourierft_peft``: Hugging Face ``peft``'s LoRA and FourierFT injected into the
  chosen linears;
* ``fourierft`` (ours, Gao et al. 2024): ΔW = α·Re(IDFT2(F)), F zero but for n trainable real
  coefficients at positions drawn once from a seed and shared by every adapted layer;
* ``spectralft`` (ours, Li et al. 2025): W' = W_m + (U_k + A_U B_U) Σ_k (V_k + A_V B_V)ᵀ, rank-r
  updates of the top-k singular vectors with the minor part W_m kept (the reference code drops
  W_m and passes no gradient to its adapters; this follows the paper's equation);
* ``spectrum`` (Hartford et al. 2024): trains the linears with the highest signal-to-noise ratio
  of their singular values above the Marchenko–Pastur edge, the top fraction per module type.
"""

from __future__ import annotations

import math
import random
from typing import Any

import torch
from torch import Tensor, nn

from spectral_harness_peft.bert import module_kind
from spectral_harness_peft.contract import Adapted, AdaptProblem
from spectral_harness_peft.spectra import layer_snr


def _freeze(encoder: nn.Module) -> None:
    for p in encoder.parameters():
        p.requires_grad_(False)


def _targets(problem: AdaptProblem, suffixes: tuple[str, ...]) -> list[str]:
    """The linears whose last name part is one of ``suffixes`` (``query``, ``value`` …)."""
    chosen = [n for n in problem.linears if n.split(".")[-1] in suffixes]
    if not chosen:
        raise ValueError(f"no linear layer named {suffixes} in the encoder")
    return chosen


def _replace(model: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, module)


def _group(params: list[Tensor], lr: float) -> list[dict[str, Any]]:
    return [{"params": params, "lr": lr}] if params else []


def _trainable(encoder: nn.Module) -> list[Tensor]:
    return [p for p in encoder.parameters() if p.requires_grad]


def build_head_only(cfg: Any, problem: AdaptProblem) -> Adapted:
    """Freeze the whole encoder: only the task's classification head trains."""
    _freeze(problem.encoder)
    return Adapted(problem.encoder, [])


def build_full_ft(cfg: Any, problem: AdaptProblem) -> Adapted:
    """Train every encoder parameter (embeddings included) at ``cfg.lr``."""
    for p in problem.encoder.parameters():
        p.requires_grad_(True)
    return Adapted(problem.encoder, _group(list(problem.encoder.parameters()), cfg.lr))


def build_lora(cfg: Any, problem: AdaptProblem) -> Adapted:
    """``peft``'s LoRA (rank ``cfg.rank``, scaling alpha/r, B = 0 at start) on ``cfg.targets``."""
    from peft import LoraConfig, inject_adapter_in_model

    _freeze(problem.encoder)
    config = LoraConfig(
        r=cfg.rank,
        lora_alpha=cfg.alpha,
        lora_dropout=0.0,
        target_modules=_targets(problem, tuple(cfg.targets.split(","))),
    )
    encoder = inject_adapter_in_model(config, problem.encoder)
    for name, p in encoder.named_parameters():
        p.requires_grad_("lora_" in name)
    return Adapted(encoder, _group(_trainable(encoder), cfg.lr))


def build_fourierft_peft(cfg: Any, problem: AdaptProblem) -> Adapted:
    """``peft``'s FourierFT (zero-initialised spectrum, shared entry seed) on ``cfg.targets``."""
    from peft import FourierFTConfig, inject_adapter_in_model

    _freeze(problem.encoder)
    config = FourierFTConfig(
        n_frequency=cfg.n_frequency,
        scaling=cfg.scaling,
        random_loc_seed=cfg.entry_seed,
        init_weights=True,
        target_modules=_targets(problem, tuple(cfg.targets.split(","))),
    )
    encoder = inject_adapter_in_model(config, problem.encoder)
    for name, p in encoder.named_parameters():
        p.requires_grad_("fourierft_" in name)
    return Adapted(encoder, _group(_trainable(encoder), cfg.lr))


def fourier_entries(d_out: int, d_in: int, n: int, seed: int) -> Tensor:
    """``n`` distinct (row, column) spectral entries (2, n), drawn uniformly from ``seed``."""
    flat = torch.randperm(d_out * d_in, generator=torch.Generator().manual_seed(seed))[:n]
    return torch.stack([flat // d_in, flat % d_in])


class FourierLinear(nn.Module):
    """A frozen linear plus ΔW = ``scaling`` · Re(IDFT2(F)), F holding the trainable
    ``spectrum`` (n,) at ``entries`` and zero elsewhere."""

    def __init__(self, base: nn.Linear, entries: Tensor, scaling: float) -> None:
        super().__init__()
        self.base = base
        self.scaling = scaling
        self.register_buffer("entries", entries)
        self.spectrum = nn.Parameter(torch.zeros(entries.shape[1]))

    def delta_weight(self) -> Tensor:
        """ΔW (d_out, d_in)."""
        dense = self.spectrum.new_zeros(self.base.out_features, self.base.in_features)
        dense = dense.index_put((self.entries[0], self.entries[1]), self.spectrum)
        return torch.fft.ifft2(dense).real * self.scaling

    def forward(self, x: Tensor) -> Tensor:
        """base(x) + x ΔWᵀ."""
        return self.base(x) + x @ self.delta_weight().T


def build_fourierft(cfg: Any, problem: AdaptProblem) -> Adapted:
    """Our FourierFT on ``cfg.targets``: n = ``cfg.n_frequency`` coefficients per layer."""
    _freeze(problem.encoder)
    for name in _targets(problem, tuple(cfg.targets.split(","))):
        base = problem.encoder.get_submodule(name)
        entries = fourier_entries(
            base.out_features, base.in_features, cfg.n_frequency, cfg.entry_seed
        )
        _replace(problem.encoder, name, FourierLinear(base, entries, cfg.scaling))
    return Adapted(problem.encoder, _group(_trainable(problem.encoder), cfg.lr))


class SpectralLinear(nn.Module):
    """W' = W_m + (U_k + A_U B_U) diag(S_k) (V_k + A_V B_V)ᵀ with W = U S Vᵀ, W_m = W − U_k S_k V_kᵀ
    frozen and B_U = B_V = 0 at start (so W' = W). Trainable: A_U (d_out, r), B_U (r, k),
    A_V (d_in, r), B_V (r, k)."""

    def __init__(self, base: nn.Linear, k: int, r: int, generator: torch.Generator) -> None:
        super().__init__()
        weight = base.weight.detach().double()
        u, s, vh = torch.linalg.svd(weight, full_matrices=False)
        k = min(k, s.numel())
        self.register_buffer("u", u[:, :k].float())
        self.register_buffer("s", s[:k].float())
        self.register_buffer("v", vh[:k].T.float())
        self.register_buffer("minor", (weight - (u[:, :k] * s[:k]) @ vh[:k]).float())
        self.bias = base.bias
        d_out, d_in = weight.shape
        self.a_u = nn.Parameter(torch.randn(d_out, r, generator=generator) / math.sqrt(d_out))
        self.b_u = nn.Parameter(torch.zeros(r, k))
        self.a_v = nn.Parameter(torch.randn(d_in, r, generator=generator) / math.sqrt(d_in))
        self.b_v = nn.Parameter(torch.zeros(r, k))

    def weight(self) -> Tensor:
        """The adapted weight W'."""
        u = self.u + self.a_u @ self.b_u
        v = self.v + self.a_v @ self.b_v
        return self.minor + (u * self.s) @ v.T

    def forward(self, x: Tensor) -> Tensor:
        """x W'ᵀ + b."""
        return nn.functional.linear(x, self.weight(), self.bias)


def build_spectralft(cfg: Any, problem: AdaptProblem) -> Adapted:
    """SpectralFT on ``cfg.targets``: top-``cfg.k`` singular vectors, rank-``cfg.rank`` updates."""
    _freeze(problem.encoder)
    generator = torch.Generator().manual_seed(problem.seed)
    for name in _targets(problem, tuple(cfg.targets.split(","))):
        base = problem.encoder.get_submodule(name)
        _replace(problem.encoder, name, SpectralLinear(base, cfg.k, cfg.rank, generator))
    return Adapted(problem.encoder, _group(_trainable(problem.encoder), cfg.lr))


def spectrum_selection(
    problem: AdaptProblem, fraction: float, selection: str, seed: int
) -> dict[str, float]:
    """The chosen linears with their SNR: per module type, the ``fraction`` (rounded up) with the
    highest SNR (``snr``), the lowest (``bottom``) or a seeded random draw (``random``)."""
    by_kind: dict[str, list[tuple[float, str]]] = {}
    for name in problem.linears:
        weight = problem.encoder.get_submodule(name).weight
        by_kind.setdefault(module_kind(name), []).append((layer_snr(weight), name))
    rng = random.Random(seed)
    chosen: dict[str, float] = {}
    for kind in sorted(by_kind):
        rows = sorted(by_kind[kind], reverse=True)
        count = math.ceil(fraction * len(rows))
        if selection == "random":
            rows = rng.sample(rows, len(rows))
        elif selection == "bottom":
            rows = rows[::-1]
        chosen.update({name: snr for snr, name in rows[:count]})
    return chosen


def build_spectrum(cfg: Any, problem: AdaptProblem) -> Adapted:
    """Train the weights and biases of the linears :func:`spectrum_selection` picks."""
    _freeze(problem.encoder)
    chosen = spectrum_selection(problem, cfg.fraction, cfg.selection, problem.seed)
    for name in chosen:
        for p in problem.encoder.get_submodule(name).parameters():
            p.requires_grad_(True)
    info = {
        "layers": float(len(chosen)),
        "mean_snr": sum(chosen.values()) / len(chosen),
    }
    return Adapted(problem.encoder, _group(_trainable(problem.encoder), cfg.lr), info)
