"""The Fourier decoder paper's claims on the ``periodic_gen`` board."""

from __future__ import annotations

from harness import Claim
from spectral_harness_seq.periodic_specs import FOURIER_ARXIV

PLAIN_DECODERS = ("mlp_decoder", "gru_decoder", "transformer_decoder")
FOURIER_CLAIM_PAPER = (
    "Conditional Generation of Periodic Signals with Fourier-Based Decoder "
    f"(Lee, Kim, Gwak, Choi, arXiv {FOURIER_ARXIV})"
)
_ABSTRACT = "abstract ('outperforms baselines in all tasks'); statement, no number retrieved"


def periodic_claims() -> list[Claim]:
    """The Fourier decoder generates with lower spectral error than each plain decoder, and
    beats the best of them on reconstruction, imputation and extrapolation."""
    claims = [
        Claim(
            id=f"fourier-vs-{baseline}-gen-spectral",
            paper=FOURIER_CLAIM_PAPER,
            statement="the Fourier decoder generates periodic signals (z ~ N(0, I), given the "
            f"family and cycles) with lower spectral error than the {baseline}",
            task="periodic_gen",
            metric="gen_spectral_l1",
            method="fourier_decoder",
            baseline=baseline,
            source=_ABSTRACT,
        )
        for baseline in PLAIN_DECODERS
    ]
    what = {
        "spectral_l1": "reconstructs with a lower spectral error",
        "recon_mse": "reconstructs with a lower MSE",
        "impute_mse": "imputes half-hidden signals with a lower MSE",
        "extrap_mse": "extrapolates beyond the window with a lower MSE",
    }
    claims += [
        Claim(
            id=f"fourier-beats-plain-{metric.replace('_', '-')}",
            paper=FOURIER_CLAIM_PAPER,
            statement=f"the Fourier decoder {text} than every plain decoder (the best of MLP, "
            "GRU and Transformer, seed by seed)",
            task="periodic_gen",
            metric=metric,
            method="fourier_decoder",
            baseline=PLAIN_DECODERS,
            source=_ABSTRACT
            if metric != "extrap_mse"
            else "not in the paper: the research notes' extrapolation test",
        )
        for metric, text in what.items()
    ]
    return claims
