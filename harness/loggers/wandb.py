"""Weights & Biases mirror: each run's config and metrics, and each leaderboard as a table (with
a second table summarising the training curves kept beside its records).

Offline by default (no account, no network); online when the usual W&B variables say so
(``WANDB_MODE=online`` or ``WANDB_API_KEY``). The local records stay the source of truth.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import TYPE_CHECKING, Any, Literal, cast

from harness import hookimpl

if TYPE_CHECKING:
    from harness.context import RunContext
    from harness.leaderboard import Leaderboard
    from harness.records import RunRecord
    from harness.settings import Settings

WandbMode = Literal["online", "offline", "disabled", "shared"]
_active: dict[str, Any] = {}
_service: list[bool] = []  # non-empty once this process started W&B's service


def _init(settings: Settings, *, save_requirements: bool = True, **kwargs: Any) -> Any:
    """A W&B run, or ``None`` when W&B cannot start: the mirror must never cost a record."""
    os.environ.setdefault("WANDB_SILENT", "true")
    try:
        import wandb

        directory = settings.results_dir
        directory.mkdir(parents=True, exist_ok=True)
        return wandb.init(
            project=settings.wandb.project,
            entity=settings.wandb.entity,
            mode=cast(WandbMode, settings.wandb.resolved_mode()),  # W&B checks WANDB_MODE's value
            dir=str(directory),
            reinit="create_new",
            settings=wandb.Settings(x_save_requirements=save_requirements),
            **kwargs,
        )
    except Exception as exc:  # W&B is a mirror; the local record is the source of truth
        print(
            f"warning: W&B mirror off for this run ({type(exc).__name__}: {exc})", file=sys.stderr
        )
        return None


@hookimpl
def spectral_harness_before_cell(settings: Settings) -> None:
    """Start W&B's service once in the launching process, so forked cells share it (starting
    one per cell costs about a second)."""
    if not settings.wandb.enabled or _service:
        return
    os.environ.setdefault("WANDB_SILENT", "true")
    import wandb

    # setup() alone starts the service lazily, in the first child that logs: start it now.
    wandb.setup().ensure_service()
    # wandb.init imports this on every call (0.6 s): import it here, where children inherit it.
    import wandb.sdk.launch.inputs.internal

    _service.append(True)


@hookimpl
def spectral_harness_run_start(run: RunContext) -> None:
    """Open a W&B run for the cell with its resolved config."""
    if not run.settings.wandb.enabled:
        return
    wandb_run = _init(
        run.settings,
        # W&B would read the metadata of every installed distribution in every cell (about
        # 0.15 s, most of the mirror's cost per cell); the record's versions go in the config.
        save_requirements=False,
        name=run.name,
        group=f"{run.task.name}/{run.scale}",
        job_type=run.method.name,
        config={**run.config, "seed": run.seed, "run_id": run.run_id},
        tags=[run.task.name, run.method.name, run.scale],
    )
    if wandb_run is not None:
        _active[run.run_id] = wandb_run


@hookimpl
def spectral_harness_log_metrics(run: RunContext, step: int, metrics: dict[str, float]) -> None:
    """Forward intermediate metrics."""
    wandb_run = _active.get(run.run_id)
    if wandb_run is not None:
        wandb_run.log(metrics, step=step)


@hookimpl
def spectral_harness_run_end(run: RunContext, record: RunRecord) -> None:
    """Write the final metrics and status to the run summary and close it."""
    wandb_run = _active.pop(run.run_id, None)
    if wandb_run is None:
        return
    wandb_run.config.update({"versions": record.versions}, allow_val_change=True)
    wandb_run.summary.update({**record.metrics, "status": record.status})
    wandb_run.finish(exit_code=0 if record.status == "ok" else 1)


@hookimpl
def spectral_harness_leaderboard_ready(board: Leaderboard, settings: Settings) -> None:
    """Log the board as a ``wandb.Table`` in a run of its own."""
    if not settings.wandb.enabled or board.table.empty:
        return
    import wandb

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    wandb_run = _init(settings, name=f"leaderboard-{stamp}", job_type="leaderboard")
    if wandb_run is None:
        return
    table = board.table.drop(columns=["config_hash"]).astype(object)
    tables = {"leaderboard": wandb.Table(dataframe=table.where(table.notna(), None))}
    curves = curve_summaries(board, settings)
    if curves:
        columns: list[Any] = list(curves[0])
        data: list[Any] = [list(row.values()) for row in curves]
        tables["curves"] = wandb.Table(columns=columns, data=data)
    wandb_run.log(tables)
    wandb_run.finish()


def curve_summaries(board: Leaderboard, settings: Settings) -> list[dict[str, Any]]:
    """One row per (record, curve) of the board: its points, first, last, best and at which
    step, read from the curves kept beside each record, so W&B shows training without replaying
    every run's history. A record whose curves file is missing or changed is left out."""
    from harness.records import RecordError, RecordStore

    store = RecordStore(settings.runs_dir)
    rows: list[dict[str, Any]] = []
    for run in board.runs.itertuples(index=False):
        record = store.load(str(run.task), str(run.method), str(run.run_id))
        if record is None or "curves" not in record.artifacts:
            continue
        try:
            curves = store.read_artifact(record, "curves")
        except RecordError:
            continue
        for name, curve in sorted(curves.items()):
            steps, values = curve["step"], curve["value"]
            if not values:
                continue
            low = min(range(len(values)), key=values.__getitem__)
            rows.append(
                {
                    "task": record.task,
                    "method": record.method,
                    "seed": record.seed,
                    "run_id": record.run_id,
                    "curve": name,
                    "points": len(values),
                    "first": values[0],
                    "last": values[-1],
                    "min": values[low],
                    "min_step": steps[low],
                    "last_step": steps[-1],
                }
            )
    return rows
