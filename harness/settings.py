"""Process-wide settings: where data, caches and results live, and how loggers behave.

Environment variables win over defaults so that every subcommand and every launcher's worker
processes agree: ``HARNESS_DATA_DIR``, ``HARNESS_RESULTS_DIR``, ``HARNESS_CACHE_DIR`` and
``HARNESS_OFFLINE`` (set to 1 to forbid downloads).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UserError

# Records are a few kB; W&B's offline files and Hydra's logs take the rest.
MIN_FREE_BYTES = 64 * 2**20


@dataclass(frozen=True)
class WandbSettings:
    """Weights & Biases mirror: offline unless the user configures W&B for online use."""

    enabled: bool = True
    project: str = "spectral-harness"
    entity: str | None = None
    mode: str | None = None  # None: WANDB_MODE if set, "online" with WANDB_API_KEY, else offline

    def resolved_mode(self) -> str:
        """The W&B mode to use: explicit setting, then the usual W&B variables, else offline."""
        if self.mode:
            return self.mode
        if os.environ.get("WANDB_MODE"):
            return os.environ["WANDB_MODE"]
        return "online" if os.environ.get("WANDB_API_KEY") else "offline"


@dataclass(frozen=True)
class Settings:
    """Directories and logger options shared by the CLI, the runner and the plugins."""

    results_dir: Path
    data_dir: Path
    cache_dir: Path
    allow_download: bool = True
    progress: bool = True
    wandb: WandbSettings = field(default_factory=WandbSettings)

    @property
    def runs_dir(self) -> Path:
        """Where run records are stored."""
        return self.results_dir / "runs"

    def check_writable(self, min_free_bytes: int = MIN_FREE_BYTES) -> None:
        """Refuse, in one line, a results directory that cannot take records: not creatable,
        read-only, or with less than ``min_free_bytes`` free (checked before any cell trains,
        so no cell runs to the end only to lose its result)."""
        fix = "set HARNESS_RESULTS_DIR to a writable folder with free space"
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.runs_dir):
                pass
        except OSError as exc:
            raise UserError(
                f"results directory {self.results_dir} is not writable "
                f"({exc.strerror or exc}); {fix}"
            ) from None
        free = shutil.disk_usage(self.runs_dir).free
        if free < min_free_bytes:
            raise UserError(
                f"results directory {self.results_dir} has {free / 2**20:.0f} MiB free, "
                f"less than the {min_free_bytes / 2**20:.0f} MiB a sweep needs; {fix}"
            )

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from the environment, for subcommands that run outside Hydra."""
        values: dict[str, Any] = {
            "results_dir": default_results_dir(),
            "data_dir": default_data_dir(),
            "cache_dir": default_cache_dir(),
            "allow_download": not _truthy(os.environ.get("HARNESS_OFFLINE")),
        }
        values.update(overrides)
        return cls(**values)

    @classmethod
    def from_config(cls, paths: Mapping[str, Any], logger: Mapping[str, Any]) -> Settings:
        """Settings from the composed Hydra config's ``paths`` and ``logger`` groups."""
        wandb_cfg = dict(logger.get("wandb") or {})
        return cls(
            results_dir=Path(paths["results_dir"]).expanduser().resolve(),
            data_dir=Path(paths["data_dir"]).expanduser().resolve(),
            cache_dir=Path(paths["cache_dir"]).expanduser().resolve(),
            allow_download=bool(paths.get("allow_download", True))
            and not _truthy(os.environ.get("HARNESS_OFFLINE")),
            progress=bool(logger.get("progress", True)),
            wandb=WandbSettings(**wandb_cfg),
        )


def default_results_dir() -> Path:
    """``HARNESS_RESULTS_DIR`` or ``./results``, made absolute."""
    return Path(os.environ.get("HARNESS_RESULTS_DIR", "results")).expanduser().resolve()


# A checkout's datasets, shared between worktrees: ``<checkout>/../shared/data``.
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def default_data_dir() -> Path:
    """Where datasets are looked for (the one rule; the README states it):

    ``HARNESS_DATA_DIR`` when set; else ``shared/data`` beside the checkout this harness runs
    from (``<checkout>/../shared/data``, where ``make test`` looks too) when that folder exists;
    else ``data`` in :func:`default_cache_dir`, where downloads go. Made absolute.
    """
    if os.environ.get("HARNESS_DATA_DIR"):
        return Path(os.environ["HARNESS_DATA_DIR"]).expanduser().resolve()
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    return default_cache_dir() / "data"


def data_dir_origin() -> str:
    """Why :func:`default_data_dir` chose its folder, in a few words (``data check`` says it)."""
    if os.environ.get("HARNESS_DATA_DIR"):
        return "from HARNESS_DATA_DIR"
    if SHARED_DATA.is_dir():
        return "shared/data beside the checkout; set HARNESS_DATA_DIR to look elsewhere"
    return "the default: no HARNESS_DATA_DIR, no shared/data beside the checkout"


def default_cache_dir() -> Path:
    """``HARNESS_CACHE_DIR`` or ``$XDG_CACHE_HOME/spectral-harness``."""
    if os.environ.get("HARNESS_CACHE_DIR"):
        return Path(os.environ["HARNESS_CACHE_DIR"]).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    return (Path(xdg) / "spectral-harness").resolve()


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}
