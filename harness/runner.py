"""Run one cell: resolve → resume or lock → (child process) seed → data → method → train →
evaluate → record.

Whatever happens, an executed cell ends in exactly one record: ``ok``, ``failed`` (an exception,
or a component that broke its slot's contract), ``diverged`` (NaN/inf), ``timeout`` or
``crashed`` (the cell's process died: ``sys.exit``, a signal, the OOM killer). A cell whose stored
record is ``ok``, of the same code identity and read from the same data, is skipped unless
forced, which makes any interrupted sweep resumable; a per-cell lock makes two sweeps sharing one
results directory run each cell once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import random
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.cell import (
    Cell,
    ResolvedCell,
    TrainerOptions,
    check_device,
    check_programs,
    dataset_entries,
    identify,
    make_cell,
    resolve_device_kind,
)
from harness.context import ProbeTarget, RunContext, run_probe
from harness.data.store import DataStore
from harness.errors import ContractError, Diverged, TimeLimitExceeded, UserError
from harness.index import resume_facts
from harness.isolation import run_isolated
from harness.lean_torch import avoid_dynamo_import
from harness.locks import HEARTBEAT_S, CellLock
from harness.observers import notify
from harness.plugins import Registry
from harness.provenance import device_info, git_sha, versions
from harness.records import RecordStore, RunRecord
from harness.settings import Settings
from harness.specs import TaskSpec, resolve
from harness.warm import learning_imports

log = logging.getLogger(__name__)
TRACEBACK_TAIL_LINES = 25


@dataclass(frozen=True)
class Plan:
    """Everything an execution of a cell needs, resolved once in the launching process."""

    resolved: ResolvedCell
    device_kind: str
    data: dict[str, str]
    user_data: dict[str, str]
    attempt: int
    run_id: str  # the name of the cell's record (see stored_under)

    @property
    def cell(self) -> Cell:
        """The cell as the user asked for it."""
        return self.resolved.cell


def run_cell(
    cell: Cell | ResolvedCell, registry: Registry, settings: Settings, *, force: bool = False
) -> RunRecord | None:
    """Execute ``cell`` (or return its stored, still valid ``ok`` record) and return its record.

    Returns ``None`` when another live process holds the cell's lock (it is running elsewhere) or
    the record could not be written (one line says why).
    """
    resolved = _resolved(cell, registry)
    device_kind = resolve_device_kind(resolved.cell.trainer.device)
    store = RecordStore(settings.runs_dir)
    run_id, previous = stored_under(store, resolved, device_kind)
    data, user_data = data_checksums(resolved, registry, settings)
    if not force and _reusable(_facts(previous), data, user_data):
        log.info("skip %s: already ok (%s)", _name(resolved.cell), run_id)
        return previous
    check_programs(resolved.task)
    record_path = store.path_for(resolved.task.name, resolved.method.name, run_id)
    lock_path = record_path.with_suffix(".lock")
    lock = CellLock(lock_path)
    if not lock.acquire():
        owner = lock.holder()
        print(
            f"skip {_name(resolved.cell)}: it is running in process {owner.get('pid')} on "
            f"{owner.get('host')} (lock {lock_path})",
            file=sys.stderr,
        )
        return None
    try:
        previous = _previous(store, resolved, run_id)  # it may have finished while we waited
        if not force and _reusable(_facts(previous), data, user_data):
            return previous
        _remove_orphan_temp_files(store, resolved, run_id)
        attempt = previous.attempt + 1 if previous is not None else 1
        plan = Plan(resolved, device_kind, data, user_data, attempt, run_id)
        notify(registry.pm, "spectral_harness_before_cell", settings=settings)
        if not resolved.cell.trainer.isolate:
            return execute(plan, registry, settings)
        return _execute_isolated(plan, registry, settings, store, lock)
    finally:
        lock.release()


def is_done(
    cell: Cell | ResolvedCell,
    registry: Registry,
    settings: Settings,
    device_kind: str | None = None,
) -> bool:
    """Whether ``cell`` has a valid ``ok`` record (same code identity, same data), so that a
    launcher need not submit it (``device_kind``: where the job will run, if not here)."""
    return are_done([(cell, settings, device_kind)], registry)[0]


def are_done(
    cells: Sequence[tuple[Cell | ResolvedCell, Settings, str | None]], registry: Registry
) -> list[bool]:
    """:func:`is_done` of each ``(cell, settings, device_kind)``: the check a launcher makes of
    every cell of a sweep before it submits any. The cells of one folder of records are
    looked up with one query, and each dataset's checksums are checked once."""
    resolved = [_resolved(cell, registry) for cell, _, _ in cells]
    kinds = [
        kind or resolve_device_kind(one.cell.trainer.device)
        for one, (_, _, kind) in zip(resolved, cells, strict=True)
    ]
    groups: dict[tuple[Path, str, str], list[int]] = {}
    for position, (one, (_, settings, _)) in enumerate(zip(resolved, cells, strict=True)):
        key = (settings.runs_dir, one.task.name, one.method.name)
        groups.setdefault(key, []).append(position)
    checksums: dict[tuple[Any, ...], tuple[dict[str, str], dict[str, str]]] = {}
    done = [False] * len(cells)
    for (runs_dir, task, method), positions in groups.items():
        store = RecordStore(runs_dir)
        run_ids = [resolved[i].run_id(kinds[i]) for i in positions]
        found = store.resume_facts_many(task, method, run_ids)
        for i, run_id, facts in zip(positions, run_ids, found, strict=True):
            _, facts = _with_legacy(store, resolved[i], kinds[i], run_id, facts)
            settings = cells[i][1]
            entries = dataset_entries(resolved[i], registry)
            memo = (settings.data_dir, settings.cache_dir, settings.allow_download, *entries)
            if memo not in checksums:
                checksums[memo] = entry_checksums(entries, registry, settings)
            done[i] = _reusable(facts, *checksums[memo])
    return done


def execute(plan: Plan, registry: Registry, settings: Settings) -> RunRecord | None:
    """Run the cell in this process and store its record (the child's side of isolation).

    Process-wide numeric settings a cell may change (torch's thread count, flushing subnormal
    floats to zero) are restored when it ends, so a cell run in-process (``trainer.isolate=false``,
    tests) never changes the numbers of what runs after it.
    """
    with restored_numeric_state():
        return _execute(plan, registry, settings)


@contextlib.contextmanager
def restored_numeric_state() -> Iterator[None]:
    """Restore torch's thread count and subnormal flushing when the block ends (a task's code
    run in this process may change both)."""
    import torch

    threads = torch.get_num_threads()
    flushing = _flushes_subnormals()
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.set_flush_denormal(flushing)


def _flushes_subnormals() -> bool:
    """Whether torch currently flushes subnormal floats to zero (torch has no getter)."""
    import torch

    return bool((torch.tensor([1e-39], dtype=torch.float32) * 0.5).item() == 0.0)


def _execute(plan: Plan, registry: Registry, settings: Settings) -> RunRecord | None:
    cell, resolved = plan.cell, plan.resolved
    task, method = resolved.task, resolved.method
    if cell.trainer.num_threads:
        import torch

        torch.set_num_threads(cell.trainer.num_threads)
    avoid_dynamo_import()
    seed_everything(cell.seed)
    ctx = RunContext(
        run_id=plan.run_id,
        task=task,
        method=method,
        seed=cell.seed,
        scale=cell.scale,
        config=resolved.config,
        settings=settings,
        device=select_device(cell.trainer.device),
        data=data_store(registry, settings),
        pm=registry.pm,
        time_limit_s=cell.trainer.time_limit_s,
        amp=cell.trainer.amp,
        trainer=cell.trainer,
        probes=list(resolved.probes),
    )
    started_at = _now()

    def build(problem: Any) -> Any:
        component = resolve(method.build)(resolved.method_cfg, problem)
        check_component(component, problem, registry, method.name, task.slot)
        return component

    status, metrics, error = "ok", {}, None
    _reset_peak_memory(ctx)
    cpu_started = _cpu_seconds()
    try:
        notify(registry.pm, "spectral_harness_run_start", run=ctx)
        metrics = {k: float(v) for k, v in resolve(task.run)(resolved.task_cfg, ctx, build).items()}
        metrics.update(run_probes(ctx))
        _warn_undeclared(registry, task, metrics)
        primary = metrics.get(task.primary)
        if primary is None:
            raise KeyError(f"task {task.name!r} did not report its primary metric {task.primary!r}")
        ctx.check_finite(primary, task.primary)
    except Diverged as exc:
        status, error = "diverged", _error(exc)
    except TimeLimitExceeded as exc:
        status, error = "timeout", _error(exc)
    except SystemExit as exc:
        status, error = "crashed", _error(exc, f"the cell called sys.exit({exc.code!r})")
    except Exception as exc:
        status, error = "failed", _error(exc)
    try:
        artifacts = RecordStore(settings.runs_dir).save_artifacts(
            task.name, method.name, plan.run_id, ctx.kept_curves(), ctx.arrays
        )
    except (OSError, ValueError) as exc:
        # The scalar result stays true without its curves: record it, say what was lost.
        artifacts = {}
        print(f"warning: {ctx.name}: its curves and arrays were not kept: {exc}", file=sys.stderr)
    record = _record(
        plan,
        registry,
        status=status,
        metrics=metrics,
        error=error,
        artifacts=artifacts,
        started_at=started_at,
        seconds=ctx.seconds,
        wall_seconds=ctx.elapsed(),
        cpu_seconds=_elapsed_cpu(cpu_started),
        peak_memory_mb=_peak_memory_mb(ctx),
        device=device_info(ctx.device),
        task_data=ctx.data_checksums,
    )
    if not save_record(record, settings):
        return None
    notify(registry.pm, "spectral_harness_run_end", run=ctx, record=record)
    return record


def write_status_record(
    cell: Cell | ResolvedCell,
    registry: Registry,
    settings: Settings,
    status: str,
    error: dict[str, str],
    device_kind: str | None = None,
) -> RunRecord | None:
    """Store a record for a cell that could not write its own (killed, timed out by a cluster).

    Launchers call this when a job ended without a result; an existing ``ok`` record of the same
    identity is never replaced.
    """
    resolved = _resolved(cell, registry)
    device_kind = device_kind or resolve_device_kind(resolved.cell.trainer.device)
    store = RecordStore(settings.runs_dir)
    run_id, previous = stored_under(store, resolved, device_kind)
    if previous is not None and previous.status == "ok":
        return previous
    data, user_data = data_checksums(resolved, registry, settings)
    attempt = previous.attempt + 1 if previous is not None else 1
    plan = Plan(resolved, device_kind, data, user_data, attempt, run_id)
    record = _record(plan, registry, status=status, error=error, started_at=_now())
    return record if save_record(record, settings) else None


def save_record(record: RunRecord, settings: Settings) -> bool:
    """Store ``record``; a failed write (read-only or full disk) is one line, not a traceback."""
    try:
        RecordStore(settings.runs_dir).save(record)
    except OSError as exc:
        print(
            f"error: could not write the record of {record.task}/{record.method}/seed"
            f"{record.seed} under {settings.runs_dir}: {exc.strerror or exc}; its result is lost",
            file=sys.stderr,
        )
        return False
    return True


def data_checksums(
    resolved: ResolvedCell, registry: Registry, settings: Settings
) -> tuple[dict[str, str], dict[str, str]]:
    """sha256 of every dataset entry the cell reads (memoised by the data store), and of the
    files among them that the user brought (outside the dataset registry)."""
    return entry_checksums(dataset_entries(resolved, registry), registry, settings)


def entry_checksums(
    entries: Sequence[str], registry: Registry, settings: Settings
) -> tuple[dict[str, str], dict[str, str]]:
    """sha256 of each dataset entry, and of the files among them that the user brought."""
    store = _checking_store(registry, settings)
    data: dict[str, str] = {}
    user: dict[str, str] = {}
    for entry in entries:
        checksum = store.checksum(entry)
        if store.is_user_file(entry):
            user[str(store.resolve(entry))] = checksum
        else:
            data[entry] = checksum
    return data, user


def run_probes(ctx: RunContext) -> dict[str, float]:
    """Run the cell's asked-for probes on the model its task trained; their metrics, named
    ``<probe>/<metric>``. A probe that fails fails the cell (the task's metrics stay in the
    record), naming the probe."""
    if not ctx.probes:
        return {}
    if ctx.model is None:
        raise UserError(
            f"probes need the trained model, which task {ctx.task.name!r} does not expose (it "
            "trains without harness.fit and never calls ctx.expose_model); run it without probes"
        )
    values: dict[str, float] = {}
    for probe, cfg in ctx.probes:
        try:
            values |= run_probe(probe, cfg, ProbeTarget(ctx.model, ctx.probe_loss, ctx))
        except (Diverged, TimeLimitExceeded, UserError):
            raise
        except Exception as exc:
            raise RuntimeError(f"probe {probe.name!r} failed: {type(exc).__name__}: {exc}") from exc
    return values


def _warn_undeclared(registry: Registry, task: TaskSpec, metrics: Mapping[str, float]) -> None:
    """One line naming the metrics ``task`` reported but neither it nor a probe declares.

    Not a failed cell: the numbers are true, only their declaration is missing (a plugin
    author's slip), so the record keeps them and the board shows them without a goal.
    """
    undeclared = [name for name in metrics if registry.metric_spec(task.name, name) is None]
    if undeclared:
        print(
            f"warning: task {task.name!r} reported undeclared metric(s) "
            f"{', '.join(map(repr, undeclared))}; the record keeps them, shown without a goal: "
            "declare each in the task's TaskSpec.metrics (a MetricSpec with its kind)",
            file=sys.stderr,
        )


def check_component(
    component: Any, problem: Any, registry: Registry, method: str, slot: str
) -> None:
    """Probe a freshly built component against its slot's contract (see :class:`SlotSpec`).

    Runs under ``torch.no_grad`` with the RNG state saved and restored and modules in eval mode,
    so a valid component trains exactly as it would without the probe.
    """
    spec = registry.slots[slot]
    if spec.check is None:
        return
    import torch

    modules = [component] if isinstance(component, torch.nn.Module) else []
    modes = [m.training for m in modules]
    try:
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            for module in modules:
                module.eval()
            resolve(spec.check)(component, problem)
    except ContractError as exc:
        raise ContractError(f"method {method!r} broke the {slot!r} slot contract: {exc}") from None
    finally:
        for module, mode in zip(modules, modes, strict=True):
            module.train(mode)


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's generators (CPU and every GPU)."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def select_device(requested: str) -> Any:
    """The torch device for ``requested``: ``auto`` picks CUDA when present."""
    import torch

    check_device(requested)
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def _execute_isolated(
    plan: Plan, registry: Registry, settings: Settings, store: RecordStore, lock: CellLock
) -> RunRecord | None:
    trainer = plan.cell.trainer
    deadline = (
        None if trainer.time_limit_s is None else trainer.time_limit_s + trainer.timeout_grace_s
    )

    _preload(plan)
    with learning_imports() as imports:

        def child() -> int:
            code = 0 if execute(plan, registry, settings) is not None else 3
            imports.write()
            return code

        outcome = run_isolated(
            child, deadline_s=deadline, heartbeat=lock.heartbeat, heartbeat_s=HEARTBEAT_S
        )
    record = store.load(plan.resolved.task.name, plan.resolved.method.name, plan.run_id)
    if record is not None and record.attempt == plan.attempt and not outcome.killed_for_time:
        return record
    if outcome.exit_code == 3:  # the child could not write its record and said so in one line
        return None
    status = "timeout" if outcome.killed_for_time else "crashed"
    message = f"the cell's process {outcome.describe()} before writing its record"
    record = _record(
        plan,
        registry,
        status=status,
        error={"type": status, "message": message, "traceback": "\n".join(outcome.tail)},
        started_at=_now(),
        wall_seconds=outcome.seconds,
        cpu_seconds=round(outcome.cpu_seconds, 4) if outcome.cpu_seconds is not None else None,
    )
    print(f"✗ {_name(plan.cell)}: {status}: {message}", file=sys.stderr)
    return record if save_record(record, settings) else None


def _preload(plan: Plan) -> None:
    """Import in the parent what every cell imports, so forked children inherit it: the task's
    and method's modules, with torch's optimizers set not to import ``torch._dynamo``
    (:mod:`harness.lean_torch`)."""
    avoid_dynamo_import()
    git_sha()  # memoised: asked once here, not by git in every cell
    resolve(plan.resolved.task.run)
    resolve(plan.resolved.method.build)
    for probe, _ in plan.resolved.probes:
        resolve(probe.run)


def _record(
    plan: Plan,
    registry: Registry,
    *,
    status: str,
    started_at: str,
    metrics: dict[str, float] | None = None,
    error: dict[str, str] | None = None,
    seconds: dict[str, float] | None = None,
    wall_seconds: float = 0.0,
    cpu_seconds: float | None = None,
    peak_memory_mb: float | None = None,
    device: dict[str, Any] | None = None,
    task_data: dict[str, str] | None = None,
    artifacts: dict[str, dict[str, str]] | None = None,
) -> RunRecord:
    cell, resolved = plan.cell, plan.resolved
    metrics = metrics or {}
    seconds = seconds or {}
    return RunRecord(
        run_id=plan.run_id,
        task=resolved.task.name,
        method=resolved.method.name,
        slot=resolved.task.slot,
        seed=cell.seed,
        scale=cell.scale,
        status=status,  # type: ignore[arg-type]
        config_hash=resolved.config_hash,
        metrics=metrics
        if status == "ok"
        else {k: v for k, v in metrics.items() if math.isfinite(v)},
        primary_metric=resolved.task.primary,
        goal=resolved.task.goal,
        train_seconds=round(seconds.get("train", 0.0), 4),
        eval_seconds=round(seconds.get("eval", 0.0), 4),
        wall_seconds=round(wall_seconds, 4),
        cpu_seconds=cpu_seconds,
        peak_memory_mb=peak_memory_mb,
        device=device or {"type": plan.device_kind},
        versions=versions(registry.pm),
        git_sha=git_sha(),
        # The host's checksums of the files it verified win over a task's own for the same name.
        data={**(task_data or {}), **plan.data},
        user_data=dict(plan.user_data),
        code=resolved.code,
        trainer=resolved.trainer_record(plan.device_kind),
        config=resolved.config,
        artifacts=artifacts or {},
        started_at=started_at,
        ended_at=_now(),
        attempt=plan.attempt,
        error=error,
    )


def _resolved(cell: Cell | ResolvedCell, registry: Registry) -> ResolvedCell:
    return cell if isinstance(cell, ResolvedCell) else identify(cell, registry)


def _previous(store: RecordStore, resolved: ResolvedCell, run_id: str) -> RunRecord | None:
    return store.load(resolved.task.name, resolved.method.name, run_id)


def stored_under(
    store: RecordStore, resolved: ResolvedCell, device_kind: str
) -> tuple[str, RunRecord | None]:
    """The name of the cell's record and the record stored under it, if any.

    A record made before code identity was an import closure is stored under the cell's legacy
    name; while its plugins' packages are unchanged it is the same cell (and current), so the
    cell keeps that name: resume finds it, and a rerun replaces it instead of adding a second
    record of the same seed beside it.
    """
    run_id, facts = _stored_facts(store, resolved, device_kind)
    return run_id, None if facts is None else _previous(store, resolved, run_id)


def _stored_facts(
    store: RecordStore, resolved: ResolvedCell, device_kind: str
) -> tuple[str, dict[str, Any] | None]:
    """:func:`stored_under`'s name, and resume's facts of the record stored under it
    (:meth:`RecordStore.resume_facts`: resume checks thousands of cells, so it reads no
    whole record)."""
    run_id = resolved.run_id(device_kind)
    facts = store.resume_facts(resolved.task.name, resolved.method.name, run_id)
    return _with_legacy(store, resolved, device_kind, run_id, facts)


def _with_legacy(
    store: RecordStore,
    resolved: ResolvedCell,
    device_kind: str,
    run_id: str,
    facts: dict[str, Any] | None,
) -> tuple[str, dict[str, Any] | None]:
    """The cell's record name and facts (those stored under ``run_id``), or those of a record
    under its legacy name that the installed code made."""
    legacy = resolved.legacy_run_id(device_kind)
    if facts is None and legacy is not None and legacy != run_id:
        old = store.resume_facts(resolved.task.name, resolved.method.name, legacy)
        # made by the installed code: with its legacy identity, or upgraded since
        if old is not None and old["code"] in (resolved.legacy_code_digest, resolved.code_digest):
            return legacy, old
    return run_id, facts


def _facts(record: RunRecord | None) -> dict[str, Any] | None:
    return None if record is None else resume_facts(record)


def _reusable(
    facts: dict[str, Any] | None, data: dict[str, str], user_data: dict[str, str]
) -> bool:
    """An ``ok`` record (its :func:`~harness.index.resume_facts`) whose data checksums
    (registered and user files) match the data the cell would read now."""
    if facts is None or facts["status"] != "ok":
        return False
    return facts["user_data"] == user_data and all(
        facts["data"].get(entry) == checksum for entry, checksum in data.items()
    )


def _remove_orphan_temp_files(store: RecordStore, resolved: ResolvedCell, run_id: str) -> None:
    """Temp files of this record left by a writer that died (we hold the cell's lock, so no
    live process is writing them)."""
    path = store.path_for(resolved.task.name, resolved.method.name, run_id)
    if path.parent.is_dir():
        for tmp in path.parent.glob(f".{path.name}.*.tmp"):
            tmp.unlink(missing_ok=True)


def _checking_store(registry: Registry, settings: Settings) -> DataStore:
    """The data store that checksums cells' data, kept for the next cell of the same folders:
    resume checks every cell of a sweep, and a store reads its checksum memo once. It still
    stats each file, so a file changed since is hashed again."""
    key = (settings.data_dir, settings.cache_dir, settings.allow_download, id(registry.datasets))
    kept = _CHECKING_STORE.get(key)
    if kept is None or kept.datasets is not registry.datasets:
        _CHECKING_STORE.clear()
        kept = _CHECKING_STORE[key] = data_store(registry, settings)
    return kept


_CHECKING_STORE: dict[tuple[Any, ...], DataStore] = {}


def data_store(registry: Registry, settings: Settings) -> DataStore:
    """The data store of ``settings``' folders over every registered dataset."""
    return DataStore(
        settings.data_dir, settings.cache_dir, registry.datasets, settings.allow_download
    )


def _name(cell: Cell) -> str:
    return f"{cell.task}/{cell.method}/seed{cell.seed}"


def _error(exc: BaseException, message: str | None = None) -> dict[str, str]:
    tail = traceback.format_exception(type(exc), exc, exc.__traceback__)
    lines = "".join(tail).splitlines()[-TRACEBACK_TAIL_LINES:]
    return {
        "type": type(exc).__name__,
        "message": message or str(exc),
        "traceback": "\n".join(lines),
    }


def _cpu_seconds() -> float | None:
    """User + system CPU seconds of this process (every thread) and of the children it has
    waited for (e.g. data-loader workers); ``None`` where the platform cannot say."""
    try:
        import resource
    except ImportError:
        return None
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _elapsed_cpu(started: float | None) -> float | None:
    ended = _cpu_seconds()
    return None if started is None or ended is None else round(max(0.0, ended - started), 4)


def _reset_peak_memory(ctx: RunContext) -> None:
    if ctx.device.type == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats(ctx.device)


def _peak_memory_mb(ctx: RunContext) -> float | None:
    """Peak GPU memory of the run on CUDA; on CPU the process's peak resident set size."""
    if ctx.device.type == "cuda":
        import torch

        return round(torch.cuda.max_memory_allocated(ctx.device) / 2**20, 1)
    try:
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    except (ImportError, OSError):
        return None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


__all__ = [
    "Cell",
    "ResolvedCell",
    "TrainerOptions",
    "are_done",
    "check_component",
    "check_device",
    "data_store",
    "execute",
    "identify",
    "is_done",
    "make_cell",
    "run_cell",
    "seed_everything",
    "select_device",
    "write_status_record",
]
