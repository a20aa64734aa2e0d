"""Declarations of the periodic-generation topic (slot ``sequence_generator``): the task
``periodic_gen`` and its presets and metrics, the Fourier decoder and the plain decoders it is
compared against. Torch-free: the family's ``__init__`` appends these lists to its
registrations (configs: ``periodic_config``; claims: ``periodic_claims``).
"""

from __future__ import annotations

from harness import MethodSpec, MetricSpec, PaperReference, TaskSpec
from spectral_harness_seq.generator_contract import SLOT_SPEC
from spectral_harness_seq.periodic_config import (
    FourierDecoderConfig,
    GruDecoderConfig,
    MlpDecoderConfig,
    PeriodicGenConfig,
    TransformerDecoderConfig,
)

GEN_SLOT = SLOT_SPEC.name

# ------------------------------------------------------------------------------------------------
# Task
# ------------------------------------------------------------------------------------------------

PERIODIC_SCALES: dict[str, dict[str, object]] = {
    "smoke": {
        "length": 32,
        "max_cycles": 2,
        "max_harmonic": 3,
        "n_train": 32,
        "n_val": 8,
        "n_test": 8,
        "steps": 4,
        "batch_size": 8,
        "lr": 3e-3,
        "eval_every": 2,
        "gen_samples": 4,
    },
    # the research notes' CPU benchmark at half length (128 instead of 256), 1,500 steps, so that
    # 4 decoders × 3 seeds fit the board's 20 CPU-minutes
    "cpu": {
        "length": 128,
        "max_cycles": 4,
        "max_harmonic": 8,
        "n_train": 2048,
        "n_val": 256,
        "n_test": 512,
        "steps": 1500,
        "batch_size": 64,
        "lr": 3e-3,
        "eval_every": 150,
        "gen_samples": 64,
    },
    # the notes' length 256, twice the harmonics, longer training (for a GPU)
    "full": {
        "length": 256,
        "max_cycles": 4,
        "max_harmonic": 16,
        "n_train": 8192,
        "n_val": 512,
        "n_test": 1024,
        "steps": 5000,
        "batch_size": 128,
        "lr": 1e-3,
        "eval_every": 250,
        "gen_samples": 128,
    },
}

PERIODIC_METRICS = (
    MetricSpec(
        "gen_spectral_l1",
        "min",
        "conditional generation: Σ over rfft bins of |mean |FFT|/L of generated signals − the "
        "family's expected |FFT|/L| (z ~ N(0, I)), mean over the conditions",
    ),
    MetricSpec(
        "spectral_l1",
        "min",
        "reconstruction: Σ over rfft bins of ||FFT(x̂)| − |FFT(x)||/L against the clean test "
        "signal, mean over signals",
    ),
    MetricSpec("recon_mse", "min", "reconstruction MSE against the clean test signals"),
    MetricSpec(
        "extrap_mse",
        "min",
        "MSE on steps [L, 2L) (beyond the window the encoder saw) against the clean continuation",
    ),
    MetricSpec(
        "impute_mse",
        "min",
        "MSE on the hidden steps when the encoder sees a random half of each test signal",
    ),
    MetricSpec("val_mse", "min", "validation reconstruction MSE (noisy targets) of the model"),
    MetricSpec(
        "params", "min", "trainable parameters of the CVAE (encoder + decoder)", kind="cost"
    ),
    MetricSpec("decoder_params", "min", "trainable parameters of the decoder", kind="cost"),
    MetricSpec("steps_per_s", "max", "training steps per second", "1/s", kind="cost"),
    MetricSpec(
        "gen_spectral_l1_floor",
        description="gen_spectral_l1 of true signals drawn like the generated ones (a perfect "
        "generator's sampling error)",
        kind="diagnostic",
    ),
    MetricSpec("best_step", description="step of the restored model", kind="diagnostic"),
)

PERIODIC_TASKS = [
    TaskSpec(
        name="periodic_gen",
        slot=GEN_SLOT,
        config=PeriodicGenConfig,
        run="spectral_harness_seq.periodic_task:run_periodic_gen",
        metrics=PERIODIC_METRICS,
        primary="gen_spectral_l1",
        scales=PERIODIC_SCALES,
        summary="periodic signal families (sine/square/sawtooth/triangle × cycles) with known "
        "spectra: CVAE reconstruction, imputation, extrapolation, conditional generation",
        check_config="spectral_harness_seq.periodic_config:check_periodic_config",
    )
]

# ------------------------------------------------------------------------------------------------
# Methods
# ------------------------------------------------------------------------------------------------

FOURIER_ARXIV = "2110.12365"
FOURIER_PAPER = PaperReference(
    title="Conditional Generation of Periodic Signals with Fourier-Based Decoder",
    arxiv=FOURIER_ARXIV,
    note=(
        "Lee, Kim, Gwak, Choi (NeurIPS 2021 DGM workshop): beats sequential / NP decoders on "
        "reconstruction, imputation and conditional generation; no number retrieved "
        "(results/leaderboards/seq/COMMAND.md)"
    ),
)
NP_PAPER = PaperReference(
    title="Neural Processes",
    arxiv="1807.01622",
    note="the Fourier decoder paper's MLP-over-(z, t) baseline; no number on these signals",
)
GRU_GEN_PAPER = PaperReference(
    title="Learning Phrase Representations using RNN Encoder-Decoder",
    arxiv="1406.1078",
    note="baseline (code-driven GRU decoder); no number on these signals",
)
TRANSFORMER_GEN_PAPER = PaperReference(
    title="Attention Is All You Need",
    arxiv="1706.03762",
    note="baseline (causal Transformer decoder); no number on these signals",
)

PERIODIC_METHODS = [
    MethodSpec(
        name="fourier_decoder",
        slot=GEN_SLOT,
        config=FourierDecoderConfig,
        build="spectral_harness_seq.fourier_decoder:build_fourier_decoder",
        summary="Fourier-series decoder: a shared MLP emits (a_k, b_k) per harmonic embedding",
        paper=FOURIER_PAPER,
        scales={"smoke": {"harmonics": 8}, "cpu": {"harmonics": 32}, "full": {"harmonics": 64}},
    ),
    MethodSpec(
        name="mlp_decoder",
        slot=GEN_SLOT,
        config=MlpDecoderConfig,
        build="spectral_harness_seq.plain_decoders:build_mlp_decoder",
        summary="NP-style MLP decoder over (code, t / window), width 67",
        paper=NP_PAPER,
        is_baseline=True,
    ),
    MethodSpec(
        name="gru_decoder",
        slot=GEN_SLOT,
        config=GruDecoderConfig,
        build="spectral_harness_seq.plain_decoders:build_gru_decoder",
        summary="GRU decoder (34 units) driven by the code, started from it",
        paper=GRU_GEN_PAPER,
        is_baseline=True,
    ),
    MethodSpec(
        name="transformer_decoder",
        slot=GEN_SLOT,
        config=TransformerDecoderConfig,
        build="spectral_harness_seq.plain_decoders:build_transformer_decoder",
        summary="causal Transformer decoder (2 layers, width 18), sinusoidal positions",
        paper=TRANSFORMER_GEN_PAPER,
        is_baseline=True,
        check_config="spectral_harness_seq.periodic_config:check_transformer_decoder",
    ),
]
