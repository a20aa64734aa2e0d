"""Config classes of the periodic-generation topic (slot ``sequence_generator``) and their
one-line refusals: what the task's ``run`` and the decoders' ``build`` read. Kept apart from the
specs and claims, so that editing those leaves the records of these cells current.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness import MethodConfig, TaskConfig, UserError, param


@dataclass
class PeriodicGenConfig(TaskConfig):
    """Periodic signals of ``length`` steps (the training window), families sine / square /
    sawtooth / triangle with 1..``max_cycles`` cycles per window (the condition), harmonics up
    to ``max_harmonic``, amplitude uniform in [``amplitude_min``, ``amplitude_max``], phase
    uniform, Gaussian observation noise ``noise``; ``n_*`` signals per split from ``data_seed``.
    A CVAE (the task's MLP encoder, ``latent_dim`` latents, the method's decoder) trains
    ``steps`` steps (``lr``, ``batch_size``) on loss MSE + ``kl_weight`` · KL / length (KL per
    step against the per-step MSE; the paper's code weighs the whole KL against the per-step
    MSE, ``kl_weight`` = length, which collapses the posterior here), the encoder seeing each
    step with probability U[``min_keep``, 1] per signal; validated every ``eval_every`` steps.
    Imputation keeps ``impute_keep`` of the steps; generation draws ``gen_samples`` latents per
    condition (``eval_seed`` fixes masks and latents)."""

    length: int | None = param(None, ge=8)
    max_cycles: int | None = param(None, ge=1)
    max_harmonic: int | None = param(None, ge=1)
    amplitude_min: float = param(0.5, gt=0)
    amplitude_max: float = param(1.5, gt=0)
    noise: float = param(0.1, ge=0)
    latent_dim: int = param(8, ge=1)
    n_train: int | None = param(None, ge=1)
    n_val: int | None = param(None, ge=1)
    n_test: int | None = param(None, ge=1)
    steps: int | None = param(None, ge=1)
    batch_size: int | None = param(None, ge=1)
    lr: float | None = param(None, gt=0)
    eval_every: int | None = param(None, ge=1)
    kl_weight: float = param(1.0, ge=0)
    min_keep: float = param(0.5, gt=0, le=1)
    impute_keep: float = param(0.5, gt=0, lt=1)
    gen_samples: int | None = param(None, ge=1)
    data_seed: int = param(0, ge=0)
    eval_seed: int = param(1000, ge=0)


def check_periodic_config(cfg: PeriodicGenConfig) -> None:
    """Refuse, in one line, harmonics that reach the Nyquist bin and an empty amplitude range."""
    top = cfg.max_harmonic * cfg.max_cycles
    if 2 * top >= cfg.length:
        raise UserError(
            f"task.max_harmonic={cfg.max_harmonic} × task.max_cycles={cfg.max_cycles} = bin "
            f"{top} reaches the Nyquist bin {cfg.length // 2} of task.length={cfg.length}: the "
            "spectra would alias; lower one of them or raise task.length"
        )
    if cfg.amplitude_min > cfg.amplitude_max:
        raise UserError(
            f"task.amplitude_min={cfg.amplitude_min} exceeds task.amplitude_max={cfg.amplitude_max}"
        )


@dataclass
class FourierDecoderConfig(MethodConfig):
    """``harmonics`` harmonics k = ``min_harmonic``.. of the training window (``None``: from the
    scale preset), coefficient generator of ``layers`` hidden SiLU layers of ``width``,
    orthogonality penalty weight ``orthogonal_weight`` on the harmonic embeddings (our choice:
    the paper's weight was not retrieved; with more harmonics than code dimensions the
    embeddings cannot all be orthogonal, so it stays a small regulariser)."""

    harmonics: int | None = param(None, ge=1)
    min_harmonic: int = param(1, ge=0)
    width: int = param(64, ge=1)
    layers: int = param(2, ge=1)
    orthogonal_weight: float = param(1e-3, ge=0)


@dataclass
class MlpDecoderConfig(MethodConfig):
    """MLP over (code, t / window): ``layers`` hidden SiLU layers of ``width``."""

    width: int = param(67, ge=1)
    layers: int = param(2, ge=1)


@dataclass
class GruDecoderConfig(MethodConfig):
    """GRU of ``width`` units and ``layers`` layers, driven by the code."""

    width: int = param(34, ge=1)
    layers: int = param(1, ge=1)


@dataclass
class TransformerDecoderConfig(MethodConfig):
    """Causal pre-norm Transformer: ``layers`` blocks of ``width`` (even, divisible by
    ``heads``), feed-forward ``ff_mult`` × width."""

    width: int = param(18, ge=2)
    layers: int = param(2, ge=1)
    heads: int = param(3, ge=1)
    ff_mult: int = param(2, ge=1)


def check_transformer_decoder(cfg: TransformerDecoderConfig) -> None:
    """Refuse a width that is odd (the sinusoidal encoding) or not divisible by the heads."""
    if cfg.width % 2 or cfg.width % cfg.heads:
        raise UserError(
            f"method.width={cfg.width} must be even and divisible by method.heads={cfg.heads}"
        )
