"""Aggregate run records into leaderboards with pandas: per task and method, over seeds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from harness.records import RunRecord

if TYPE_CHECKING:
    from harness.plugins import Registry

# A section is one protocol: a task at a scale with one task config (``variant`` names the task
# fields that differ between the task's configs, e.g. ``dataset=MUTAG``). Methods are compared
# and ranked within a section only.
SECTION = ["task", "scale", "variant"]
GROUP = [*SECTION, "method", "config_hash"]
Section = tuple[str, str, str]


@dataclass(frozen=True)
class Leaderboard:
    """One row per (task, scale, variant, method, config): seeds, mean ± std, 95 % CI, rank,
    failures.

    ``runs`` keeps one row per record (metrics flattened to columns), so every number on the board
    can be traced back to the records it came from.
    """

    table: pd.DataFrame
    runs: pd.DataFrame

    def sections(self) -> list[Section]:
        """The (task, scale, variant) sections of the board, in order."""
        keys = zip(self.table["task"], self.table["scale"], self.table["variant"], strict=True)
        return list(dict.fromkeys(keys))

    def section(self, task: str, scale: str, variant: str = "") -> pd.DataFrame:
        """The rows of one section, best rank first."""
        rows = self.table[_in_section(self.table, task, scale, variant)]
        return rows.sort_values(
            ["rank", "primary_mean"], ascending=[True, rows["goal"].iat[0] == "min"]
        )

    def section_runs(self, task: str, scale: str, variant: str = "") -> pd.DataFrame:
        """The records of one section."""
        return self.runs[_in_section(self.runs, task, scale, variant)]


def _in_section(frame: pd.DataFrame, task: str, scale: str, variant: str) -> pd.Series:
    return (frame["task"] == task) & (frame["scale"] == scale) & (frame["variant"] == variant)


def build_leaderboard(
    records: Iterable[RunRecord], registry: Registry | None = None
) -> Leaderboard:
    """Aggregate ``records``; with a registry, add the paper's reported number where declared."""
    runs, configs = _runs_frame(records)
    if runs.empty:
        return Leaderboard(table=pd.DataFrame(columns=[*GROUP, "n_seeds"]), runs=runs)
    runs["variant"] = runs["config_hash"].map(_variants(runs, configs))
    metric_cols = [c for c in runs.columns if c.startswith("metric:")]
    # A seed counts only with a finite primary value; an "ok" record without one is a failure.
    ok = runs[(runs["status"] == "ok") & np.isfinite(runs["primary_value"].astype(float))]
    grouped_ok = ok.groupby(GROUP, sort=False)
    table = runs.groupby(GROUP, sort=False).agg(
        slot=("slot", "first"),
        primary_metric=("primary_metric", "first"),
        goal=("goal", "first"),
        n_runs=("run_id", "size"),
    )
    table["n_seeds"] = grouped_ok.size().reindex(table.index, fill_value=0)
    table["failed"] = table["n_runs"] - table["n_seeds"]
    table["primary_mean"] = grouped_ok["primary_value"].mean().reindex(table.index)
    table["primary_std"] = grouped_ok["primary_value"].std(ddof=1).reindex(table.index)
    for col in metric_cols:
        name = col.removeprefix("metric:")
        table[f"{name}_mean"] = grouped_ok[col].mean().reindex(table.index)
        table[f"{name}_std"] = grouped_ok[col].std(ddof=1).reindex(table.index)
    table["train_seconds_mean"] = grouped_ok["train_seconds"].mean().reindex(table.index)
    table = table.reset_index()
    half = _t_quantile(table["n_seeds"]) * table["primary_std"] / np.sqrt(table["n_seeds"])
    # One seed says nothing about spread: no interval, and the row ties with every other row.
    half = half.where(table["n_seeds"] > 1, np.nan)
    table["ci95_low"] = table["primary_mean"] - half
    table["ci95_high"] = table["primary_mean"] + half
    table["rank"] = _ranks(table)
    table["label"] = _labels(table, configs)
    table["paper"] = [_paper_value(registry, row) for row in table.itertuples()]
    ordered = [
        "task",
        "scale",
        "variant",
        "slot",
        "method",
        "label",
        "primary_metric",
        "goal",
        "n_seeds",
        "failed",
        "primary_mean",
        "primary_std",
        "ci95_low",
        "ci95_high",
        "rank",
        "paper",
    ]
    rest = [c for c in table.columns if c not in ordered]
    return Leaderboard(table=table[ordered + rest], runs=runs)


RUN_FIELDS = (
    "run_id",
    "task",
    "method",
    "slot",
    "seed",
    "scale",
    "status",
    "config_hash",
    "primary_metric",
    "goal",
    "train_seconds",
)


def _runs_frame(records: Iterable[RunRecord]) -> tuple[pd.DataFrame, dict[str, dict]]:
    """One row per record, and the config (``task``, ``method``, …) of each config hash.

    Built column by column: a list of 100k dicts is several times slower.
    """
    columns: dict[str, list[object]] = {name: [] for name in RUN_FIELDS}
    columns["primary_value"] = []
    metrics: dict[str, list[float]] = {}
    configs: dict[str, dict] = {}
    for n, r in enumerate(records):
        for name in RUN_FIELDS:
            columns[name].append(getattr(r, name))
        columns["primary_value"].append(r.metrics.get(r.primary_metric, np.nan))
        if r.config_hash not in configs:
            configs[r.config_hash] = r.config
        for key, value in r.metrics.items():
            column = metrics.get(f"metric:{key}")
            if column is None:  # first record with this metric: earlier rows lack it
                column = metrics[f"metric:{key}"] = [np.nan] * n
            column.append(value)
        for column in metrics.values():
            if len(column) == n:  # this record lacks the metric
                column.append(np.nan)
    return pd.DataFrame({**columns, **metrics}), configs


def _differences(configs: list[dict]) -> list[str]:
    """For each config, ``"field=value, ..."`` over the fields on which the configs disagree."""
    keys = sorted({k for c in configs for k in c} - {"name"})
    varying = [k for k in keys if len({repr(c.get(k)) for c in configs}) > 1]
    return [", ".join(f"{k}={c.get(k)}" for k in varying) for c in configs]


def _variants(runs: pd.DataFrame, configs: dict[str, dict]) -> dict[str, str]:
    """For each config hash, the task fields that tell its task config apart from the other
    configs of the same (task, scale), as ``"field=value, ..."`` (empty when there is one)."""
    variants: dict[str, str] = {}
    pairs = runs[["task", "scale", "config_hash"]].drop_duplicates()
    for _, group in pairs.groupby(["task", "scale"], sort=False):
        hashes = list(group["config_hash"])
        task_configs = [configs.get(h, {}).get("task", {}) for h in hashes]
        variants.update(zip(hashes, _differences(task_configs), strict=True))
    return variants


def _t_quantile(n: pd.Series) -> pd.Series:
    """Two-sided 95 % Student-t quantile for ``n`` samples (``n - 1`` degrees of freedom)."""
    from scipy.special import stdtrit  # much lighter to import than scipy.stats

    dof = (n - 1).clip(lower=1).to_numpy(dtype=float)
    return pd.Series(stdtrit(dof, 0.975), index=n.index)


def _ranks(table: pd.DataFrame) -> pd.Series:
    """Rank = 1 + the number of rows whose whole 95 % CI is better than this row's.

    Rows whose intervals overlap share a rank, so a rank never claims more than the seeds show;
    a row with a single seed has no interval and overlaps everything. Rows without a successful
    seed are ranked last, and not at all when no row of the section has one.
    """
    ranks = pd.Series(np.nan, index=table.index)
    for _, rows in table.groupby(SECTION, sort=False):
        valid = rows[rows["n_seeds"] > 0]
        maximize = (valid["goal"] == "max").to_numpy()
        low = valid["ci95_low"].fillna(-np.inf).to_numpy()
        high = valid["ci95_high"].fillna(np.inf).to_numpy()
        for pos, idx in enumerate(valid.index):
            better = low > high[pos] if maximize[pos] else high < low[pos]
            ranks[idx] = 1 + int(better.sum())
        if len(valid):  # a section where every row failed ranks nobody
            ranks[rows.index.difference(valid.index)] = len(valid) + 1
    return ranks.astype("Int64")


def _labels(table: pd.DataFrame, configs: dict[str, dict]) -> pd.Series:
    """The method name; when a method has several configs in a section, followed by the method
    fields that tell them apart, ``spe (norm=layer)``, or by the config hash when no method
    field differs (``spe@3f2a1c``)."""
    labels = table["method"].copy()
    for _, rows in table.groupby([*SECTION, "method"], sort=False):
        if rows["config_hash"].nunique() == 1:
            continue
        method_configs = [configs.get(h, {}).get("method", {}) for h in rows["config_hash"]]
        for idx, difference, config_hash in zip(
            rows.index, _differences(method_configs), rows["config_hash"], strict=True
        ):
            method = table.at[idx, "method"]
            labels[idx] = (
                f"{method} ({difference})" if difference else f"{method}@{config_hash[:6]}"
            )
    return labels


def _paper_value(registry: Registry | None, row: object) -> float:
    if registry is None:
        return np.nan
    spec = registry.methods.get((row.slot, row.method))  # type: ignore[attr-defined]
    if spec is None or spec.paper is None:
        return np.nan
    return spec.paper.reported.get(row.task, {}).get(row.primary_metric, np.nan)  # type: ignore[attr-defined]
