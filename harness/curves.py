"""Convergence, read from the curves kept with the records: had the runs of a board converged?

Every cell that logs through ``ctx.log_metrics`` (``harness.fit`` does) keeps each logged value as
a curve (``curves.json`` beside its record, checksummed in the record). :func:`convergence` reads
one curve of every current ``ok`` record, groups the records as the leaderboard groups its rows,
and reports per row, over the seeds: the curve's value at fractions of the run, its best value,
and the fraction of the run at which each seed first came within ``within`` (relative) of its
own best. A row any of whose seeds got there only in the last quarter of its run is *still
improving*: a longer budget would still move its number; a curve logged fewer than
:data:`MIN_POINTS` times is not judged. ``spectral-harness curves`` prints it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.errors import UserError
from harness.leaderboard import GROUP, SECTION, Leaderboard
from harness.numbers import format_number
from harness.records import RecordError, RecordStore, warn_to_stderr
from harness.render import markdown_table, section_name, text_table
from harness.specs import TaskSpec

POINTS = (0.25, 0.5, 0.75, 1.0)  # fractions of the run at which the curve is read
LATE = 0.75  # a seed that first reaches its best (within tolerance) after this is still improving
MIN_POINTS = 4  # a curve logged fewer times says nothing about convergence
EVAL_PREFIX = "eval/"


@dataclass(frozen=True)
class SeedCurve:
    """One seed's curve: logged steps (increasing), values, and the goal it was logged with
    (``min`` / ``max``; ``None`` when the cell did not say)."""

    steps: np.ndarray
    values: np.ndarray
    goal: str | None = None

    def at(self, fraction: float) -> float:
        """The value last logged at or before ``fraction`` of the run (NaN before the first)."""
        limit = fraction * self.steps[-1]
        logged = np.flatnonzero(self.steps <= limit + 1e-9)
        return float(self.values[logged[-1]]) if logged.size else math.nan

    def best(self, goal: str) -> float:
        """The best value of the run: the lowest for ``goal="min"``, else the highest."""
        return float(np.nanmin(self.values) if goal == "min" else np.nanmax(self.values))

    def reached(self, goal: str, within: float) -> float:
        """The fraction of the run at which the curve first came within ``within`` of its best
        (relative to the best's magnitude)."""
        best = self.best(goal)
        close = np.abs(self.values - best) <= within * abs(best) + 1e-12
        return float(self.steps[np.flatnonzero(close)[0]] / self.steps[-1])


def convergence(
    board: Leaderboard,
    store: RecordStore,
    curve: str | None = None,
    within: float = 0.05,
    warn: Callable[[str], None] = warn_to_stderr,
    strict: bool = False,
    goal: str | None = None,
) -> pd.DataFrame:
    """One row per board row with curves: seeds, mean ± std at :data:`POINTS`, best, when each
    seed came within ``within`` of its best, and the verdict (``converged`` / ``still
    improving``).

    ``curve`` names the curve; by default each task's only ``eval/`` curve, or among several
    ``eval/<primary metric>``. A task whose default cannot be told is left out with one ``warn``
    line naming its curves (:class:`UserError` with ``strict``, when the user named the task),
    as is a record whose curves file is missing or changed. Whether lower or higher is better
    is ``goal``, else the goal the cell logged with the curve (:func:`harness.fit` does), else
    that of the task's declared metric of the curve's name; a curve without one is left out
    with one line."""
    if not 0 < within < 1:
        raise UserError(f"--within {within} is out of range: give a fraction in (0, 1), e.g. 0.05")
    runs = board.runs[board.runs["status"] == "ok"]
    if goal not in (None, "min", "max"):
        raise UserError(f"--goal {goal!r} is not one of min, max")
    labels = board.table.set_index(GROUP)[["label", "primary_metric"]]
    rows: list[dict] = []
    problems: dict[str, str] = {}
    kept: set[str] = set()  # every curve name read, for the message when ``curve`` is not one
    for key, group in runs.groupby(GROUP, sort=False, dropna=False):
        task, label = key[0], labels.loc[key, "label"]
        curves = _seed_curves(group, store, warn)
        kept.update(name for c in curves for name in c)
        if not curves:
            continue
        name = curve or _default_curve(labels.loc[key, "primary_metric"], curves)
        if name is None:
            problems[task] = (
                f"task {task!r}: say which curve with --task {task} --curve NAME "
                f"(its records kept {', '.join(sorted({n for c in curves for n in c}))})"
            )
            continue
        seeds = [c[name] for c in curves if name in c]
        if not seeds:
            continue
        direction = goal or _goal_of(name, seeds, board.tasks.get(task))
        if direction is None:
            problems[task] = (
                f"task {task!r}: curve {name!r} was logged without a goal and names no declared "
                "metric: say --goal min or --goal max"
            )
            continue
        rows.append(_row(dict(zip(GROUP, key, strict=True)), label, direction, name, seeds, within))
    for message in problems.values():
        if strict:
            raise UserError(message)
        warn(message)
    if curve is not None and not rows:
        names = f"curves kept: {', '.join(sorted(kept))}" if kept else "no record kept curves"
        raise UserError(f"no record here kept a curve named {curve!r} ({names})")
    return pd.DataFrame(rows)


def _seed_curves(
    group: pd.DataFrame, store: RecordStore, warn: Callable[[str], None]
) -> list[dict[str, SeedCurve]]:
    found = []
    for row in group.itertuples():
        record = store.load(row.task, row.method, row.run_id)
        if record is None or "curves" not in record.artifacts:
            continue
        try:
            raw = store.read_artifact(record, "curves")
        except RecordError as exc:
            warn(f"{row.task}/{row.method}/{row.run_id}: its curves are left out: {exc}")
            continue
        found.append(
            {
                name: SeedCurve(
                    np.asarray(c["step"], float), np.asarray(c["value"], float), c.get("goal")
                )
                for name, c in raw.items()
                if len(c["step"]) > 0
            }
        )
    return found


def _goal_of(name: str, seeds: list[SeedCurve], task: TaskSpec | None) -> str | None:
    """The goal the seeds logged with the curve, else the declared goal of the task's metric of
    the curve's name (``eval/val_mae`` → ``val_mae``)."""
    logged = {s.goal for s in seeds if s.goal is not None}
    if len(logged) == 1:
        return logged.pop()
    metric = name.removeprefix(EVAL_PREFIX)
    if task is not None and task.declares(metric):
        return task.metric(metric).goal
    return None


def _default_curve(primary: str, curves: list[dict[str, SeedCurve]]) -> str | None:
    """``eval/<primary>`` where it was kept, else the only ``eval/`` curve (``None``: several or
    none)."""
    names = sorted({n for c in curves for n in c if n.startswith(EVAL_PREFIX)})
    if f"{EVAL_PREFIX}{primary}" in names:
        return f"{EVAL_PREFIX}{primary}"
    return names[0] if len(names) == 1 else None


def _row(
    key: dict, label: str, goal: str, name: str, seeds: list[SeedCurve], within: float
) -> dict:
    reached = [s.reached(goal, within) for s in seeds]
    row = {**{c: key[c] for c in SECTION}, "method": label, "curve": name, "goal": goal}
    row["seeds"] = len(seeds)
    row["last_step"] = int(np.median([s.steps[-1] for s in seeds]))
    for point in POINTS:
        values = [s.at(point) for s in seeds]
        row[f"at_{round(point * 100)}%_mean"] = _mean(values)
        row[f"at_{round(point * 100)}%_std"] = _std(values)
    bests = [s.best(goal) for s in seeds]
    row["best_mean"], row["best_std"] = float(np.mean(bests)), _std(bests)
    points = min(len(s.steps) for s in seeds)
    if points < MIN_POINTS:
        row["reached_latest"], row["verdict"] = math.nan, f"too few points ({points})"
    else:
        row["reached_latest"] = max(reached)
        row["verdict"] = "still improving" if max(reached) > LATE else "converged"
    return row


def _mean(values: Sequence[float]) -> float:
    """The mean of the finite values (NaN where a seed had logged nothing yet)."""
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def _std(values: Sequence[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.std(finite, ddof=1)) if len(finite) > 1 else math.nan


def render_convergence(table: pd.DataFrame, fmt: str, within: float) -> str:
    """The convergence table as ``csv``, or as one ``md`` / ``text`` table per section."""
    if fmt == "csv":
        return table.to_csv(index=False)
    if table.empty:
        return "no convergence rows: no record here kept a curve this could read\n"
    header = ["method", "curve", "seeds", "steps"]
    header += [f"@{round(p * 100)}%" for p in POINTS]
    header += ["best", f"within {within:g} of best by", "verdict"]
    blocks = []
    for key, section in table.groupby(SECTION, sort=False):
        rows = [
            [
                r["method"],
                r["curve"],
                str(r["seeds"]),
                str(r["last_step"]),
                *(_mean_std(r, f"at_{round(p * 100)}%") for p in POINTS),
                _mean_std(r, "best"),
                "–" if math.isnan(r["reached_latest"]) else f"{r['reached_latest']:.0%} of the run",
                r["verdict"],
            ]
            for _, r in section.iterrows()
        ]
        title = section_name(key)
        if fmt == "md":
            blocks.append("\n".join([f"### {title}", "", *markdown_table(header, rows)]))
        else:
            blocks.append("\n".join([title, *text_table(header, rows)]))
    note = (
        f"'within {within:g} of best by': the latest seed's first step within {within:g} "
        f"(relative) of its own best; 'still improving': after {LATE:.0%} of the run."
    )
    return "\n\n".join([*blocks, note]) + "\n"


def _mean_std(row: pd.Series, prefix: str) -> str:
    return f"{format_number(row[f'{prefix}_mean'])} ± {format_number(row[f'{prefix}_std'])}"
