"""The claims this family checks against its records, judged at the ``cpu`` scale of the presets
in ``conf/experiment/peft_*.yaml`` (3 seeds).

The papers' own numbers are on other models and benchmarks (RoBERTa/LLaMA on GLUE, LLaMA3 on
ARC, VoxCeleb), so no claim carries a ``reported`` value for our task: each states the paper's
qualitative result and ``source`` says where the paper makes it.
"""

from __future__ import annotations

from harness import Claim, hookimpl

CPU = "cpu"
ADAPT = "sentiment_minilm"
COMPRESS = "minilm_compression"
FOURIERFT = "Gao et al. 2024, Parameter-Efficient Fine-Tuning with DFT (arXiv 2405.03003)"
SPECTRUM = "Hartford et al. 2024, Spectrum: Targeted Training on SNR (arXiv 2406.06623)"
SPECTRALFT = "Li et al. 2025, Spectral-Aware Low-Rank Adaptation (arXiv 2501.03829)"
EORA = "Liu et al. 2024, EoRA: eigenspace low-rank compensation (arXiv 2410.21271)"
RESQ = "Saxena et al. 2024, ResQ: mixed precision with low-rank residuals (arXiv 2412.14363)"
LORA_QV_R8 = 6 * 2 * 8 * (384 + 384)  # LoRA r = 8 on query and value of the six MiniLM layers
SNR = {"method.selection": "snr"}


def _adapters() -> list[Claim]:
    return [
        Claim(
            "peft.fourierft.matches_lora",
            FOURIERFT,
            "FourierFT (n = 1000 per layer) is at most 1 point less accurate than LoRA (r = 8)",
            ADAPT,
            "accuracy",
            "fourierft",
            expect="not_worse",
            baseline="lora",
            margin=0.01,
            scale=CPU,
            source="abstract; Table 2 (GLUE with RoBERTa)",
        ),
        Claim(
            "peft.fourierft.fifth_of_lora_params",
            FOURIERFT,
            "FourierFT trains at most a fifth of LoRA's parameters (LoRA r = 8 on q, v: 73 728)",
            ADAPT,
            "trainable_params",
            "fourierft",
            expect="at_most",
            value=LORA_QV_R8 / 5,
            scale=CPU,
            source="abstract: 0.064M trainable parameters vs LoRA's 33.5M (LLaMA2-7B)",
        ),
        Claim(
            "peft.spectrum.matches_full_ft",
            SPECTRUM,
            "training the 50 % highest-SNR linears is at most 1 point worse than full fine-tuning",
            ADAPT,
            "accuracy",
            "spectrum",
            expect="not_worse",
            baseline="full_ft",
            margin=0.01,
            scale=CPU,
            where=SNR,
            source="abstract; Spectrum-50 vs full fine-tuning tables",
        ),
        Claim(
            "peft.spectrum.snr_not_worse_than_random",
            SPECTRUM,
            "the SNR-chosen 50 % of linears fine-tune at least as well as a random 50 %",
            ADAPT,
            "accuracy",
            "spectrum",
            expect="not_worse",
            baseline="spectrum",
            where=SNR,
            baseline_where={"method.selection": "random"},
            scale=CPU,
            source="the method's premise (section 3): SNR marks the informative layers",
        ),
        Claim(
            "peft.spectralft.beats_lora",
            SPECTRALFT,
            "SpectralFT (k = 64, r = 4 on q, v) is more accurate than LoRA (r = 8)",
            ADAPT,
            "accuracy",
            "spectralft",
            expect="better",
            baseline="lora",
            scale=CPU,
            source="abstract and Tables 1-2 (speaker verification EER, VoxCeleb1 / CN-Celeb1)",
        ),
    ]


def _compressors() -> list[Claim]:
    return [
        Claim(
            "peft.eora.recovers_rtn_accuracy",
            EORA,
            "EoRA's rank-16 compensation recovers accuracy lost to 3-bit RTN",
            COMPRESS,
            "accuracy",
            "eora",
            expect="better",
            baseline="rtn",
            scale=CPU,
            source="abstract; Tables 1-3 (LLaMA3-8B, 3/4-bit and 2:4 sparsity)",
        ),
        Claim(
            "peft.eora.beats_svd_accuracy",
            EORA,
            "EoRA is more accurate than plain SVD compensation at the same rank",
            COMPRESS,
            "accuracy",
            "eora",
            expect="better",
            baseline="rtn_svd",
            scale=CPU,
            source="Tables 1-3 (EoRA vs SVD)",
        ),
        Claim(
            "peft.eora.beats_svd_layer_error",
            EORA,
            "EoRA's layer outputs are closer to the uncompressed ones than SVD's (held-out tokens)",
            COMPRESS,
            "layer_error",
            "eora",
            expect="better",
            baseline="rtn_svd",
            scale=CPU,
            source="section 3: EoRA minimises the layer-output error in the eigenspace",
        ),
        Claim(
            "peft.resq.recovers_rtn_accuracy",
            RESQ,
            "ResQ (1/8 of the PCA directions at 8 bits, rotations) is more accurate than 3-bit RTN",
            COMPRESS,
            "accuracy",
            "resq",
            expect="better",
            baseline="rtn",
            scale=CPU,
            source="abstract; Table 1 (W4A4KV4 perplexity vs RTN, QuaRot, SpinQuant)",
        ),
    ]


@hookimpl
def spectral_harness_register_claims() -> list[Claim]:
    """FourierFT vs LoRA, Spectrum vs full fine-tuning and random layers, SpectralFT vs LoRA,
    EoRA and ResQ vs RTN (and EoRA vs SVD), and the same-budget and 2:4 claims of
    :mod:`.claims_sparse`."""
    from spectral_harness_peft.claims_eigen_sst import eigenlora_claims, sst_claims
    from spectral_harness_peft.claims_sparse import sparse_claims

    return [*_adapters(), *_compressors(), *sparse_claims(), *eigenlora_claims(), *sst_claims()]
