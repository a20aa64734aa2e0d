"""The claims this family checks: exact spectra and limiting laws, the papers' statements about
their solvers and estimators, and cost comparisons between solvers. Values are the theory's
(closed forms), never our measurements; all are judged at the ``cpu`` scale of the presets in
``conf/experiment/eigen_*.yaml``."""

from __future__ import annotations

from harness import Claim, hookimpl
from spectral_harness_eigen.cooling_claims import cooling_claims

RMT = "Random-matrix laws (Wigner; Marchenko–Pastur), via 'Classical glasses…' (2019)"
NH = "Eigenvalues restricted by Lyapunov exponent of eigenstates (2022)"
KATENDE = "Katende 2024, Decentralized NNs for eigenvalue computation (arXiv 2409.06746)"
COOLING = "Ground state preparation via dynamical cooling (arXiv 2404.05810)"
BALANCE = "Liu et al. 2024, The Benefits of Balance (arXiv 2408.15065)"
SPECTRAL = "Velikanov et al. 2024, Generalization error of spectral algorithms (2403.11696)"
S4PTD = "Yu et al. 2024, Robustifying SSMs via approximate diagonalization (arXiv 2310.01698)"
HOLO = "Normalizable fermion modes in a holographic superconductor (2009): a radial Dirac operator"
DKB = "Shabaev et al. 2004, dual kinetic balance (PRL 93, 130405): spurious states for κ > 0"
SAGUN = "Sagun et al. 2016/2017, eigenvalues of the Hessian (research notes A1)"
CPU = "cpu"


def _spectra() -> list[Claim]:
    return [
        Claim(
            "eigen.goe.semicircle_edge",
            RMT,
            "the top GOE eigenvalue sits at the semicircle's edge 2 (n = 800)",
            "goe",
            "fact_lambda_max",
            "dense",
            expect="within",
            value=2.0,
            tolerance=0.05,
            scale=CPU,
            source="semicircle law",
        ),
        Claim(
            "eigen.wishart.mp_upper_edge",
            RMT,
            "the top Wishart eigenvalue sits at the Marchenko–Pastur edge (1 + √q)² = 2.25",
            "wishart",
            "fact_lambda_max",
            "dense",
            expect="within",
            value=2.25,
            tolerance=0.05,
            scale=CPU,
            source="Marchenko–Pastur law, q = 0.25",
        ),
        Claim(
            "eigen.wishart.mp_lower_edge",
            RMT,
            "the lowest Wishart eigenvalue sits at the edge (1 − √q)² = 0.25",
            "wishart",
            "fact_lambda_min",
            "dense",
            expect="within",
            value=0.25,
            tolerance=0.02,
            scale=CPU,
            source="Marchenko–Pastur law, q = 0.25",
        ),
        Claim(
            "eigen.syk.trace_identity",
            RMT,
            "tr(H²)/dim = Σ J²/16 for Majorana SYK",
            "syk",
            "fact_trace_ratio",
            "dense",
            expect="within",
            value=1.0,
            tolerance=1e-9,
            scale=CPU,
            source="Majorana algebra",
        ),
        Claim(
            "eigen.syk.degeneracy",
            RMT,
            "every SYK level is doubly degenerate for N = 14 (N mod 8 = 6)",
            "syk",
            "fact_paired_fraction",
            "dense",
            expect="within",
            value=1.0,
            tolerance=1e-9,
            scale=CPU,
            source="SYK symmetry classes",
        ),
        Claim(
            "eigen.cora.connected",
            "harness.laplacian convention",
            "Cora's largest component has exactly one zero Laplacian eigenvalue",
            "planetoid_laplacian",
            "fact_zero_modes",
            "dense",
            expect="within",
            value=1.0,
            tolerance=0.5,
            scale=CPU,
            source="nullity = number of components",
        ),
        Claim(
            "eigen.hatano_nelson.closed_form",
            NH,
            "LAPACK recovers the closed-form PBC ellipse E_q = 2cosh g cos q − 2i sinh g sin q",
            "hatano_nelson",
            "eig_error",
            "dense",
            expect="at_most",
            value=1e-10,
            scale=CPU,
            source="Hatano–Nelson closed form",
        ),
        Claim(
            "eigen.aubry_andre.real_when_localised",
            NH,
            "with ln(V/2t) > g (V = 5, g = 0.5) the PBC spectrum is real",
            "aubry_andre",
            "fact_max_imag",
            "dense",
            expect="at_most",
            value=1e-8,
            scale=CPU,
            where={"task.potential": 5.0},
            source="main result",
        ),
        Claim(
            "eigen.aubry_andre.complex_when_extended",
            NH,
            "with ln(V/2t) < g (V = 1.5) the PBC spectrum leaves the real axis",
            "aubry_andre",
            "fact_max_imag",
            "dense",
            expect="at_least",
            value=0.1,
            scale=CPU,
            where={"task.potential": 1.5},
            source="main result",
        ),
        Claim(
            "eigen.hippo.ill_conditioned",
            S4PTD,
            "HiPPO-LegS (n = 64) cannot be diagonalised stably: LAPACK's spectrum is off by "
            "more than 1 % of n",
            "hippo_legs",
            "fact_lapack_error",
            "dense",
            expect="at_least",
            value=0.01,
            scale=CPU,
            source="§3 (eigenvector condition numbers of HiPPO)",
        ),
        Claim(
            "eigen.bessel.filtered_modes_exact",
            "Boyd, Chebyshev and Fourier Spectral Methods",
            "collocation modes that survive the drift filter match j_{m,s}² to 1e-5 relative",
            "bessel_collocation",
            "fact_resolved_error",
            "dense",
            expect="at_most",
            value=1e-5,
            scale=CPU,
            source="spurious-mode filtering (drift test)",
        ),
        Claim(
            "eigen.dirac.sommerfeld",
            HOLO,
            "Chebyshev collocation of the radial Dirac–Coulomb operator (κ = −1, ζ = 0.5, "
            "N = 65) gives the three lowest Sommerfeld energies to 1e-6",
            "dirac_collocation",
            "eig_error",
            "dense",
            expect="at_most",
            value=1e-6,
            scale=CPU,
            where={"task.kappa": -1},
            source="Sommerfeld fine-structure formula",
        ),
        Claim(
            "eigen.dirac.filtered_modes_exact",
            HOLO,
            "bound-state modes that survive the drift filter are Sommerfeld levels to 1e-5",
            "dirac_collocation",
            "fact_resolved_error",
            "dense",
            expect="at_most",
            value=1e-5,
            scale=CPU,
            where={"task.kappa": -1},
            source="spurious-mode filtering (drift test)",
        ),
        Claim(
            "eigen.dirac.spurious_positive_kappa",
            DKB,
            "for κ = +1 a stable spurious mode (no Sommerfeld level) survives the drift filter",
            "dirac_collocation",
            "fact_spurious_modes",
            "dense",
            expect="at_least",
            value=1.0,
            scale=CPU,
            where={"task.kappa": 1},
            source="spurious states of finite Dirac discretisations",
        ),
        Claim(
            "eigen.hessian.outliers_track_classes",
            SAGUN,
            "the Hessian's eigenvalues above 5 % of λ_max number the classes ± 1 (3 classes)",
            "network_hessian",
            "fact_outliers",
            "dense",
            expect="within",
            value=3.0,
            tolerance=1.0,
            scale=CPU,
            source="bulk plus ~k outliers (notes A1, claim i)",
        ),
    ]


def _solvers() -> list[Claim]:
    return [
        Claim(
            "eigen.cost.lanczos_beats_dense_on_cora",
            "ARPACK vs LAPACK",
            "on Cora's Laplacian ARPACK needs fewer matvecs than forming the dense matrix",
            "planetoid_laplacian",
            "matvecs",
            "arpack",
            baseline="dense",
            scale=CPU,
        ),
        Claim(
            "eigen.cost.lanczos_beats_lobpcg_unpreconditioned",
            "Knyazev 2001 (LOBPCG)",
            "without a preconditioner LOBPCG needs more matvecs than ARPACK on GOE",
            "goe",
            "matvecs",
            "arpack",
            baseline="lobpcg",
            scale=CPU,
        ),
        Claim(
            "eigen.hessian.lanczos_matches_exact",
            SAGUN,
            "Lanczos on Hessian–vector products matches the exact top-4 eigenvalues to 1e-3",
            "network_hessian",
            "eig_error",
            "arpack",
            expect="at_most",
            value=1e-3,
            scale=CPU,
            source="notes A1, claim iii",
        ),
        Claim(
            "eigen.cost.lanczos_beats_dense_hessian",
            "ARPACK vs LAPACK",
            "the top Hessian eigenvalues cost fewer HVPs by Lanczos than forming the Hessian",
            "network_hessian",
            "matvecs",
            "arpack",
            baseline="dense",
            scale=CPU,
        ),
        Claim(
            "eigen.consensus.finds_ground_state",
            KATENDE,
            "the decentralised estimates reach the smallest eigenvalue (no faults)",
            "grid_ground_state",
            "eig_error",
            "consensus",
            expect="at_most",
            value=1e-6,
            scale=CPU,
            where={"method.drop": 0.0, "method.delay": 0},
            source="abstract",
        ),
        Claim(
            "eigen.consensus.robust_to_faults",
            KATENDE,
            "estimates stay within 1e-3 of the smallest eigenvalue with 20 % dropped messages "
            "and delays up to 3 rounds",
            "grid_ground_state",
            "eig_error",
            "consensus",
            expect="at_most",
            value=1e-3,
            scale=CPU,
            where={"method.drop": 0.2, "method.delay": 3},
            source="abstract (robust to delays and disruptions)",
        ),
        Claim(
            "eigen.consensus.beats_centralised",
            KATENDE,
            "the decentralised solver surpasses a centralised one (ARPACK) in matvecs",
            "grid_ground_state",
            "matvecs",
            "consensus",
            baseline="arpack",
            scale=CPU,
            where={"method.drop": 0.0, "method.delay": 0},
            source="abstract",
        ),
        Claim(
            "eigen.cooling.fidelity",
            COOLING,
            "cooling prepares the TFIM ground state with fidelity above 0.9",
            "tfim_ground_state",
            "fidelity",
            "cooling",
            expect="at_least",
            value=0.9,
            scale=CPU,
            source="research notes' bench claim",
        ),
        Claim(
            "eigen.cooling.vs_lanczos",
            COOLING,
            "sign-filter cooling needs no more matvecs than Lanczos (ARPACK)",
            "tfim_ground_state",
            "matvecs",
            "cooling",
            expect="not_worse",
            baseline="arpack",
            scale=CPU,
        ),
    ]


def _estimators() -> list[Claim]:
    limits = [
        Claim(
            f"eigen.balance.limit_k{k}",
            BALANCE,
            f"n·MSE of the {k}-step balanced estimator matches its limit Var(IF_{k}) ±10 %",
            "balancing",
            "n_mse_ratio",
            "balanced",
            expect="within",
            value=1.0,
            tolerance=0.1,
            scale=CPU,
            where={"method.steps": k},
            source="Theorem (n·MSE)",
        )
        for k in (1, 2, 4, 8)
    ]
    return [
        *limits,
        Claim(
            "eigen.balance.empirical_limit",
            BALANCE,
            "n·MSE of the empirical estimator matches Var(h) ±10 %",
            "balancing",
            "n_mse_ratio",
            "empirical",
            expect="within",
            value=1.0,
            tolerance=0.1,
            scale=CPU,
        ),
        Claim(
            "eigen.balance.variance_reduction",
            BALANCE,
            "4-step balancing has a lower n·MSE than the empirical estimator",
            "balancing",
            "n_mse",
            "balanced",
            baseline="empirical",
            scale=CPU,
            where={"method.steps": 4},
        ),
        *(
            Claim(
                f"eigen.spectral.{model}.{method}.kappa{kappa:g}",
                SPECTRAL,
                f"{method}'s tuned loss decays as N^-{value:.3f} on the {model} model "
                f"(κ = {kappa:g}, ν = 1.5) ±0.1",
                f"kernel_{model}",
                "exponent",
                method,
                expect="within",
                value=value,
                tolerance=0.1,
                scale=CPU,
                where={"task.kappa": kappa},
                source="optimally tuned noisy rates",
            )
            for model in ("circle", "wishart")
            for method, kappa, value in (
                ("krr", 2.0, 2 / 3),
                ("gradient_flow", 2.0, 2 / 3),
                ("spectral_cutoff", 2.0, 2 / 3),
                ("krr", 6.0, 3 / 4),
                ("gradient_flow", 6.0, 6 / 7),
                ("spectral_cutoff", 6.0, 6 / 7),
            )
        ),
        *(
            Claim(
                f"eigen.spectral.{model}.krr_saturation",
                SPECTRAL,
                f"for a smooth target (κ = 6 > 2ν) KRR saturates on the {model} model: gradient "
                "flow's exponent is larger by more than 0.05",
                f"kernel_{model}",
                "exponent",
                "gradient_flow",
                baseline="krr",
                margin=0.05,
                scale=CPU,
                where={"task.kappa": 6.0},
                source="KRR saturation",
            )
            for model in ("circle", "wishart")
        ),
    ]


@hookimpl
def spectral_harness_register_claims() -> list[Claim]:
    """Every claim of the eigen family."""
    return [*_spectra(), *_solvers(), *_estimators(), *cooling_claims()]
