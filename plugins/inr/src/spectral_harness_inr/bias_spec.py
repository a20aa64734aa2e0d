"""The spectral-bias task's declarations (Lazzari & Liu 2023, arXiv 2301.05816): its config,
scale presets, metrics and the paper's claims. Torch-free: the registry imports it.

The measurements themselves are in :mod:`spectral_harness_inr.spectral_bias`, the protocol in
:mod:`spectral_harness_inr.bias_task`.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness import Claim, MetricSpec, TaskConfig, UserError, param

# Lazzari & Liu's sum of sinusoids: frequencies in cycles over [0, 1), each with this amplitude
BIAS_FREQUENCIES = (1, 4, 16, 64)
BIAS_AMPLITUDE = 0.25
BIAS_DENSITIES = ("sparse", "dense")
SPECTRAL_BIAS_SCALES = {
    "smoke": dict(
        hidden_features=16,
        hidden_layers=1,
        steps=10,
        eval_every=5,
        sparse_points=160,
        dense_points=320,
        confusion_points=8,
        region_points=256,
    ),
    # 4 ReLU/sine layers × 64, 1,000 steps: ReLU leaves the 64-cycle component unfit while the
    # others fit it in under 100 steps (about 10 s a density on one core)
    "cpu": dict(
        hidden_features=64,
        hidden_layers=3,
        steps=1000,
        eval_every=50,
        sparse_points=256,
        dense_points=1024,
        confusion_points=64,
        region_points=4096,
    ),
    # the research notes' protocol (F1): 4 layers × 256, N ∈ {256, 1024}, 2,000 Adam steps
    "full": dict(
        hidden_features=256,
        hidden_layers=3,
        steps=2000,
        eval_every=20,
        sparse_points=256,
        dense_points=1024,
        confusion_points=256,
        region_points=16384,
    ),
}
SPECTRAL_BIAS_METRICS = (
    MetricSpec(
        "residual_f64",
        "min",
        "the 64-cycle component's relative residual |R(64)|/|Y(64)| of the restored best "
        "model, mean over the two densities (0: fit, 1: not at all)",
    ),
    MetricSpec(
        "residual_f{frequency}_{density}",
        "min",
        "one frequency's relative residual at the end, on one density's grid",
    ),
    MetricSpec(
        "fit_fraction_f{frequency}_{density}",
        "min",
        "the fraction of the step budget after which the frequency's relative residual first "
        "fell below task.fit_threshold (1.0: at the last step or never, a censored value)",
    ),
    MetricSpec(
        "confusion_matched_{density}",
        "min",
        "gradient confusion (mean over pairs of max(0, −cos) of per-example loss gradients) at "
        "the first measurement whose MSE is at most task.matched_loss × the target's power; "
        "absent if the fit never got there",
    ),
    MetricSpec("mse_{density}", "min", "final full-grid MSE of the restored best model"),
    MetricSpec(
        "confusion_density_gain",
        description="confusion_matched_dense − confusion_matched_sparse (same seed and init)",
        kind="diagnostic",
    ),
    MetricSpec(
        "confusion_{density}",
        description="gradient confusion at the last measurement",
        kind="diagnostic",
    ),
    MetricSpec(
        "matched_step_{density}",
        description="the step at which confusion_matched was measured",
        kind="diagnostic",
    ),
    MetricSpec(
        "regions_{density}",
        description="ReLU activation regions along the input at the last measurement (networks "
        "with ReLU units only; a sine network has none)",
        kind="diagnostic",
    ),
    MetricSpec(
        "steps_per_s", "max", "training steps per second, measurements excluded", "1/s", kind="cost"
    ),
    MetricSpec("params", "min", "trainable parameters", kind="cost"),
)


@dataclass
class InrSpectralBiasConfig(TaskConfig):
    """Fit ``Σ_f 0.25 · sin(2π f t)``, f ∈ {1, 4, 16, 64}, sampled at ``sparse_points`` and then
    at ``dense_points`` on the periodic grid t = i/N of [0, 1) (input x = 2t − 1), with a fresh
    network from the same seed each time; full-batch Adam (``lr``, constant) for ``steps`` steps.
    Measured at step 0, 1, 2, 4, … and every ``eval_every`` steps: each frequency's relative
    residual, the gradient confusion of ``confusion_points`` training points, and the ReLU
    activation regions along ``region_points`` inputs. ``fit_threshold``: a frequency counts as
    fit once its relative residual is below it; ``matched_loss``: the training MSE, as a fraction
    of the target's power, at which the two densities and the methods are compared."""

    hidden_features: int | None = param(None, ge=1)
    hidden_layers: int | None = param(None, ge=1)
    steps: int | None = param(None, ge=1)
    eval_every: int | None = param(None, ge=1)
    lr: float = param(1e-3, gt=0)
    # the 64-cycle component needs more than 128 samples of [0, 1)
    sparse_points: int | None = param(None, ge=129)
    dense_points: int | None = param(None, ge=129)
    confusion_points: int | None = param(None, ge=2)
    region_points: int | None = param(None, ge=2)
    fit_threshold: float = param(0.1, gt=0, lt=1)
    matched_loss: float = param(0.5, gt=0, lt=1)


def check_spectral_bias_config(cfg: InrSpectralBiasConfig) -> None:
    """Refuse, in one line before any cell starts, a dense grid no denser than the sparse one."""
    sparse, dense = cfg.sparse_points, cfg.dense_points
    if sparse is not None and dense is not None and dense <= sparse:
        raise UserError(
            f"task.dense_points={dense} must exceed task.sparse_points={sparse}: the task "
            "compares a sparse and a dense sampling"
        )


LAZZARI_LIU = "Lazzari & Liu 2023 (arXiv 2301.05816)"
# the paper's ReLU + positional encoding (L = 8 octaves, the research notes' F1 protocol) and
# SIREN with ω0' = 30 (SIREN's default for 1-D signals is audio's 3000)
PE_CONFIG = {"method.num_frequencies": 8}
SIREN_CONFIG = {"method.first_omega_0": 30.0}
# the encodings and activations said to fit the highest frequency where plain ReLU does not
HIGH_FREQUENCY_METHODS = (("relu_posenc", PE_CONFIG), ("siren", SIREN_CONFIG), ("winner", {}))
# "much later": by at least half of the step budget (fit_fraction is a fraction of it)
MUCH_LATER = 0.5


def spectral_bias_claims() -> list[Claim]:
    """Lazzari & Liu's three claims on ``inr_spectral_bias``: ReLU fits the 64-cycle component
    much later than (or never where) PE, SIREN and WINNER do, at both densities; ReLU's gradient
    confusion at matched loss exceeds ReLU+PE's; denser sampling raises ReLU's confusion."""
    claims = [
        Claim(
            id=f"{method.replace('_', '-')}-fits-f64-before-relu-{density}",
            paper=LAZZARI_LIU,
            statement=f"a ReLU MLP fits the 64-cycle component much later or never, where "
            f"{method} fits it: {method} gets its relative residual below task.fit_threshold "
            f"at least half the step budget sooner ({density} sampling)",
            task="inr_spectral_bias",
            metric=f"fit_fraction_f64_{density}",
            method=method,
            baseline="relu",
            margin=MUCH_LATER,
            where=where,
            source="abstract: a severe spectral bias in low dimensions obstructs convergence "
            "to high frequencies entirely; sinusoidal encoding overcomes it",
        )
        for method, where in HIGH_FREQUENCY_METHODS
        for density in BIAS_DENSITIES
    ]
    claims += [
        Claim(
            id=f"relu-more-confused-than-pe-{density}",
            paper=LAZZARI_LIU,
            statement="at matched training loss, per-example gradients of a ReLU MLP conflict "
            "more (higher gradient confusion) than with positional encoding, whose distinct "
            f"activation patterns decouple the examples ({density} sampling)",
            task="inr_spectral_bias",
            metric=f"confusion_matched_{density}",
            method="relu_posenc",
            baseline="relu",
            where=PE_CONFIG,
            source="training-dynamics analysis (gradient confusion; research notes F1 (ii))",
        )
        for density in BIAS_DENSITIES
    ]
    claims.append(
        Claim(
            id="denser-sampling-raises-relu-confusion",
            paper=LAZZARI_LIU,
            statement="denser sampling of a low-dimensional input puts more neighbouring "
            "examples in the same activation region, so a ReLU MLP's gradient confusion at "
            "matched loss is higher on the dense grid than on the sparse one (same seed, "
            "same initialisation)",
            task="inr_spectral_bias",
            metric="confusion_density_gain",
            method="relu",
            expect="at_least",
            value=0.0,
            source="training-dynamics analysis (sample density; research notes F1 (iii))",
        )
    )
    return claims
