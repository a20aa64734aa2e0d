"""What the harness adds to cluster launchers (the ``slurm`` presets of ``hydra/launcher``).

In the launching process: cells already ``ok`` are not submitted, jobs are named after their cell
and a job that ended without a result (``scancel``, a SLURM time limit, OOM, a lost node) leaves a
``timeout`` or ``crashed`` record for its cell. In a SLURM worker: submitit's end-of-job signal
(``USR2``, ``signal_delay_s`` before the time limit, or on preemption) stops the running cell
cleanly, so it records ``timeout`` and closes its W&B run; a preempted job is then requeued and
its cell runs again. The Hydra plugin in ``hydra_plugins.spectral_harness_launchers`` is the glue.
"""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.errors import TimeLimitExceeded

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from harness.cell import Cell, ResolvedCell
    from harness.plugins import Registry
    from harness.records import RunRecord
    from harness.settings import Settings

# SLURM job states (sacct) whose cell is recorded ``timeout``; any other end without a result is
# ``crashed`` (CANCELLED, OUT_OF_MEMORY, NODE_FAIL, FAILED, BOOT_FAIL, PREEMPTED...).
TIMEOUT_STATES = frozenset({"TIMEOUT", "DEADLINE"})
GPU_PARAMS = ("gpus_per_node", "gpus_per_task")


class SlurmTimeLimit(TimeLimitExceeded):
    """SLURM is about to end the job at its time limit (``hydra.launcher.timeout_min``)."""


class SlurmPreempted(TimeLimitExceeded):
    """SLURM preempts the job; it is requeued and the cell runs again."""


def default_num_threads(env: Mapping[str, str], n_cpus: int, n_jobs: int | None) -> int | None:
    """Torch threads per cell when the user did not set ``trainer.num_threads``.

    Inside a SLURM job the cell gets the job's ``SLURM_CPUS_PER_TASK``; with ``n_jobs`` parallel
    workers (joblib's ``hydra.launcher.n_jobs``; negative counts from the number of CPUs, as in
    joblib: -1 is one worker per CPU) each worker gets an equal share of the CPUs. ``None`` (torch's
    own default) when neither applies. Never less than 1.
    """
    slurm = env.get("SLURM_CPUS_PER_TASK", "").strip()
    cpus = int(slurm) if slurm.isdigit() and int(slurm) > 0 else None
    workers = 1 if n_jobs is None or n_jobs == 0 else n_jobs
    if workers < 0:
        workers = max(1, n_cpus + 1 + workers)
    if cpus is None and workers == 1:
        return None
    return max(1, (cpus or n_cpus) // workers)


def job_name(cell: Cell) -> str:
    """The SLURM job name of a cell, e.g. ``sh-inr_audio-winner-s0``."""
    return f"sh-{cell.task}-{cell.method}-s{cell.seed}"


def job_device_kind(params: Mapping[str, Any]) -> str:
    """``cuda`` when the launcher's parameters ask SLURM for GPUs, otherwise ``cpu``: what
    ``trainer.device=auto`` resolves to in the jobs (the launching node may have no GPU)."""
    gres = str(params.get("gres") or "")
    asks = any(params.get(key) for key in GPU_PARAMS) or "gpu" in gres
    return "cuda" if asks else "cpu"


def status_for_state(state: str) -> str:
    """The record status of a cell whose job ended in SLURM ``state`` without a result."""
    return "timeout" if state.split()[0].upper() in TIMEOUT_STATES else "crashed"


@dataclass
class PlannedCell:
    """One job of a sweep, resolved in the launching process before submission."""

    index: int
    overrides: list[str]
    cell: ResolvedCell
    settings: Settings
    before: tuple[int, str] | None  # (attempt, ended_at) of the stored record at submission


class JobConfigs:
    """Each job's composed config from its overrides, composing once per combination of the
    overrides that choose configs (``task=``, ``method=``, ``scale=``...); a job's field values
    (``seed=1``, ``task.steps=20``) are then assigned on a copy, as Hydra would set them."""

    def __init__(self, load: Callable[[list[str]], DictConfig]) -> None:
        self._load = load
        self._bases: dict[tuple[tuple[str | None, ...], tuple[str, ...]], DictConfig] = {}

    def __call__(self, overrides: Sequence[str]) -> DictConfig:
        """The config of the job with these overrides."""
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from omegaconf import OmegaConf

        parsed = OverridesParser.create().parse_overrides(list(overrides))
        values = [o for o in parsed if _is_plain_value(o)]
        if len(values) == len(parsed) or not values:  # nothing to share, or nothing to assign
            return self._load(list(overrides))
        groups = tuple(o.input_line for o in parsed if not _is_plain_value(o))
        shape = (groups, tuple(o.key_or_group for o in values))
        if shape not in self._bases:
            self._bases[shape] = self._load(list(overrides))
            return self._bases[shape]
        cfg = copy.deepcopy(self._bases[shape])
        for override in values:
            OmegaConf.update(cfg, override.key_or_group, override.value(), merge=True)
        return cfg


def plan_cells(
    job_overrides: Sequence[Sequence[str]],
    compose: Callable[[Sequence[str]], DictConfig],
    registry: Registry,
    device_kind: str,
    first_index: int = 0,
) -> tuple[list[PlannedCell], int]:
    """The jobs to submit, and how many cells were left out because they are already ``ok``."""
    from harness.app import cell_from_config
    from harness.runner import are_done
    from harness.settings import Settings

    composed = []
    for offset, overrides in enumerate(job_overrides):
        cfg = compose(overrides)
        cell = cell_from_config(cfg, registry)
        settings = Settings.from_config(cfg.paths, cfg.logger)
        composed.append((offset, overrides, bool(cfg.force), cell, settings))
    checked = [
        (cell, settings, _jobs_kind(cell, device_kind))
        for _, _, force, cell, settings in composed
        if not force
    ]
    done = iter(are_done(checked, registry))  # forced cells run whatever is stored
    planned, skipped = [], 0
    for offset, overrides, force, cell, settings in composed:
        if not force and next(done):
            skipped += 1
            continue
        before = record_key(stored_record(cell, registry, settings, device_kind))
        index = first_index + offset
        planned.append(PlannedCell(index, list(overrides), cell, settings, before))
    return planned, skipped


def settle_uncompleted(
    planned: PlannedCell, state: str, job_id: str, registry: Registry, device_kind: str
) -> RunRecord | None:
    """Record a cell whose job ended in ``state`` without a result, unless the job wrote the
    cell's record itself; returns the stored record."""
    from harness.runner import write_status_record

    cell, settings = planned.cell, planned.settings
    current = stored_record(cell, registry, settings, device_kind)
    if record_key(current) != planned.before:
        return current
    status = status_for_state(state)
    message = f"SLURM job {job_id} ended {state} before the cell wrote its record"
    name = f"{cell.task.name}/{cell.method.name}/seed{cell.cell.seed}"
    print(f"✗ {name}: {status}: {message}", file=sys.stderr)
    error = {"type": f"slurm_{state.split()[0].lower()}", "message": message, "traceback": ""}
    kind = _jobs_kind(cell, device_kind)
    return write_status_record(cell, registry, settings, status, error, kind)


def stored_record(
    cell: ResolvedCell, registry: Registry, settings: Settings, device_kind: str
) -> RunRecord | None:
    """The record stored for ``cell`` (as the job that runs it will name it), or ``None``."""
    from harness.cell import resolve_device_kind
    from harness.records import RecordStore
    from harness.runner import stored_under

    kind = _jobs_kind(cell, device_kind) or resolve_device_kind(cell.cell.trainer.device)
    return stored_under(RecordStore(settings.runs_dir), cell, kind)[1]


def record_key(record: RunRecord | None) -> tuple[int, str] | None:
    """What tells one write of a cell's record from another."""
    return None if record is None else (record.attempt, record.ended_at)


class JobEnding:
    """Handles submitit's end-of-job signal in a SLURM worker and in the cell it runs.

    The worker keeps submitit's own handler for what follows the cell (requeue or not). When the
    signal comes, the cell's process (the worker's forked child, or the worker itself when no
    cell child is running) raises :class:`SlurmTimeLimit` or :class:`SlurmPreempted`, a
    :class:`TimeLimitExceeded` that the runner records as ``timeout``, closing the cell's
    observers (its W&B run). Processes the cell started (data loader workers) ignore it: their
    cell ends them.
    """

    def __init__(self, submitit_handler: Any) -> None:
        self.submitit_handler = submitit_handler
        self.worker = os.getpid()
        self.signum: int | None = None
        self.timed_out = False

    @classmethod
    @contextlib.contextmanager
    def installed(cls, signum: int) -> Iterator[JobEnding]:
        """Replace the handler of ``signum`` for the duration of the block."""
        ending = cls(signal.getsignal(signum))
        previous = signal.signal(signum, ending.handle)
        try:
            yield ending
        finally:
            signal.signal(signum, previous)

    def handle(self, signum: int, frame: Any) -> None:
        """The signal handler (in the worker and, inherited through ``fork``, in its cell)."""
        if self.signum is not None:
            return
        self.signum = signum
        self.timed_out = self._has_timed_out()
        pid = os.getpid()
        in_cell = os.getppid() == self.worker or (pid == self.worker and not _cell_children())
        if in_cell:
            raise self.exception()

    def exception(self) -> TimeLimitExceeded:
        """What the cell raises: a time limit or a preemption, with the job's id."""
        job = os.environ.get("SLURM_JOB_ID", "?")
        if self.timed_out:
            return SlurmTimeLimit(
                f"SLURM job {job} reached its time limit (hydra.launcher.timeout_min)"
            )
        return SlurmPreempted(
            f"SLURM job {job} was preempted; it is requeued and the cell runs again"
        )

    def requeue(self) -> None:
        """After the cell ended: let submitit requeue a preempted job (it exits the worker)."""
        if self.signum is not None and not self.timed_out and callable(self.submitit_handler):
            self.submitit_handler(self.signum, None)

    def _has_timed_out(self) -> bool:
        owner = getattr(self.submitit_handler, "__self__", None)
        has_timed_out = getattr(owner, "has_timed_out", None)
        return bool(has_timed_out()) if callable(has_timed_out) else True


def _cell_children() -> list[int]:
    """This process's children that are forked copies of it (cells), not helpers it started
    (W&B's service) and not zombies."""
    try:
        own = os.readlink("/proc/self/exe")
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return []
    pids = []
    for task in tasks:
        with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/children") as handle:
            pids += [int(pid) for pid in handle.read().split()]
    cells = []
    for pid in pids:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/exe") == own:
                cells.append(pid)
    return cells


def _is_plain_value(override: Any) -> bool:
    """A ``key=value`` override of a config field (no group choice, ``+``/``~`` or ``hydra.``)."""
    key = override.key_or_group
    field = key == "seed" or ("." in key and not key.startswith("hydra"))
    return field and override.package is None and override.type.name == "CHANGE"


def _jobs_kind(cell: ResolvedCell, device_kind: str) -> str | None:
    """The device kind that names the cell's record when its job runs on a node of
    ``device_kind``: a cell with ``trainer.device=auto`` takes the node's kind, which may differ
    from this process's; ``None`` (resolve it here) for a cell that names its device."""
    return device_kind if cell.cell.trainer.device == "auto" else None


def run_in_worker(cfg: DictConfig, ending: JobEnding, run: Callable[[], Any]) -> Any:
    """Run a SLURM job's cell (``run``) in its worker; returns what ``run`` returned, or ``None``
    when the end-of-job signal stopped the worker outside the cell.

    After an end-of-job signal, a cell that left no record of its own (the signal came before it
    started) gets a ``timeout`` record, and a preempted job is requeued.
    """
    from harness.app import cell_from_config
    from harness.cell import resolve_device_kind
    from harness.plugins import get_registry
    from harness.runner import write_status_record
    from harness.settings import Settings

    registry = get_registry()
    cell = cell_from_config(cfg, registry)
    settings = Settings.from_config(cfg.paths, cfg.logger)
    here = resolve_device_kind("auto")
    before = record_key(stored_record(cell, registry, settings, here))
    result = None
    with contextlib.suppress(SlurmTimeLimit, SlurmPreempted):  # raised here, outside the cell
        result = run()
    if ending.signum is not None:
        if record_key(stored_record(cell, registry, settings, here)) == before:
            exc = ending.exception()
            error = {"type": type(exc).__name__, "message": str(exc), "traceback": ""}
            write_status_record(cell, registry, settings, "timeout", error)
        ending.requeue()
    return result
