"""Hook specifications: the contract between the Spectral Harness host and its plugins.

Every hook follows the same template: what it is for, when the host calls it, what it receives,
what it must return, and whether the first non-``None`` result wins (``firstresult``) or all
results are collected. Hooks are listed in the order a run calls them.

A plugin is any module or object with functions decorated by :data:`harness.hookimpl`, loaded
from the ``spectral_harness`` entry-point group (built-ins use the same group).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from harness.context import RunContext
    from harness.leaderboard import Leaderboard
    from harness.records import RunRecord
    from harness.settings import Settings
    from harness.specs import Claim, DatasetSpec, MethodSpec, ProbeSpec, SlotSpec, TaskSpec

hookspec = pluggy.HookspecMarker("spectral_harness")

# -------------------------------------------------------------------------------------------------
# Registration hooks: called once, when the plugin manager is built. Must not import torch.
# -------------------------------------------------------------------------------------------------


@hookspec
def spectral_harness_register_slots() -> list[SlotSpec]:
    """Return the slots (task ↔ method contracts) this plugin defines.

    Called once per process while the registry is built, before tasks and methods: every task
    and method must name a registered slot (a plugin whose task or method names an unknown slot
    is left out with one warning line). All results are collected; when a slot name is
    registered twice, the first registration is kept and one warning line names both plugins.
    Declare slots in a torch-free module so that
    ``spectral-harness slots`` and registration stay cheap.

    :returns: a list of :class:`harness.SlotSpec`.
    """


@hookspec
def spectral_harness_register_tasks() -> list[TaskSpec]:
    """Return the tasks this plugin provides.

    Called once per process while the registry is built. All results are collected; when a task
    name is registered twice, the first registration is kept and one warning line names both
    plugins.

    :returns: a list of :class:`harness.TaskSpec`.
    """


@hookspec
def spectral_harness_register_methods() -> list[MethodSpec]:
    """Return the methods (paper methods and baselines alike) this plugin provides.

    Called once per process while the registry is built. All results are collected. Each method's
    config dataclass is stored in Hydra's ConfigStore under group ``method``, so ``method=<name>``
    works without any YAML file.

    :returns: a list of :class:`harness.MethodSpec`.
    """


@hookspec
def spectral_harness_register_datasets() -> list[DatasetSpec]:
    """Return the datasets this plugin's tasks read from the data directory.

    Called once per process while the registry is built. All results are collected. Used by
    ``spectral-harness data check`` and by the up-front check before a sweep starts.

    :returns: a list of :class:`harness.DatasetSpec`.
    """


@hookspec
def spectral_harness_register_claims() -> list[Claim]:
    """Return the papers' claims this plugin declares, each testable from run records.

    Called once per process while the registry is built, after tasks and methods. All results
    are collected; a claim id registered twice keeps its first registration, with one warning
    line. A claim about a task that is not installed is kept (``spectral-harness claims`` shows
    it as ``not run``); one about a metric its task does not declare is left out with one
    warning line.

    :returns: a list of :class:`harness.Claim`.
    """


@hookspec
def spectral_harness_register_probes() -> list[ProbeSpec]:
    """Return the probes this plugin provides: measurements of any cell's trained model.

    Called once per process while the registry is built. All results are collected; a probe
    name registered twice keeps its first registration, with one warning line. A user asks for
    probes with ``probes=[name,…]``; they run in the cell's process after the task has trained
    (and, for ``track`` probes, at each evaluation of :func:`harness.fit`), and their metrics
    land in the cell's record as diagnostics named ``<probe>/<metric>``.

    :returns: a list of :class:`harness.ProbeSpec`.
    """


# -------------------------------------------------------------------------------------------------
# Run lifecycle hooks: observers (loggers, profilers). Called in every worker process.
# -------------------------------------------------------------------------------------------------


@hookspec
def spectral_harness_before_cell(settings: Settings) -> None:
    """A cell is about to execute.

    Called in the process that launches the cell, once per executed cell, before its child
    process starts. Each cell runs in a child process forked from this one
    (``trainer.isolate``). An observer that talks to a long-lived service (the W&B mirror)
    starts it here, once, so every child reuses it instead of starting its own. All
    implementations are called; a failing one is a warning. Return values are ignored.

    :param settings: where results live and how loggers are configured.
    """


@hookspec
def spectral_harness_run_start(run: RunContext) -> None:
    """A cell is about to build its method and train.

    Called once per executed cell (not for cells skipped by resume), after seeding and device
    selection. All implementations are called; return values are ignored.

    :param run: the run's context: ids, resolved config, device, settings.
    """


@hookspec
def spectral_harness_log_metrics(run: RunContext, step: int, metrics: dict[str, float]) -> None:
    """A task reports intermediate metrics (training loss, periodic evaluation).

    Called any number of times between :func:`spectral_harness_run_start` and
    :func:`spectral_harness_run_end`. All implementations are called; return values are ignored.

    :param run: the run's context.
    :param step: the training step the metrics belong to.
    :param metrics: metric name to value.
    """


@hookspec
def spectral_harness_run_end(run: RunContext, record: RunRecord) -> None:
    """A cell has finished, whatever its status; its record is already written to disk.

    Called once per executed cell, also when it failed, diverged or timed out. All
    implementations are called; return values are ignored.

    :param run: the run's context.
    :param record: the record as stored.
    """


@hookspec
def spectral_harness_leaderboard_ready(board: Leaderboard, settings: Settings) -> None:
    """A leaderboard was built from the run records at the end of a sweep.

    Called in the launching process after the last cell. All implementations are called; return
    values are ignored.

    :param board: the aggregated leaderboard.
    :param settings: where results live and how loggers are configured.
    """
