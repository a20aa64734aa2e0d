"""Build function of the ``ssm_stack`` method: config + problem → :class:`~.stack.SsmStack`."""

from __future__ import annotations

from torch import nn

from spectral_harness_seq import SsmStackConfig
from spectral_harness_seq.contract import SeqProblem
from spectral_harness_seq.stack import SsmStack


def build_ssm_stack(cfg: SsmStackConfig, problem: SeqProblem) -> nn.Module:
    """A residual stack of diagonal SSM layers, d_in → d_out per step."""
    return SsmStack(
        problem.d_in,
        problem.d_out,
        width=cfg.width,
        state_dim=cfg.state_dim,
        layers=cfg.layers,
        init=cfg.init,
        dt_min=cfg.dt_min,
        dt_max=cfg.dt_max,
        ptd_epsilon=cfg.ptd_epsilon,
    )
