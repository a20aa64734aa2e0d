"""Build function of the ``stu_stack`` method: config + problem → :class:`~.stu_stack.StuStack`."""

from __future__ import annotations

from torch import nn

from spectral_harness_seq.contract import SeqProblem
from spectral_harness_seq.stu_stack import StuStack
from spectral_harness_seq.synthetics_config import StuStackConfig


def build_stu_stack(cfg: StuStackConfig, problem: SeqProblem) -> nn.Module:
    """A residual stack of STU layers with filters of the task's sequence length."""
    return StuStack(
        problem.d_in,
        problem.d_out,
        problem.length,
        width=cfg.width,
        layers=cfg.layers,
        num_filters=cfg.num_filters,
        ar_input=cfg.ar_input,
        learn_filters=cfg.learn_filters,
    )
