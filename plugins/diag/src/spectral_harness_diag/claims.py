"""The seven papers' claims, judged on the ``cpu`` scale of ``conf/experiment/diag_board.yaml``.
Values are the papers' statements (or the closed forms they imply), never our measurements;
``reported`` is the paper's own number where it gives one."""

from __future__ import annotations

from harness import Claim, hookimpl

SAGUN = "Sagun et al. 2016/2017, Hessian eigenvalues (arXiv 1611.07476, 1706.04454)"
SAM = "Agarwala & Dauphin 2023, SAM operates far from home (arXiv 2302.08692)"
BELROSE = "Belrose & Scherlis 2024, the training Jacobian (arXiv 2412.07003)"
FARMS = "Hu et al. 2025, FARMS: eigenspectrum analysis without aspect-ratio bias (2506.06280)"
JHA = "Jha & Reagen 2025, Spectral scaling laws in language models (arXiv 2510.00537)"
EES = "Mohammadzadeh et al. 2025, Hallucination Detox / Efficient EigenScore (2410.15460)"
CPU = "cpu"
GD_LR, SAM_RHO = 0.2, 0.05
SAM_EDGE = ((1 + 8 * SAM_RHO / GD_LR) ** 0.5 - 1) / (2 * SAM_RHO)


def _hessian() -> list[Claim]:
    outliers = [
        Claim(
            f"diag.sagun.outliers_{k}_classes",
            SAGUN,
            f"the trained Hessian has about as many outliers as classes ({k} ± 1) on {k} blobs",
            "hessian_blobs",
            "outliers",
            "lanczos",
            expect="within",
            value=float(k),
            tolerance=1.0,
            scale=CPU,
            where={"task.classes": k},
            source="Sagun 2017 §3",
            reported=float(k),
        )
        for k in (2, 5, 10)
    ]
    return [
        *outliers,
        Claim(
            "diag.sagun.outliers_width_invariant",
            SAGUN,
            "doubling the width leaves the outlier count unchanged (each class count)",
            "hessian_blobs",
            "outlier_shift",
            "lanczos",
            expect="within",
            value=0.0,
            tolerance=0.5,
            scale=CPU,
            source="Sagun 2017 §3",
            reported=0.0,
        ),
        Claim(
            "diag.sagun.bulk_grows_with_width",
            SAGUN,
            "more parameters only grow the bulk at zero: the near-zero fraction rises with width",
            "hessian_blobs",
            "near_zero_gain",
            "lanczos",
            expect="at_least",
            value=0.0,
            scale=CPU,
            source="Sagun 2016 §3",
        ),
        Claim(
            "diag.lanczos.top_k_exact",
            SAGUN,
            "Lanczos top-k on Hessian-vector products equals the exact Hessian's to 1e-3",
            "hessian_blobs",
            "topk_error",
            "lanczos",
            expect="at_most",
            value=1e-3,
            scale=CPU,
            source="issue 17 (PyHessian's tolerance)",
        ),
    ]


def _sam() -> list[Claim]:
    return [
        Claim(
            "diag.sam.gd_edge",
            SAM,
            f"full-batch GD settles at λ_max ≈ 2/η = {2 / GD_LR:g} (within 15 %)",
            "sam_edge",
            "lambda_max",
            "gd",
            expect="within",
            value=2 / GD_LR,
            tolerance=0.15 * 2 / GD_LR,
            scale=CPU,
            where={"task.lr": GD_LR},
            source="§3 (edge of stability)",
            reported=2 / GD_LR,
        ),
        Claim(
            "diag.sam.unnormalized_edge",
            SAM,
            f"unnormalised SAM settles at λ* = (√(1+8ρ/η) − 1)/(2ρ) = {SAM_EDGE:.3f} (ρ = "
            f"{SAM_RHO}, η = {GD_LR}; within 15 %), below GD's 2/η",
            "sam_edge",
            "lambda_max",
            "sam",
            expect="within",
            value=SAM_EDGE,
            tolerance=0.15 * SAM_EDGE,
            scale=CPU,
            where={"task.lr": GD_LR, "method.rho": SAM_RHO, "method.normalized": False},
            source="§4 (quadratic model)",
            reported=SAM_EDGE,
        ),
    ]


def _jacobian() -> list[Claim]:
    return [
        Claim(
            "diag.jacobian.bulk_majority",
            BELROSE,
            "most singular values of the training Jacobian lie in the bulk σ ∈ [0.99, 1.01]",
            "training_jacobian",
            "bulk_fraction",
            "sgd_momentum",
            expect="at_least",
            value=0.5,
            scale=CPU,
            source="Fig. 1 (digits MLP)",
        ),
        Claim(
            "diag.jacobian.bulk_aligned",
            BELROSE,
            "along the bulk the left and right singular vectors coincide: mean |⟨u, v⟩| > 0.99",
            "training_jacobian",
            "bulk_alignment",
            "sgd_momentum",
            expect="at_least",
            value=0.99,
            scale=CPU,
            source="§3",
        ),
    ]


def _sam_normalized() -> list[Claim]:
    return [
        Claim(
            "diag.sam.normalized_edge",
            SAM,
            "normalised SAM (ε = ρ g/‖g‖) settles at its gradient-dependent edge, λ* with ρ/‖g‖ in "
            f"place of ρ: λ_max / λ*(η, ρ/‖g‖) within 1 ± 0.15 (ρ = {SAM_RHO}, η = {GD_LR})",
            "sam_edge",
            "edge_ratio",
            "sam",
            expect="within",
            value=1.0,
            tolerance=0.15,
            scale=CPU,
            where={"task.lr": GD_LR, "method.rho": SAM_RHO, "method.normalized": True},
            source="quadratic-model edge, ρ/‖g‖ for ρ (as Long & Bartlett 2023, 2309.12488)",
        ),
    ]


def _jacobian_labels() -> list[Claim]:
    return [
        Claim(
            "diag.jacobian.bulk_label_independent",
            BELROSE,
            "the bulk subspace (σ ≈ 1) is nearly the same with true and shuffled labels: its "
            "overlap is at least halfway from that of random subspaces to identity",
            "jacobian_labels",
            "bulk_overlap_excess",
            "sgd_momentum",
            expect="at_least",
            value=0.5,
            scale=CPU,
            source="abstract (the bulk depends on the inputs, largely not on the labels)",
        ),
        Claim(
            "diag.jacobian.bulk_size_label_independent",
            BELROSE,
            "the bulk holds the same share of singular values with true and shuffled labels "
            "(within 5 points)",
            "jacobian_labels",
            "bulk_fraction_gap",
            "sgd_momentum",
            expect="at_most",
            value=0.05,
            scale=CPU,
            source="abstract (the bulk depends on the inputs, largely not on the labels)",
        ),
    ]


def _farms() -> list[Claim]:
    return [
        Claim(
            f"diag.farms.spread_shrinks_{name}",
            FARMS,
            f"FARMS shrinks the spread of α across aspect ratios ≥ 3× ({label}): its spread is at "
            "most a third of plain Hill's",
            "alpha_aspect",
            "spread_ratio",
            "farms",
            expect="at_most",
            value=1 / 3,
            scale=CPU,
            where=where,
            source="§3 (aspect-ratio bias)",
        )
        for name, label, where in (
            ("gaussian", "Gaussian entries", {"task.distribution": "gaussian"}),
            ("student_t3", "Student-t, 3 dof", {"task.distribution": "student_t", "task.dof": 3.0}),
        )
    ]


def _ranks() -> list[Claim]:
    return [
        Claim(
            "diag.ranks.soft_fits_power_law_better",
            JHA,
            "soft rank follows a power law in FFN width more closely (higher R²) than hard rank",
            "ffn_rank_scaling",
            "fit_r2",
            "soft_rank",
            expect="better",
            baseline="hard_rank",
            scale=CPU,
            source="§4 (asymmetric spectral scaling law)",
        ),
    ]


def _ees() -> list[Claim]:
    return [
        Claim(
            "diag.ees.within_one_percent",
            EES,
            "the Chebyshev/KPM log det (30 probes × 50 terms) is within 1 % of exact (n = 2048)",
            "logdet",
            "rel_error",
            "ees",
            expect="at_most",
            value=0.01,
            scale=CPU,
            source="§3 (EES)",
        ),
        Claim(
            "diag.ees.faster_than_eigvalsh",
            EES,
            "EES is faster than an eigendecomposition (paper: about 2×) at n = 2048",
            "logdet",
            "seconds",
            "ees",
            expect="better",
            baseline="eigvalsh",
            scale=CPU,
            source="§3 (EES)",
        ),
    ]


@hookimpl
def spectral_harness_register_claims() -> list[Claim]:
    """Every claim of the diagnostics family."""
    return [
        *_hessian(),
        *_sam(),
        *_sam_normalized(),
        *_jacobian(),
        *_jacobian_labels(),
        *_farms(),
        *_ranks(),
        *_ees(),
    ]
