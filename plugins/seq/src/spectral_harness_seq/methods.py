"""Build functions of the ``sequence_model`` methods: config + problem → ``nn.Module``."""

from __future__ import annotations

from torch import nn

from spectral_harness_seq import DiagSsmConfig, GruConfig, StuConfig, TransformerConfig
from spectral_harness_seq.baselines import CausalTransformer, GRUModel
from spectral_harness_seq.contract import SeqProblem
from spectral_harness_seq.ssm import DiagonalSSM
from spectral_harness_seq.stu import STU


def build_stu(cfg: StuConfig, problem: SeqProblem) -> nn.Module:
    """One STU layer d_in → d_out with filters of the task's sequence length."""
    return STU(
        problem.d_in,
        problem.d_out,
        problem.length,
        num_filters=cfg.num_filters,
        ar_input=cfg.ar_input,
        ar_output=cfg.ar_output,
        negative_branch=cfg.negative_branch,
        learn_filters=cfg.learn_filters,
    )


def build_diag_ssm(cfg: DiagSsmConfig, problem: SeqProblem) -> nn.Module:
    """One diagonal SSM layer d_in → d_out."""
    return DiagonalSSM(
        problem.d_in,
        problem.d_out,
        state_dim=cfg.state_dim,
        init=cfg.init,
        r_min=cfg.r_min,
        r_max=cfg.r_max,
        max_phase=cfg.max_phase,
        ptd_epsilon=cfg.ptd_epsilon,
    )


def build_gru(cfg: GruConfig, problem: SeqProblem) -> nn.Module:
    """A GRU with linear embedding and read-out."""
    return GRUModel(problem.d_in, problem.d_out, width=cfg.width, layers=cfg.layers)


def build_transformer(cfg: TransformerConfig, problem: SeqProblem) -> nn.Module:
    """A small causal Transformer with learned positions up to the task's length."""
    return CausalTransformer(
        problem.d_in,
        problem.d_out,
        problem.length,
        width=cfg.width,
        layers=cfg.layers,
        heads=cfg.heads,
    )
