"""LiteASR's claims, judged at the ``cpu`` scale of ``conf/experiment/peft_liteasr_board.yaml``
(3 seeds: each draws its own calibration utterances) on the ``whisper_compression`` task."""

from __future__ import annotations

from harness import Claim

LITEASR = "Kamahori et al. 2025, LiteASR: low-rank approximation of ASR encoders (arXiv 2502.20583)"
TASK = "whisper_compression"
PAPER_DEFAULT = {"method.theta": 0.99, "method.theta_mlp": 0.999}


def liteasr_claims() -> list[Claim]:
    """At the paper's thresholds (0.99 attention, 0.999 MLP): fewer encoder FLOPs and
    parameters, and a WER at most 1 point above the uncompressed encoder's."""
    return [
        Claim(
            "peft.liteasr.cuts_encoder_flops",
            LITEASR,
            "LiteASR at θ = 0.99 (attention) / 0.999 (MLP) removes at least 20 % of the "
            "encoder's FLOPs",
            TASK,
            "encoder_flops_kept",
            "liteasr",
            expect="at_most",
            value=0.8,
            scale="cpu",
            where=PAPER_DEFAULT,
            source="abstract and section 5 (FLOPs and latency of the compressed encoder); the "
            "research notes' tiny.en version of the claim asks for at least 20 %",
        ),
        Claim(
            "peft.liteasr.shrinks_encoder",
            LITEASR,
            "LiteASR at θ = 0.99 / 0.999 removes at least 20 % of the encoder's parameters",
            TASK,
            "encoder_params_kept",
            "liteasr",
            expect="at_most",
            value=0.8,
            scale="cpu",
            where=PAPER_DEFAULT,
            source="abstract: Whisper large-v3's encoder compressed by over 50 % (d = 1280; "
            "tiny.en has d = 384, where low rank saves less)",
            reported=0.5,
        ),
        Claim(
            "peft.liteasr.small_wer_cost",
            LITEASR,
            "LiteASR at θ = 0.99 / 0.999 transcribes at most 1 WER point worse than the "
            "uncompressed encoder",
            TASK,
            "wer",
            "liteasr",
            expect="not_worse",
            baseline="uncompressed",
            margin=0.01,
            scale="cpu",
            where=PAPER_DEFAULT,
            source="abstract: 'maintaining transcription accuracy'; Table 2 (ESB WER of "
            "Lite-Whisper vs Whisper)",
        ),
    ]
