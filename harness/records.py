"""Run records: one JSON file per cell, written atomically, read back for resume and boards."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Status = Literal["ok", "failed", "diverged", "timeout", "crashed"]
STATUSES: tuple[str, ...] = ("ok", "failed", "diverged", "timeout", "crashed")
SCHEMA_VERSION = 2


@dataclass
class RunRecord:
    """Everything known about one executed cell; the unit the leaderboard aggregates."""

    run_id: str
    task: str
    method: str
    slot: str
    seed: int
    scale: str
    status: Status
    config_hash: str
    metrics: dict[str, float] = field(default_factory=dict)
    primary_metric: str = ""
    goal: str = ""
    train_seconds: float = 0.0
    eval_seconds: float = 0.0
    wall_seconds: float = 0.0
    peak_memory_mb: float | None = None
    device: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    git_sha: str | None = None
    data: dict[str, str] = field(default_factory=dict)
    user_data: dict[str, str] = field(default_factory=dict)
    code: dict[str, dict[str, str]] = field(default_factory=dict)
    trainer: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    started_at: str = ""
    ended_at: str = ""
    attempt: int = 1
    error: dict[str, str] | None = None
    schema: int = SCHEMA_VERSION

    @property
    def primary_value(self) -> float | None:
        """The value of the task's primary metric, if the run produced it."""
        return self.metrics.get(self.primary_metric)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        """Rebuild a record, ignoring keys written by a newer schema."""
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def atomic_write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` so that ``path`` is either the old file or the whole new one.

    The JSON goes to a temporary file in the same directory, is flushed and fsynced, then
    ``os.replace`` swaps it in (atomic on POSIX and Windows), so a process killed mid-write never
    leaves a truncated record behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1, sort_keys=True, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RecordStore:
    """Run records under ``<results>/runs/<task>/<method>/<run_id>.json``."""

    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = Path(runs_dir)

    def path_for(self, task: str, method: str, run_id: str) -> Path:
        """Where the record of a cell lives."""
        return self.runs_dir / task / method / f"{run_id}.json"

    def load(self, task: str, method: str, run_id: str) -> RunRecord | None:
        """The stored record of a cell, or ``None`` if it has none (or it is unreadable)."""
        return _read(self.path_for(task, method, run_id))

    def save(self, record: RunRecord) -> Path:
        """Store ``record`` atomically, replacing an earlier attempt of the same cell."""
        path = self.path_for(record.task, record.method, record.run_id)
        atomic_write_json(path, record.to_dict())
        return path

    def iter_records(self, task: str | None = None) -> Iterator[RunRecord]:
        """Every readable record, optionally of one task; temp files are never read."""
        root = self.runs_dir / task if task else self.runs_dir
        if not root.is_dir():
            return
        for path in sorted(root.rglob("*.json")):
            record = _read(path)
            if record is not None:
                yield record


def _read(path: Path) -> RunRecord | None:
    try:
        return RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
