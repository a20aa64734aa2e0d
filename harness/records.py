"""Run records: one JSON file per cell, written atomically, read back for resume and boards."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from harness.storage import atomic_write, atomic_write_json, file_sha256

Status = Literal["ok", "failed", "diverged", "timeout", "crashed"]
STATUSES: tuple[str, ...] = ("ok", "failed", "diverged", "timeout", "crashed")
SCHEMA_VERSION = 3

if TYPE_CHECKING:
    from harness.index import IndexView, RunsTable


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
    # CPU time (user + system) of the cell's process and the children it waited for; beside
    # ``wall_seconds`` it says what a run costs on a shared machine. ``None``: not measured (a
    # record written for a process that died, or one made before it was recorded).
    cpu_seconds: float | None = None
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
    artifacts: dict[str, dict[str, str]] = field(default_factory=dict)
    schema: int = SCHEMA_VERSION

    @property
    def primary_value(self) -> float | None:
        """The value of the task's primary metric, if the run produced it."""
        return self.metrics.get(self.primary_metric)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return asdict(self)


class RecordError(ValueError):
    """A record file that cannot be trusted: unreadable, of the wrong shape, of a schema this
    harness does not read, or not at the path its content names."""


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)


# Every field a record may hold, and what its value must be. ``metrics`` is checked on its own.
FIELD_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    **{
        name: (_is_str, "a string")
        for name in (
            "run_id",
            "task",
            "method",
            "slot",
            "scale",
            "config_hash",
            "primary_metric",
            "goal",
            "started_at",
            "ended_at",
        )
    },
    "seed": (_is_int, "an integer"),
    "attempt": (_is_int, "an integer"),
    "status": (lambda v: v in STATUSES, f"one of {', '.join(STATUSES)}"),
    **{
        name: (_is_number, "a number") for name in ("train_seconds", "eval_seconds", "wall_seconds")
    },
    **{
        name: (lambda v: v is None or (_is_number(v) and v >= 0), "a non-negative number or null")
        for name in ("cpu_seconds", "peak_memory_mb")
    },
    "git_sha": (lambda v: v is None or _is_str(v), "a string or null"),
    "error": (lambda v: v is None or _is_dict(v), "an object or null"),
    **{
        name: (_is_dict, "an object")
        for name in (
            "device",
            "versions",
            "data",
            "user_data",
            "code",
            "trainer",
            "config",
            "artifacts",
        )
    },
}
REQUIRED = ("run_id", "task", "method", "slot", "seed", "scale", "status", "config_hash")
# Fields a schema-1 record lacks; migrated records get their empty defaults and keep
# ``schema=1``, so the board can tell their code identity is unknown.
ADDED_IN_SCHEMA_2 = ("user_data", "code", "trainer")


def parse_record(payload: Any) -> RunRecord:
    """A :class:`RunRecord` from a record file's JSON, or :class:`RecordError` saying why not.

    Reads schemas 1 to 3 (schema 1 lacks ``code``, ``trainer`` and ``user_data``, schemas 1 and
    2 lack ``artifacts``: they are left empty) and refuses any other; keys this schema does not
    know are ignored.
    """
    if not isinstance(payload, dict):
        raise RecordError(f"the JSON is a {type(payload).__name__}, not an object")
    schema = payload.get("schema", 1)
    if not _is_int(schema) or not 1 <= schema <= SCHEMA_VERSION:
        raise RecordError(
            f"schema {schema!r} is not one this harness reads (1 to {SCHEMA_VERSION}); "
            "a newer spectral-harness wrote it"
        )
    missing = [name for name in REQUIRED if name not in payload]
    if missing:
        raise RecordError(f"it has no {', '.join(missing)}")
    for name, (valid, expected) in FIELD_CHECKS.items():
        if name in payload and not valid(payload[name]):
            raise RecordError(f"{name} is {payload[name]!r}, expected {expected}")
    metrics = payload.get("metrics", {})
    if not isinstance(metrics, dict):
        raise RecordError(f"metrics is a {type(metrics).__name__}, expected an object")
    bad = next((k for k, v in metrics.items() if not _is_number(v)), None)
    if bad is not None:
        raise RecordError(f"metric {bad!r} is {metrics[bad]!r}, expected a number")
    for name, entry in payload.get("artifacts", {}).items():
        if not (
            _is_dict(entry)
            and _is_str(entry.get("file"))
            and _is_str(entry.get("sha256"))
            and "/" not in entry["file"]
            and not entry["file"].startswith(".")
        ):
            raise RecordError(f"artifact {name!r} is {entry!r}, expected {{file, sha256}}")
    known = RunRecord.__dataclass_fields__
    fields = {k: v for k, v in payload.items() if k in known}
    fields["schema"] = schema
    if schema == 1:
        for name in ADDED_IN_SCHEMA_2:
            fields.pop(name, None)
    return RunRecord(**fields)


def read_record(path: Path) -> RunRecord:
    """The record stored in ``path``, or :class:`RecordError` saying why it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"it cannot be read ({exc})") from None
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise RecordError(f"it is not valid JSON ({exc}; a truncated file?)") from None
    return parse_record(payload)


def warn_to_stderr(message: str) -> None:
    """Print one warning line to stderr (the default for records that are skipped)."""
    print(f"warning: {message}", file=sys.stderr)


class RecordStore:
    """Run records, each at ``<runs_dir>/<task>/<method>/<run_id>.json``, with the files of
    curves and arrays the run kept (its artifacts) in the folder ``<run_id>/`` beside it.

    A file counts only where its content says it belongs: any other ``*.json`` under
    ``runs_dir`` (a copy, a backup folder, a record moved by hand) is a stray and is skipped with
    one warning line naming it, as is a file that cannot be parsed as a record; a run id is
    counted once, so a copied record never becomes an extra seed.

    Reads go through a derived index of the files (:mod:`harness.index`), kept up to date by
    every write and repaired from the files before every read, so a board of 100 000 records
    reads no JSON file that did not change.
    """

    def __init__(self, runs_dir: Path, warn: Callable[[str], None] = warn_to_stderr) -> None:
        from harness.index import RecordIndex

        self.runs_dir = Path(runs_dir)
        self.warn = warn
        self.index = RecordIndex(self.runs_dir, warn)

    def path_for(self, task: str, method: str, run_id: str) -> Path:
        """Where the record of a cell lives."""
        return self.runs_dir / task / method / f"{run_id}.json"

    def load(self, task: str, method: str, run_id: str) -> RunRecord | None:
        """The stored record of a cell, or ``None`` when it has none; a file there that is not a
        valid record of this cell is skipped with a warning (so the cell reruns)."""
        body = self.index.lookup(task, method, run_id)
        return None if body is None else RunRecord(**json.loads(body))

    def resume_facts(self, task: str, method: str, run_id: str) -> dict[str, Any] | None:
        """What resume needs of a cell's stored record (:func:`harness.index.resume_facts`:
        ``status``, ``code`` hash, ``data``, ``user_data``), without reading the whole record;
        ``None`` as :meth:`load` gives it."""
        return self.resume_facts_many(task, method, [run_id])[0]

    def resume_facts_many(
        self, task: str, method: str, run_ids: Sequence[str]
    ) -> list[dict[str, Any] | None]:
        """:meth:`resume_facts` of many cells of one task and method (one index query)."""
        found = self.index.lookup_many(task, method, run_ids, "resume")
        return [None if facts is None else json.loads(facts) for facts in found]

    def save(self, record: RunRecord) -> Path:
        """Store ``record`` atomically, replacing an earlier attempt of the same cell."""
        path = self.path_for(record.task, record.method, record.run_id)
        atomic_write_json(path, record.to_dict())
        self._remove_other_artifacts(record)
        self.index.put(path)
        return path

    def _remove_other_artifacts(self, record: RunRecord) -> None:
        """Delete files beside ``record`` that it does not name (an earlier attempt's), so a
        record never sits beside another attempt's artifacts."""
        folder = self.artifact_dir(record.task, record.method, record.run_id)
        if not folder.is_dir():
            return
        keep = {entry["file"] for entry in record.artifacts.values()}
        for stale in folder.iterdir():
            if stale.name not in keep and not stale.name.startswith(".") and stale.is_file():
                stale.unlink()

    def artifact_dir(self, task: str, method: str, run_id: str) -> Path:
        """The folder of a cell's artifacts, beside its record."""
        return self.runs_dir / task / method / run_id

    def save_artifacts(
        self,
        task: str,
        method: str,
        run_id: str,
        curves: dict[str, dict[str, Any]],
        arrays: dict[str, dict[str, Any]],
    ) -> dict[str, dict[str, str]]:
        """Write a cell's curves (``curves.json``) and arrays (``<name>.npz``) atomically, before
        its record, and return the record's ``artifacts`` entry: each file and its sha256.
        Saving the record then removes an earlier attempt's files that it does not name.
        """
        folder = self.artifact_dir(task, method, run_id)
        written: dict[str, dict[str, str]] = {}
        if curves:
            path = folder / "curves.json"
            atomic_write_json(path, curves)
            written["curves"] = {"file": path.name, "sha256": file_sha256(path)}
        for name, named_arrays in arrays.items():
            import numpy as np

            path = folder / f"{name}.npz"

            def write(tmp: Path, named: dict[str, Any] = named_arrays) -> None:
                with open(tmp, "wb") as handle:
                    np.savez_compressed(handle, **named)

            atomic_write(path, write)
            written[name] = {"file": path.name, "sha256": file_sha256(path)}
        return written

    def read_artifact(self, record: RunRecord, name: str) -> Any:
        """A stored artifact of ``record``: the curves as a dict, arrays as ``{key: ndarray}``.

        Raises :class:`RecordError` when the record has no such artifact or its file is missing
        or no longer has the sha256 the record holds.
        """
        entry = record.artifacts.get(name)
        if entry is None:
            kept = ", ".join(sorted(record.artifacts)) or "none"
            raise RecordError(f"run {record.run_id} kept no artifact {name!r} (it kept {kept})")
        path = self.artifact_dir(record.task, record.method, record.run_id) / entry["file"]
        if not path.is_file():
            raise RecordError(f"artifact file {path} is missing")
        if file_sha256(path) != entry["sha256"]:
            raise RecordError(f"artifact file {path} changed since its record was written")
        if name == "curves":
            return json.loads(path.read_text(encoding="utf-8"))
        import numpy as np

        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}

    def iter_records(self, task: str | None = None) -> Iterator[RunRecord]:
        """Every valid record at its own path, optionally of one task, each run id once, in
        path order.

        Temporary files of writers (``.<name>.tmp``) are never read; everything else that is
        skipped gets one warning line with its path and the reason.
        """
        view = self.index.view(task)
        if view is None:
            return
        for row in self._counted(view, ("body",))[0]:
            yield RunRecord(**json.loads(row[-1]))

    def runs_table(self, task: str | None = None) -> RunsTable:
        """The records of :meth:`iter_records` as a leaderboard's columns, from the index (no
        record's JSON is parsed but one per config hash, for its config)."""
        from harness.index import BOARD_COLUMNS, table_of_entries

        def config_of(key: str) -> dict[str, Any]:
            return dict(self.index.body(key).get("config", {}))

        view = self.index.view(task)
        if view is None:
            return table_of_entries([], {}, config_of)
        rows, skipped = self._counted(view, BOARD_COLUMNS)
        return table_of_entries(rows, view.metrics(skipped), config_of)

    def _counted(self, view: IndexView, columns: tuple[str, ...]) -> tuple[list[tuple], set[str]]:
        """The rows (:data:`harness.index.HEAD`, then ``columns``) of the records that count,
        and the keys of those that do not, after warning about every file that does not count:
        strays, files that are no record at their path, and copies of a run id already
        counted (the first in path order counts)."""
        from harness.index import STRAY

        for key, kind, problem in view.problems():
            path = self.index.path_of(key)
            if kind == STRAY:
                self.warn(
                    f"ignoring stray file {path}: records live at "
                    f"{self.runs_dir}/<task>/<method>/<run_id>.json"
                )
            else:
                self.warn(f"ignoring {path}: {problem}")
        rows = view.records(columns)
        repeated = view.repeated_run_ids()
        if not repeated:
            return rows, set()
        counted, skipped = [], set()
        first: dict[str, str] = {}
        for row in rows:
            key, run_id = row[0], row[3]
            if run_id in repeated and run_id in first:
                skipped.add(key)
                self.warn(
                    f"ignoring {self.index.path_of(key)}: run id {run_id} is already counted "
                    f"from {self.index.path_of(first[run_id])}"
                )
                continue
            first.setdefault(run_id, key)
            counted.append(row)
        return counted, skipped


def at_its_path(record: RunRecord, task: str, method: str, run_id: str) -> RunRecord:
    """``record``, if its content names the path it was read from."""
    found = (record.task, record.method, record.run_id)
    if found != (task, method, run_id):
        raise RecordError(
            f"its content is the record of {'/'.join(found)}, not of {task}/{method}/{run_id} "
            "(a copied or moved file?)"
        )
    return record
