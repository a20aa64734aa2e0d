"""Config classes of the long-range synthetic tasks and of ``stu_stack`` (what the tasks' run
functions and the method's build read), and the copy task's whole-config check. Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness import MethodConfig, TaskConfig, param

MIN_LENGTH = 8
MAX_LENGTH = 16384

# ------------------------------------------------------------------------------------------------
# Configs
# ------------------------------------------------------------------------------------------------


@dataclass
class SyntheticConfig(TaskConfig):
    """Sequences of ``length`` steps (the length knob: ``task.length``), ``n_train`` /
    ``n_val`` / ``n_test`` of them drawn from ``data_seed``; ``steps`` optimizer steps (``lr``)
    on random minibatches of ``batch_size``, the validation metric every ``eval_every`` steps,
    the best model restored (``None``: taken from the scale preset)."""

    length: int | None = param(None, ge=MIN_LENGTH, le=MAX_LENGTH)
    n_train: int | None = param(None, ge=1)
    n_val: int | None = param(None, ge=1)
    n_test: int | None = param(None, ge=1)
    steps: int | None = param(None, ge=1)
    batch_size: int | None = param(None, ge=1)
    lr: float | None = param(None, gt=0)
    eval_every: int | None = param(None, ge=1)
    data_seed: int = param(0, ge=0)


@dataclass
class SelectiveCopyConfig(SyntheticConfig):
    """Selective copying: ``copy_len`` symbols of ``n_symbols`` scattered among blanks, a
    delimiter, then the symbols to reproduce in order (``length ≥ 2·copy_len + 1``)."""

    n_symbols: int | None = param(None, ge=2, le=64)
    copy_len: int | None = param(None, ge=1)


@dataclass
class AddingConfig(SyntheticConfig):
    """The adding problem: the sum of the two marked values of a U[0, 1] sequence."""


@dataclass
class InductionConfig(SyntheticConfig):
    """Induction heads over ``vocab`` tokens (the last one is the special token)."""

    vocab: int | None = param(None, ge=3, le=256)


@dataclass
class RecallConfig(SyntheticConfig):
    """Associative recall with ``n_keys`` keys and as many values."""

    n_keys: int | None = param(None, ge=2, le=128)


def check_copy_config(cfg: SelectiveCopyConfig) -> None:
    """Refuse a copy span that does not fit the sequence (one line)."""
    if cfg.length is not None and cfg.copy_len is not None and 2 * cfg.copy_len + 1 > cfg.length:
        raise ValueError(
            f"task.copy_len={cfg.copy_len} needs task.length >= 2 * copy_len + 1 = "
            f"{2 * cfg.copy_len + 1}, not {cfg.length}"
        )


@dataclass
class StuStackConfig(MethodConfig):
    """``layers`` residual blocks (LayerNorm → STU of ``num_filters`` fixed Hankel filters and
    ``ar_input`` AR taps → GELU → GLU) of ``width`` channels; ``learn_filters`` trains the
    filters (the ablation)."""

    width: int = param(32, ge=1)
    layers: int = param(2, ge=1)
    num_filters: int = param(24, ge=1)
    ar_input: int = param(3, ge=0)
    learn_filters: bool = False
