"""Evaluate papers' claims (:class:`harness.Claim`) against the records of a leaderboard.

A claim is judged per protocol section (task, scale, variant, data) and runtime, on the same
records the board shows (the installed code's, unless the board was built with all versions):

- ``better`` / ``not_worse`` pair the method's and the baseline's seeds (a seed counts when both
  have a finite value of the metric) and take the per-seed difference, signed so that positive
  means better (cheaper, for a cost);
- ``at_least`` / ``at_most`` / ``within`` take the method's values over seeds.

The estimate's 95 % Student-t interval decides the verdict: ``holds`` when the whole interval
is on the claim's side, ``refuted`` when the whole interval is on the other side, and
``inconclusive`` otherwise (also with a single seed, which has no interval). A claim with no
records to judge is ``not run``, with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from harness.numbers import ci95_half_width, format_number
from harness.specs import Claim

if TYPE_CHECKING:
    from harness.leaderboard import Leaderboard, Section

VERDICTS = ("holds", "refuted", "inconclusive", "not run")


@dataclass(frozen=True)
class ClaimResult:
    """A claim judged on one section of the records (or ``not run``, with ``section`` empty).

    ``estimate`` is the mean paired difference (``better``/``not_worse``, positive = the method
    is better) or the method's mean (otherwise), with its 95 % CI over ``n_seeds`` seeds.
    """

    claim: Claim
    verdict: str
    section: tuple[str, ...] = ()
    runtime: str = ""
    n_seeds: int = 0
    estimate: float = math.nan
    ci95_low: float = math.nan
    ci95_high: float = math.nan
    method_mean: float = math.nan
    baseline_mean: float = math.nan
    reason: str = ""

    def summary(self) -> str:
        """One line: verdict, estimate with its CI and seeds, the paper's number, the claim."""
        claim = self.claim
        if self.verdict == "not run":
            return f"{claim.id}: not run ({self.reason}) — {claim.statement}"
        what = "Δ" if claim.expect in ("better", "not_worse") else claim.metric
        interval = (
            f"95% CI [{format_number(self.ci95_low)}, {format_number(self.ci95_high)}]"
            if math.isfinite(self.ci95_low)
            else "no CI"
        )
        paper = f"; paper {format_number(claim.reported)}" if claim.reported is not None else ""
        why = f"; {self.reason}" if self.reason else ""
        return (
            f"{claim.id}: {self.verdict} ({what} = {format_number(self.estimate)}, {interval}, "
            f"{self.n_seeds} seed{'s' if self.n_seeds != 1 else ''}{paper}{why}) — "
            f"{claim.statement}"
        )

    def as_row(self) -> dict[str, Any]:
        """A flat dict for tables (CSV, JSON)."""
        claim = self.claim
        scale, variant, data = (*self.section, "", "", "", "")[1:4]
        return {
            "claim": claim.id,
            "paper": claim.paper,
            "source": claim.source,
            "statement": claim.statement,
            "task": claim.task,
            "scale": scale,
            "variant": variant,
            "data": data,
            "runtime": self.runtime,
            "metric": claim.metric,
            "method": claim.method,
            "baseline": ", ".join(claim.baselines),
            "expect": claim.expect,
            "verdict": self.verdict,
            "n_seeds": self.n_seeds,
            "estimate": self.estimate,
            "ci95_low": self.ci95_low,
            "ci95_high": self.ci95_high,
            "method_mean": self.method_mean,
            "baseline_mean": self.baseline_mean,
            "reported": claim.reported,
            "reason": self.reason,
        }


def evaluate_claims(board: Leaderboard, claims: Iterable[Claim]) -> list[ClaimResult]:
    """Judge every claim on every section of ``board`` it applies to."""
    results: list[ClaimResult] = []
    for claim in claims:
        results.extend(evaluate_claim(board, claim))
    return results


def evaluate_claim(board: Leaderboard, claim: Claim) -> list[ClaimResult]:
    """Judge ``claim`` on each (section, runtime) of ``board`` that has records of its method."""
    runs = board.runs
    if runs.empty or claim.task not in set(runs["task"]):
        return [ClaimResult(claim, "not run", reason=f"no records of task {claim.task!r}")]
    runs = runs[runs["task"] == claim.task]
    if claim.scale is not None:
        runs = runs[runs["scale"] == claim.scale]
    runs = runs[_matches(runs, board.configs, claim.where, "task.")]
    results: list[ClaimResult] = []
    keys = ["task", "scale", "variant", "data", "runtime"]
    for key, rows in runs.groupby(keys, sort=False):
        section, runtime = tuple(key[:4]), str(key[4])
        mine = _method_rows(rows, board.configs, claim.method, claim.where)
        if mine.empty:
            continue
        if claim.baseline is None:
            results.extend(_judge_values(claim, section, runtime, mine))
            continue
        theirs = {
            name: _method_rows(rows, board.configs, name, claim.baseline_where)
            for name in claim.baselines
        }
        missing = [name for name, found in theirs.items() if found.empty]
        if missing:
            results.append(
                ClaimResult(
                    claim,
                    "not run",
                    section,
                    runtime,
                    reason=f"no records of baseline {missing[0]!r} in this section",
                )
            )
            continue
        results.extend(_judge_pairs(claim, section, runtime, mine, theirs, board))
    if not results:
        where = f" at scale={claim.scale}" if claim.scale else ""
        where += f" where {dict(claim.where)}" if claim.where else ""
        return [
            ClaimResult(claim, "not run", reason=f"no records of method {claim.method!r}{where}")
        ]
    return results


def claims_of_section(results: Iterable[ClaimResult], key: Section) -> list[ClaimResult]:
    """The results judged on section ``key``."""
    return [r for r in results if r.section == tuple(key)]


def _matches(
    runs: pd.DataFrame, configs: Mapping[str, dict], where: Mapping[str, Any], prefix: str
) -> pd.Series:
    """Rows whose config has every ``where`` value with a key starting with ``prefix``."""
    wanted = {k: v for k, v in where.items() if k.startswith(prefix)}
    if not wanted:
        return pd.Series(True, index=runs.index)
    ok_hashes = {
        config_hash
        for config_hash in runs["config_hash"].unique()
        if all(_lookup(configs.get(config_hash, {}), k) == v for k, v in wanted.items())
    }
    return runs["config_hash"].isin(ok_hashes)


def _lookup(config: Mapping[str, Any], dotted: str) -> Any:
    value: Any = config
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


_MISSING = object()


def _method_rows(
    rows: pd.DataFrame, configs: Mapping[str, dict], method: str, where: Mapping[str, Any]
) -> pd.DataFrame:
    """The successful records of ``method`` in ``rows`` whose method config matches ``where``."""
    mine = rows[(rows["method"] == method) & (rows["status"] == "ok")]
    return mine[_matches(mine, configs, where, "method.")]


def _values(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``seed``, ``config_hash`` and the finite values of ``metric``."""
    column = f"metric:{metric}"
    if column not in rows:
        return pd.DataFrame({"seed": [], "config_hash": [], "value": []})
    frame = pd.DataFrame(
        {
            "seed": rows["seed"],
            "config_hash": rows["config_hash"],
            "value": rows[column].astype(float),
        }
    )
    return frame[np.isfinite(frame["value"])]


def _judge_values(
    claim: Claim, section: tuple[str, ...], runtime: str, mine: pd.DataFrame
) -> list[ClaimResult]:
    results = []
    values = _values(mine, claim.metric)
    for config_hash, group in _by_config(values):
        v = group["value"].to_numpy()
        mean, low, high = _mean_ci(v)
        verdict = _verdict(claim, low, high)
        results.append(
            ClaimResult(
                claim,
                verdict,
                section,
                runtime,
                n_seeds=len(v),
                estimate=mean,
                ci95_low=low,
                ci95_high=high,
                method_mean=mean,
                reason=_reason(len(v), config_hash),
            )
        )
    return results or [
        ClaimResult(claim, "not run", section, runtime, reason=f"no finite {claim.metric}")
    ]


def _judge_pairs(
    claim: Claim,
    section: tuple[str, ...],
    runtime: str,
    mine: pd.DataFrame,
    theirs: Mapping[str, pd.DataFrame],
    board: Leaderboard,
) -> list[ClaimResult]:
    spec = board.tasks[claim.task].metric(claim.metric) if claim.task in board.tasks else None
    goal = spec.goal if spec is not None else None
    if goal is None:
        return [
            ClaimResult(
                claim,
                "not run",
                section,
                runtime,
                reason=f"metric {claim.metric!r} has no declared goal here (is the task "
                "installed?): a comparison needs a better direction",
            )
        ]
    sign = 1.0 if goal == "max" else -1.0
    results = []
    if len(theirs) == 1:
        baseline_values = _values(next(iter(theirs.values())), claim.metric)
    else:
        baseline_values, problem = _best_of(theirs, claim.metric, sign)
        if problem:
            return [ClaimResult(claim, "not run", section, runtime, reason=problem)]
    for config_hash, group in _by_config(_values(mine, claim.metric)):
        for other_hash, other in _by_config(baseline_values):
            paired = group.merge(other, on="seed", suffixes=("", "_b"))
            d = sign * (paired["value"] - paired["value_b"]).to_numpy()
            mean, low, high = _mean_ci(d)
            hashes = config_hash if other_hash is None else f"{config_hash} vs {other_hash}"
            results.append(
                ClaimResult(
                    claim,
                    _verdict(claim, low, high) if len(d) else "not run",
                    section,
                    runtime,
                    n_seeds=len(d),
                    estimate=mean,
                    ci95_low=low,
                    ci95_high=high,
                    method_mean=float(paired["value"].mean()) if len(d) else math.nan,
                    baseline_mean=float(paired["value_b"].mean()) if len(d) else math.nan,
                    reason=_reason(len(d), hashes) if len(d) else "no seed ran both methods",
                )
            )
    return results or [
        ClaimResult(claim, "not run", section, runtime, reason=f"no finite {claim.metric}")
    ]


def _best_of(
    theirs: Mapping[str, pd.DataFrame], metric: str, sign: float
) -> tuple[pd.DataFrame, str]:
    """Per seed, the best value among several baselines (seeds all of them ran), or a reason
    why they cannot be combined: a baseline with several configs in the section."""
    best: pd.DataFrame | None = None
    for name, rows in theirs.items():
        values = _values(rows, metric)
        if values["config_hash"].nunique() > 1:
            return values, (
                f"baseline {name!r} has several configs in this section; pick one with "
                "baseline_where"
            )
        values = values[["seed", "value"]].rename(columns={"value": name})
        best = values if best is None else best.merge(values, on="seed")
    assert best is not None
    value = sign * (sign * best.drop(columns="seed")).max(axis=1)
    return pd.DataFrame({"seed": best["seed"], "config_hash": "best", "value": value}), ""


def _by_config(values: pd.DataFrame) -> list[tuple[str | None, pd.DataFrame]]:
    """Groups of one config each; the config hash is named only when there are several."""
    groups = list(values.groupby("config_hash", sort=False))
    if len(groups) == 1:
        return [(None, groups[0][1])]
    return [(str(h)[:6], g) for h, g in groups]


def _reason(n: int, config: str | None) -> str:
    parts = []
    if n == 1:
        parts.append("one seed has no interval")
    if config:
        parts.append(f"config {config}")
    return "; ".join(parts)


def _mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and two-sided 95 % Student-t interval (NaN bounds for fewer than two values)."""
    if len(values) == 0:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(values))
    half = ci95_half_width(values)
    return mean, mean - half, mean + half


def _verdict(claim: Claim, low: float, high: float) -> str:
    """``holds`` / ``refuted`` / ``inconclusive`` from the estimate's interval."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "inconclusive"
    expect = claim.expect
    if expect in ("better", "not_worse"):
        threshold = claim.margin if expect == "better" else -claim.margin
        return _side(low > threshold, high < threshold)
    value = float(claim.value)  # type: ignore[arg-type]  # the Claim refuses None here
    if expect == "at_least":
        return _side(low >= value, high < value)
    if expect == "at_most":
        return _side(high <= value, low > value)
    tolerance = float(claim.tolerance)  # type: ignore[arg-type]
    inside = value - tolerance <= low and high <= value + tolerance
    outside = high < value - tolerance or low > value + tolerance
    return _side(inside, outside)


def _side(holds: bool, refuted: bool) -> str:
    if holds:
        return "holds"
    return "refuted" if refuted else "inconclusive"
