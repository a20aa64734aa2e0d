"""Spectral diagnostics: the seven papers that measure a trained network's spectrum, as claim
tasks with exact or known answers (and, with the host's probe hook, as probes for any cell).

Tasks (one slot each, :mod:`.contract`): ``hessian_blobs`` (Sagun et al.: outliers ≈ classes,
Lanczos = exact), ``sam_edge`` (Agarwala & Dauphin: GD's λ_max → 2/η, SAM's → λ*),
``training_jacobian`` (Belrose & Scherlis: the bulk of ∂θ_T/∂θ_0), ``alpha_aspect`` (FARMS:
aspect-ratio-free α), ``ffn_rank_scaling`` (Jha & Reagen: soft rank's power law in FFN width) and
``logdet`` (the Efficient EigenScore). The numerical kernels are the host's (``harness``:
``hvp_operator``, ``lanczos_top``, ``slq_density``, ``chebyshev_logdet``, ``farms_esd`` …).

Probes (``probes=[hessian_top,hessian_density,weight_alpha,layer_snr,lambda_max]``, options
``probe_options.<probe>.<field>=…``): :mod:`.probes`; the Hessian ones need the task's loss
closure (``harness.fit(..., probe_loss=…)``), the weight ones only the model; ``lambda_max`` is
tracked at every evaluation of ``harness.fit``.

This module is what the entry point loads: it declares; it imports neither numpy nor torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness import (
    MethodConfig,
    MethodSpec,
    MetricSpec,
    PaperReference,
    ProbeConfig,
    ProbeSpec,
    SlotSpec,
    TaskConfig,
    TaskSpec,
    hookimpl,
    param,
)
from spectral_harness_diag.claims import spectral_harness_register_claims
from spectral_harness_diag.contract import SLOT_SPECS

HESSIAN, ASCENT, JACOBIAN, ALPHA, RANK, LOGDET = (spec.name for spec in SLOT_SPECS)
__all__ = ["spectral_harness_register_claims"]  # a hook implementation, re-exported for pluggy

# ------------------------------------------------------------------------------------------------
# Task configs
# ------------------------------------------------------------------------------------------------


@dataclass
class HessianBlobsConfig(TaskConfig):
    """``classes`` Gaussian blobs (centres N(0, spread²I)) in ``dim`` dimensions, ``samples``
    points; MLP dim-w-w-classes (and 2w) trained by ``steps`` full-batch GD steps of ``lr``; top
    ``k`` (default classes + 4) eigenvalues; |λ| < bulk_tol·λ_max counts as zero."""

    classes: int = param(5, ge=2)
    dim: int = param(20, ge=1)
    samples: int = param(1000, ge=2)
    spread: float = param(0.5, gt=0)
    width: int | None = param(None, ge=1)
    activation: str = param("relu", choices=("relu", "tanh", "gelu"))
    steps: int | None = param(None, ge=1)
    lr: float = param(0.5, gt=0)
    k: int | None = param(None, ge=2)
    bulk_tol: float = param(1e-3, gt=0, lt=1)


@dataclass
class SamEdgeConfig(TaskConfig):
    """MSE on one-hot digits (first ``samples``), MLP 64-width-10, ``steps`` full-batch steps of
    ``lr``; λ_max every ``track_every`` steps; the median of the last ``tail`` fraction."""

    samples: int = param(1000, ge=10)
    width: int = param(64, ge=1)
    activation: str = param("tanh", choices=("relu", "tanh", "gelu"))
    lr: float = param(0.2, gt=0)
    steps: int | None = param(None, ge=1)
    track_every: int = param(25, ge=1)
    tail: float = param(0.3, gt=0, le=1)


@dataclass
class JacobianConfig(TaskConfig):
    """Digits (``test_size`` held out), MLP 64-hidden-10, ``epochs`` of batch ``batch`` at peak
    ``lr`` (cosine); J by ``chunk`` tangents at a time; bulk = σ within 1 ± bulk_width."""

    hidden: int | None = param(None, ge=1)
    activation: str = param("gelu", choices=("relu", "tanh", "gelu"))
    epochs: int | None = param(None, ge=1)
    batch: int = param(64, ge=1)
    lr: float = param(0.1, gt=0)
    test_size: int = param(197, ge=1, lt=1797)
    chunk: int = param(256, ge=1)
    bulk_width: float = param(0.01, gt=0, lt=1)


@dataclass
class AlphaAspectConfig(TaskConfig):
    """i.i.d. ``distribution`` entries (Student-t: ``dof``), ``rows`` × each of ``columns``."""

    distribution: str = param("gaussian", choices=("gaussian", "student_t"))
    dof: float = param(3.0, gt=0)
    rows: int = param(512, ge=2)
    columns: list[int] = field(default_factory=lambda: [64, 128, 256, 512])


@dataclass
class RankScalingConfig(TaskConfig):
    """Char-level LM (model ``width``, ``layers`` blocks, ``context``), ``steps`` AdamW steps
    of ``batch`` at ``lr`` per FFN width in ``ffn_widths``; spectra on ``eval_batches``
    held-out batches."""

    width: int = param(32, ge=2)
    layers: int = param(2, ge=1)
    context: int = param(32, ge=2)
    batch: int = param(32, ge=1)
    steps: int | None = param(None, ge=1)
    lr: float = param(3e-3, gt=0)
    eval_batches: int = param(4, ge=1)
    ffn_widths: list[int] | None = None


@dataclass
class LogdetConfig(TaskConfig):
    """A seeded ``n`` × ``n`` SPD matrix with spectrum floor + log-uniform[floor, 1]."""

    n: int | None = param(None, ge=4)
    floor: float = param(0.01, gt=0, lt=1)


# ------------------------------------------------------------------------------------------------
# Method configs
# ------------------------------------------------------------------------------------------------


@dataclass
class PlainConfig(MethodConfig):
    """A method without options."""


@dataclass
class LanczosConfig(MethodConfig):
    """Relative residual tolerance ``tol``, at most ``max_steps`` products (None: max(4k, 40))."""

    tol: float = param(1e-8, gt=0, lt=1)
    max_steps: int | None = param(None, ge=2)


@dataclass
class SamConfig(MethodConfig):
    """Radius ``rho``; ``normalized``: ε = ρ g/‖g‖ instead of ρ g."""

    rho: float = param(0.05, gt=0)
    normalized: bool = False


@dataclass
class MomentumConfig(MethodConfig):
    """Heavy-ball momentum μ."""

    momentum: float = param(0.9, ge=0, lt=1)


@dataclass
class FarmsConfig(MethodConfig):
    """``window`` rows × window·``aspect`` columns per sub-matrix, ``overlap`` between them."""

    window: int = param(64, ge=2)
    aspect: float = param(1.0, ge=1)
    overlap: float = param(0.5, ge=0, lt=1)


@dataclass
class EesConfig(MethodConfig):
    """Chebyshev ``degree``, Rademacher ``probes``, ``bound_steps`` Lanczos steps for λ_max; the
    recurrence's products in ``precision`` (the cast is timed with the estimate)."""

    degree: int = param(50, ge=2)
    precision: str = param("float32", choices=("float32", "float64"))
    probes: int = param(30, ge=1)
    bound_steps: int = param(20, ge=2)


@dataclass
class SlqConfig(MethodConfig):
    """``probes`` Rademacher probes × ``steps`` Lanczos steps."""

    probes: int = param(30, ge=1)
    steps: int = param(20, ge=2)


# ------------------------------------------------------------------------------------------------
# Papers, metrics, tasks
# ------------------------------------------------------------------------------------------------

SAGUN = PaperReference(
    title="Empirical Analysis of the Hessian of Over-Parametrized Neural Networks (Sagun et al.)",
    arxiv="1706.04454",
    note="also 'Eigenvalues of the Hessian in Deep Learning: Singularity and Beyond' (1611.07476)",
)
SAM_PAPER = PaperReference(
    title="SAM operates far from home: eigenvalue regularization as a dynamical phenomenon",
    arxiv="2302.08692",
    note="the edge λ* = (√(1+8ρ/η) − 1)/(2ρ) is derived from the paper's quadratic analysis",
)
BELROSE = PaperReference(
    title="Understanding Gradient Descent through the Training Jacobian", arxiv="2412.07003"
)
FARMS = PaperReference(
    title="Eigenspectrum Analysis of Neural Networks without Aspect Ratio Bias (FARMS)",
    arxiv="2506.06280",
)
WEIGHTWATCHER = PaperReference(
    title="Predicting trends in the quality of state-of-the-art neural networks without access "
    "to training or testing data (Martin, Peng & Mahoney)",
    arxiv="2002.06716",
)
JHA = PaperReference(
    title="Spectral Scaling Laws in Language Models (Jha & Reagen)", arxiv="2510.00537"
)
EES = PaperReference(
    title="Hallucination Detox: Sensitivity Dropout for LLM training (Efficient EigenScore)",
    arxiv="2410.15460",
    note="EES ≈ EigenScore at about 2× its speed (the paper's claim, not a table number)",
)
LAPACK = PaperReference(title="LAPACK symmetric eigensolver (torch.linalg.eigvalsh)")


def _scales(smoke: dict, cpu: dict, full: dict) -> dict[str, dict]:
    return {"smoke": smoke, "cpu": cpu, "full": full}


HESSIAN_METRICS = (
    MetricSpec("topk_error", "min", "max |λ̂_i − λ_i| / λ_max over the top k, both widths"),
    MetricSpec("outlier_error", "min", "|outliers − classes| at width w"),
    MetricSpec("seconds", "min", "the method's time on both Hessians", "s", kind="cost"),
    *(
        MetricSpec(f"{name}{tag}", description=text, kind="diagnostic")
        for tag in ("", "_wide")
        for name, text in (
            ("outliers", "eigenvalues above the largest relative gap (method's top k)"),
            ("exact_outliers", "the same on the exact spectrum"),
            ("near_zero_fraction", "fraction of |λ| < bulk_tol · λ_max (exact)"),
            ("lambda_max", "exact top eigenvalue"),
            ("train_loss", "final training loss"),
            ("params", "parameters (Hessian dimension)"),
            ("matvecs", "Hessian-vector products the method used"),
        )
    ),
    MetricSpec("outlier_shift", description="outliers at 2w − outliers at w", kind="diagnostic"),
    MetricSpec("near_zero_gain", description="near-zero fraction at 2w − at w", kind="diagnostic"),
)
SAM_METRICS = (
    MetricSpec("edge_error", "min", "|λ_max / predicted edge − 1| (median of the tail)"),
    MetricSpec("edge_ratio", description="λ_max / predicted edge", kind="diagnostic"),
    MetricSpec("lambda_max", description="median λ_max over the tail", kind="diagnostic"),
    MetricSpec("predicted_edge", description="2/η (GD) or λ* (SAM)", kind="diagnostic"),
    MetricSpec("gd_edge", description="2/η", kind="diagnostic"),
    MetricSpec("train_loss", description="final training loss", kind="diagnostic"),
)
JACOBIAN_METRICS = (
    MetricSpec("bulk_fraction", "max", "fraction of σ(J) within 1 ± bulk_width"),
    MetricSpec("bulk_alignment", "max", "mean |⟨u_i, v_i⟩| over the bulk"),
    MetricSpec("chaotic_fraction", description="fraction of σ > 1 + bulk_width", kind="diagnostic"),
    MetricSpec("stable_fraction", description="fraction of σ < 1 − bulk_width", kind="diagnostic"),
    MetricSpec("sigma_max", description="largest singular value", kind="diagnostic"),
    MetricSpec("test_accuracy", description="held-out accuracy of θ_T", kind="diagnostic"),
    MetricSpec("params", description="parameters (J is params × params)", kind="diagnostic"),
    MetricSpec("steps", description="optimisation steps unrolled", kind="diagnostic"),
)
JACOBIAN_LABEL_METRICS = (
    MetricSpec(
        "bulk_overlap_excess",
        "max",
        "bulk-subspace overlap of the true- and shuffled-label runs, above chance, over 1 − chance",
    ),
    MetricSpec("bulk_overlap", description="mean squared principal cosine", kind="diagnostic"),
    MetricSpec("chance_overlap", description="its value for random subspaces", kind="diagnostic"),
    MetricSpec(
        "bulk_fraction_gap", description="|bulk fraction true − shuffled|", kind="diagnostic"
    ),
    *(
        MetricSpec(f"{m}_{run}", description=f"{what} ({run} labels)", kind="diagnostic")
        for run in ("true", "shuffled")
        for m, what in (("bulk_fraction", "σ within 1 ± bulk_width"), ("train_accuracy", "fit"))
    ),
    MetricSpec(
        "test_accuracy_true", description="held-out accuracy, true labels", kind="diagnostic"
    ),
    MetricSpec("params", description="parameters (J is params × params)", kind="diagnostic"),
    MetricSpec("steps", description="optimisation steps unrolled", kind="diagnostic"),
)
ALPHA_METRICS = (
    MetricSpec("alpha_spread", "min", "max − min α over the aspect ratios"),
    MetricSpec("spread_ratio", "min", "this method's spread / plain Hill's spread"),
    MetricSpec(
        "spread_shrink", description="plain Hill's spread / this method's", kind="diagnostic"
    ),
    MetricSpec("alpha_mean", description="mean α over the aspect ratios", kind="diagnostic"),
    MetricSpec("hill_spread", description="plain Hill's spread (reference)", kind="diagnostic"),
    MetricSpec("alpha_{columns}", description="α of the rows × columns matrix", kind="diagnostic"),
)
RANK_METRICS = (
    MetricSpec("fit_r2", "max", "R² of log rank against log FFN width"),
    MetricSpec("fit_slope", description="fitted exponent β", kind="diagnostic"),
    MetricSpec(
        "rank_{width}", description="rank (layer mean) at this FFN width", kind="diagnostic"
    ),
    MetricSpec("loss_{width}", description="held-out loss at this FFN width", kind="diagnostic"),
)
LOGDET_METRICS = (
    MetricSpec("rel_error", "min", "|log det estimate − exact| / |exact|"),
    MetricSpec("seconds", "min", "wall time of the estimate", "s", kind="cost"),
    MetricSpec("matvecs", "min", "matrix-vector products (eigvalsh: n)", kind="cost"),
    MetricSpec("logdet", description="the estimate", kind="diagnostic"),
    MetricSpec("exact_logdet", description="Σ log λ of the known spectrum", kind="diagnostic"),
)


@hookimpl
def spectral_harness_register_slots() -> list[SlotSpec]:
    """The six claim-task slots."""
    return list(SLOT_SPECS)


@hookimpl
def spectral_harness_register_tasks() -> list[TaskSpec]:
    """One task per paper's claim (two papers share ``hessian_blobs``)."""

    def task(name, slot, config, run, metrics, primary, scales, summary):
        return TaskSpec(
            name=name,
            slot=slot,
            config=config,
            run=f"spectral_harness_diag.{run}",
            metrics=metrics,
            primary=primary,
            scales=scales,
            summary=summary,
        )

    return [
        task(
            "hessian_blobs",
            HESSIAN,
            HessianBlobsConfig,
            "hessian:run_hessian_blobs",
            HESSIAN_METRICS,
            "topk_error",
            _scales(
                dict(width=4, steps=50, samples=200),
                dict(width=8, steps=300, samples=500),
                dict(width=32, steps=1000, samples=1000),
            ),
            "Hessian top-k of a blob classifier at widths w, 2w: outliers vs classes (exact ref.)",
        ),
        task(
            "sam_edge",
            ASCENT,
            SamEdgeConfig,
            "sam:run_sam_edge",
            SAM_METRICS,
            "edge_error",
            _scales(dict(steps=50, samples=200), dict(steps=1000), dict(steps=4000)),
            "λ_max late in full-batch training against 2/η (GD) and λ* (SAM)",
        ),
        task(
            "training_jacobian",
            JACOBIAN,
            JacobianConfig,
            "jacobian:run_training_jacobian",
            JACOBIAN_METRICS,
            "bulk_fraction",
            _scales(
                dict(hidden=4, epochs=1), dict(hidden=32, epochs=2), dict(hidden=64, epochs=25)
            ),
            "SVD of ∂θ_T/∂θ_0 of a digits MLP: chaotic / bulk / stable regions",
        ),
        task(
            "jacobian_labels",
            JACOBIAN,
            JacobianConfig,
            "jacobian_labels:run_jacobian_labels",
            JACOBIAN_LABEL_METRICS,
            "bulk_overlap_excess",
            _scales(
                dict(hidden=4, epochs=1), dict(hidden=32, epochs=2), dict(hidden=64, epochs=25)
            ),
            "training-Jacobian bulk subspaces of true- and shuffled-label runs from one θ_0",
        ),
        task(
            "alpha_aspect",
            ALPHA,
            AlphaAspectConfig,
            "alpha:run_alpha_aspect",
            ALPHA_METRICS,
            "alpha_spread",
            _scales({}, {}, {}),
            "heavy-tail α of i.i.d. random matrices across aspect ratios (one true α)",
        ),
        task(
            "ffn_rank_scaling",
            RANK,
            RankScalingConfig,
            "ranks:run_ffn_rank_scaling",
            RANK_METRICS,
            "fit_r2",
            _scales(
                dict(steps=5, ffn_widths=[8, 16, 32], eval_batches=1),
                dict(steps=200, ffn_widths=[32, 64, 128, 256, 512]),
                dict(steps=800, width=64, ffn_widths=[64, 128, 256, 512, 1024]),
            ),
            "power-law fit of an FFN activation rank against FFN width (tiny char LM)",
        ),
        task(
            "logdet",
            LOGDET,
            LogdetConfig,
            "logdet:run_logdet",
            LOGDET_METRICS,
            "rel_error",
            _scales(dict(n=64), dict(n=2048), dict(n=4096)),
            "log det of a seeded SPD matrix (EigenScore covariance + ridge) against the exact",
        ),
    ]


@hookimpl
def spectral_harness_register_methods() -> list[MethodSpec]:
    """Estimators and update rules, a baseline in every slot."""

    def method(name, slot, config, build, summary, paper, base=False):
        return MethodSpec(
            name=name,
            slot=slot,
            config=config,
            build=f"spectral_harness_diag.methods:{build}",
            summary=summary,
            paper=paper,
            is_baseline=base,
        )

    return [
        method(
            "exact", HESSIAN, PlainConfig, "build_exact", "dense Hessian + eigvalsh", LAPACK, True
        ),
        method(
            "lanczos",
            HESSIAN,
            LanczosConfig,
            "build_lanczos",
            "Lanczos on HVPs (full reorth.)",
            SAGUN,
        ),
        method(
            "gd", ASCENT, PlainConfig, "build_gd", "full-batch gradient descent", SAM_PAPER, True
        ),
        method("sam", ASCENT, SamConfig, "build_sam", "sharpness-aware minimisation", SAM_PAPER),
        method(
            "sgd_momentum",
            JACOBIAN,
            MomentumConfig,
            "build_sgd_momentum",
            "heavy-ball SGD",
            BELROSE,
            True,
        ),
        method("hill", ALPHA, PlainConfig, "build_hill", "Hill α on the matrix's ESD", FARMS, True),
        method(
            "mle", ALPHA, PlainConfig, "build_mle", "power-law MLE (KS x_min)", WEIGHTWATCHER, True
        ),
        method(
            "farms",
            ALPHA,
            FarmsConfig,
            "build_farms",
            "Hill α on pooled fixed-aspect windows",
            FARMS,
        ),
        method("hard_rank", RANK, PlainConfig, "build_hard_rank", "participation ratio", JHA, True),
        method("soft_rank", RANK, PlainConfig, "build_soft_rank", "Shannon effective rank", JHA),
        method(
            "eigvalsh",
            LOGDET,
            PlainConfig,
            "build_eigvalsh",
            "LAPACK eigvalsh, Σ log λ",
            LAPACK,
            True,
        ),
        method("ees", LOGDET, EesConfig, "build_ees", "Chebyshev/KPM log det (EES)", EES),
        method("slq", LOGDET, SlqConfig, "build_slq", "stochastic Lanczos quadrature", EES),
    ]


# ------------------------------------------------------------------------------------------------
# Probes: any cell's trained model
# ------------------------------------------------------------------------------------------------


@dataclass
class HessianTopConfig(ProbeConfig):
    """Top ``k`` eigenvalues, Lanczos residual tolerance ``tol``, at most ``max_steps`` HVPs."""

    k: int = param(5, ge=1)
    tol: float = param(1e-4, gt=0, lt=1)
    max_steps: int | None = param(None, ge=2)


@dataclass
class HessianDensityConfig(ProbeConfig):
    """SLQ with ``probes`` × ``steps``; Gaussian broadening ``sigma`` (a fraction of the
    spectrum's width) on ``grid`` points; |λ| ≤ zero_tol·max|λ| counts as zero."""

    probes: int = param(10, ge=1)
    steps: int = param(80, ge=2)
    sigma: float = param(0.01, gt=0)
    grid: int = param(1000, ge=10)
    zero_tol: float = param(1e-3, gt=0, lt=1)


@dataclass
class WeightConfig(ProbeConfig):
    """Weights whose name matches ``pattern`` (regex) with both sides ≥ ``min_side``."""

    pattern: str = "weight"
    min_side: int = param(8, ge=2)


@dataclass
class AlphaProbeConfig(WeightConfig):
    """FARMS windows of ``window`` rows (square, shrunk to the matrix), ``overlap`` apart."""

    window: int = param(64, ge=2)
    overlap: float = param(0.5, ge=0, lt=1)


@dataclass
class LambdaMaxConfig(ProbeConfig):
    """Lanczos residual tolerance ``tol``, at most ``max_steps`` HVPs."""

    tol: float = param(1e-3, gt=0, lt=1)
    max_steps: int | None = param(30, ge=2)


def _probe_metrics(*rows: tuple[str, str]) -> tuple[MetricSpec, ...]:
    return tuple(MetricSpec(name, description=text, kind="diagnostic") for name, text in rows)


@hookimpl
def spectral_harness_register_probes() -> list[ProbeSpec]:
    """Hessian top-k and density (need the loss), weight α and layer SNR (the model only), and
    the tracked λ_max."""
    run = "spectral_harness_diag.probes:"
    weight_rows = (("layers", "weight matrices measured"),)
    return [
        ProbeSpec(
            "hessian_top",
            "top-k Hessian eigenvalues (Lanczos on HVPs)",
            run + "hessian_top",
            needs=("model", "loss"),
            config=HessianTopConfig,
            metrics=_probe_metrics(
                ("lambda_max", "largest eigenvalue"),
                ("lambda_k", "k-th largest eigenvalue"),
                ("outliers", "eigenvalues above the largest relative gap among the top k"),
                ("matvecs", "Hessian-vector products"),
                ("params", "Hessian dimension"),
            ),
        ),
        ProbeSpec(
            "hessian_density",
            "Hessian eigenvalue density (stochastic Lanczos quadrature)",
            run + "hessian_density",
            needs=("model", "loss"),
            config=HessianDensityConfig,
            metrics=_probe_metrics(
                ("trace", "tr H (Hutchinson through SLQ)"),
                ("lambda_max", "largest Ritz value"),
                ("lambda_min", "smallest Ritz value"),
                ("near_zero_mass", "density mass at ≈ 0"),
                ("negative_mass", "density mass below 0"),
                ("matvecs", "HVPs"),
            ),
        ),
        ProbeSpec(
            "weight_alpha",
            "per-layer heavy-tail α (Hill) of weight spectra, plain and FARMS",
            run + "weight_alpha",
            config=AlphaProbeConfig,
            metrics=_probe_metrics(
                ("alpha_mean", "mean Hill α over layers"),
                ("alpha_spread", "max − min α"),
                ("farms_alpha_mean", "mean FARMS α"),
                ("farms_alpha_spread", "max − min"),
                *weight_rows,
            ),
        ),
        ProbeSpec(
            "layer_snr",
            "Spectrum's per-layer SNR against the Marchenko–Pastur threshold",
            run + "layer_snr",
            config=WeightConfig,
            metrics=_probe_metrics(
                ("snr_mean", "mean SNR over layers with a noise part"),
                ("infinite", "layers with every singular value above τ (SNR infinite)"),
                ("snr_min", "lowest SNR"),
                ("snr_max", "highest SNR"),
                ("score_mean", "mean SNR / σ_max"),
                *weight_rows,
            ),
        ),
        ProbeSpec(
            "lambda_max",
            "Hessian λ_max (Lanczos), tracked at each evaluation of harness.fit",
            run + "lambda_max",
            needs=("model", "loss"),
            config=LambdaMaxConfig,
            track=True,
            metrics=_probe_metrics(("lambda_max", "largest eigenvalue"), ("matvecs", "HVPs")),
        ),
    ]
