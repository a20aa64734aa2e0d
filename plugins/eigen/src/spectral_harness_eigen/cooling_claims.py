"""The research notes' claims for dynamical cooling (D2), judged on the ``tfim_cooling`` bench at
the ``cpu`` scale (TFIM n = 8, K = 50 steps from a random product state). The paper's own
results are query-complexity bounds (no numbers); these are the notes' bench expectations."""

from __future__ import annotations

from harness import Claim

PAPER = "Motlagh et al. 2024, Ground state preparation via dynamical cooling (arXiv 2404.05810)"
SOURCE = "research notes D2 (CPU bench claim)"


def cooling_claims() -> list[Claim]:
    """Fidelity above 0.9 after K steps, and a fidelity that never falls from step to step."""
    return [
        Claim(
            "eigen.dynamical_cooling.fidelity",
            PAPER,
            "dynamical cooling prepares the TFIM (n = 8) ground state with fidelity above 0.9 "
            "within 50 steps from a random product state",
            "tfim_cooling",
            "fidelity",
            "dynamical_cooling",
            expect="at_least",
            value=0.9,
            scale="cpu",
            source=SOURCE,
        ),
        Claim(
            "eigen.dynamical_cooling.monotone",
            PAPER,
            "the ground-state fidelity rises monotonically over the cooling steps",
            "tfim_cooling",
            "fidelity_drop",
            "dynamical_cooling",
            expect="at_most",
            value=1e-9,
            scale="cpu",
            source=SOURCE,
        ),
    ]
