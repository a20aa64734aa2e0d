"""Aggregate run records into leaderboards with pandas: per task and method, over seeds."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from harness.index import BOARD_FIELDS, UNKNOWN_CODE, RunsTable, table_of_records
from harness.records import RunRecord
from harness.specs import GOALS, MetricKind, MetricSpec, TaskSpec

if TYPE_CHECKING:
    from harness.claims import ClaimResult
    from harness.plugins import Registry

# A section is one protocol: a task at a scale with one task config (``variant`` names the task
# fields that differ between the task's configs, e.g. ``dataset=MUTAG``) on one set of data
# (``data`` names the user's own files, empty for the registered datasets). Methods are compared
# and ranked within a section only. A row is one method config run by one version of the code
# (``code``) on one kind of device and precision (``runtime``): seeds of other code or another
# runtime are other numbers, never pooled.
SECTION = ["task", "scale", "variant", "data"]
GROUP = [*SECTION, "method", "config_hash", "code", "runtime"]
Section = tuple[str, str, str, str]
# What the text, Markdown and HTML tables show beside the primary score (the CSV and JSON hold
# every metric): costs (the default), secondary scores too, diagnostics only, or every metric.
METRIC_VIEWS: dict[str, tuple[MetricKind, ...]] = {
    "costs": ("cost",),
    "scores": ("score", "cost"),
    "diagnostics": ("diagnostic",),
    "all": ("score", "cost", "diagnostic"),
}


@dataclass(frozen=True)
class Leaderboard:
    """One row per (task, scale, variant, method, config): seeds, mean ± std, 95 % CI, rank,
    failures.

    ``runs`` keeps one row per record (metrics flattened to columns), so every number on the board
    can be traced back to the records it came from. ``tasks`` holds the installed tasks'
    declarations (empty for a board built without a registry): they say each metric's kind.
    ``configs`` maps each config hash to its config; ``claims`` holds the installed papers'
    claims judged on these records (see :mod:`harness.claims`).
    """

    table: pd.DataFrame
    runs: pd.DataFrame
    notes: tuple[str, ...] = ()
    tasks: Mapping[str, TaskSpec] = field(default_factory=dict)
    configs: Mapping[str, dict] = field(default_factory=dict)
    claims: tuple[ClaimResult, ...] = ()
    shown: str = "costs"  # which metrics the tables show beside the primary score (METRIC_VIEWS)

    def shown_metrics(self, key: Section) -> list[tuple[str, MetricSpec | None]]:
        """The metrics the tables of section ``key`` show beside its primary score, each with
        its declaration (``None``: a metric the task does not declare, such as a probe's
        ``<probe>/<metric>``, shown as a diagnostic), by kind in the order of
        :data:`METRIC_VIEWS` ``[self.shown]`` and within a kind as the task declares them."""
        task = self.tasks.get(key[0])
        found: list[tuple[str, MetricSpec | None]] = []
        for kind in METRIC_VIEWS[self.shown]:
            found += [
                (name, spec)
                for name, spec in self.metrics_of_kind(key, kind)
                if not (task is not None and name == task.primary)
            ]
            if kind == "diagnostic" and task is not None:
                rows = self.table[_in_section(self.table, key)]
                found += [
                    (name, None)
                    for name in (
                        c.removeprefix("metric:") for c in self.runs if c.startswith("metric:")
                    )
                    if not task.declares(name)
                    and f"{name}_mean" in rows
                    and rows[f"{name}_mean"].notna().any()
                ]
        return found

    def sections(self) -> list[Section]:
        """The (task, scale, variant, data) sections of the board, in order."""
        keys = zip(*(self.table[c] for c in SECTION), strict=True)
        return list(dict.fromkeys(keys))

    def section(self, task: str, scale: str, variant: str = "", data: str = "") -> pd.DataFrame:
        """The rows of one section, best rank first."""
        rows = self.table[_in_section(self.table, (task, scale, variant, data))]
        return rows.sort_values(
            ["rank", "primary_mean"], ascending=[True, rows["goal"].iat[0] == "min"]
        )

    def metrics_of_kind(self, key: Section, kind: MetricKind) -> list[tuple[str, MetricSpec]]:
        """The metrics of ``kind`` that rows of section ``key`` report, each with its declaration,
        in the order the task declares them (none when the task is not installed)."""
        task = self.tasks.get(key[0])
        if task is None:
            return []
        rows = self.table[_in_section(self.table, key)]
        found = [
            (name, task.metric(name))
            for name in (c.removeprefix("metric:") for c in self.runs if c.startswith("metric:"))
            if task.declares(name) and rows[f"{name}_mean"].notna().any()
        ]
        order = {spec.name: n for n, spec in enumerate(task.metrics)}
        return sorted(
            ((name, spec) for name, spec in found if spec.kind == kind),
            key=lambda pair: order[pair[1].name],
        )

    def section_runs(
        self, task: str, scale: str, variant: str = "", data: str = ""
    ) -> pd.DataFrame:
        """The records of one section."""
        return self.runs[_in_section(self.runs, (task, scale, variant, data))]


def _in_section(frame: pd.DataFrame, key: Section) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in zip(SECTION, key, strict=True):
        mask &= frame[column] == value
    return mask


def build_leaderboard(
    records: Iterable[RunRecord] | RunsTable,
    registry: Registry | None = None,
    all_versions: bool = False,
) -> Leaderboard:
    """Aggregate ``records`` (or their columns, :meth:`RecordStore.runs_table`); with a
    registry, add the paper's reported number where declared.

    With a registry, only records of the installed code count (see :mod:`harness.identity`):
    records of other code are left out and a note says how many, unless ``all_versions``, which
    keeps them as rows of their own, labelled with their code.
    """
    runs, configs = _runs_frame(records, registry)
    notes: tuple[str, ...] = ()
    tasks = dict(registry.tasks) if registry is not None else {}
    if registry is not None and not all_versions:
        runs, notes = _current_only(runs)
    if runs.empty:
        table = pd.DataFrame(columns=[*GROUP, "n_seeds"])
        return Leaderboard(table=table, runs=runs, notes=notes, tasks=tasks, configs=configs)
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
        current=("current", "all"),
    )
    table["n_seeds"] = grouped_ok.size().reindex(table.index, fill_value=0)
    table["failed"] = table["n_runs"] - table["n_seeds"]
    table["primary_mean"] = grouped_ok["primary_value"].mean().reindex(table.index)
    table["primary_std"] = grouped_ok["primary_value"].std(ddof=1).reindex(table.index)
    # every metric's columns joined at once (inserted one by one, they fragment the frame)
    columns: dict[str, pd.Series] = {}
    for col in metric_cols:
        name = col.removeprefix("metric:")
        columns[f"{name}_mean"] = grouped_ok[col].mean().reindex(table.index)
        columns[f"{name}_std"] = grouped_ok[col].std(ddof=1).reindex(table.index)
    columns["train_seconds_mean"] = grouped_ok["train_seconds"].mean().reindex(table.index)
    # mean over the seeds that measured it (records made before it was recorded have none)
    columns["cpu_seconds_mean"] = grouped_ok["cpu_seconds"].mean().reindex(table.index)
    table = pd.concat([table, pd.DataFrame(columns, index=table.index)], axis=1)
    table = table.reset_index()
    half = _t_quantile(table["n_seeds"]) * table["primary_std"] / np.sqrt(table["n_seeds"])
    # One seed says nothing about spread: no interval, and the row ties with every other row.
    half = half.where(table["n_seeds"] > 1, np.nan)
    table["ci95_low"] = table["primary_mean"] - half
    table["ci95_high"] = table["primary_mean"] + half
    table["rank"] = _ranks(table)
    table["label"] = _labels(table, configs)
    table["paper"] = [_paper_value(registry, row, configs) for row in table.itertuples()]
    ordered = [
        "task",
        "scale",
        "variant",
        "data",
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
        "code",
        "current",
        "runtime",
    ]
    rest = [c for c in table.columns if c not in ordered]
    board = Leaderboard(
        table=table[ordered + rest], runs=runs, notes=notes, tasks=tasks, configs=configs
    )
    if registry is None or not registry.claims:
        return board
    from harness.claims import evaluate_claims

    tested = [c for c in registry.claims.values() if c.task in set(runs["task"])]
    return dataclasses.replace(board, claims=tuple(evaluate_claims(board, tested)))


def _current_only(runs: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The records of the installed code, and the note that says how many others were left
    out."""
    kept = runs[runs["current"]].reset_index(drop=True)
    left_out = len(runs) - len(kept)
    if not left_out:
        return kept, ()
    return kept, (
        f"left out {left_out} of {len(runs)} records: run by other code than the installed "
        "plugins' (edited, upgraded, or no longer installed); `spectral-harness leaderboard "
        "--all-versions` shows them as rows of their own",
    )


class _CurrentCode:
    """The installed code identity of each (task, method), computed once per pair."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.known: dict[tuple[str, str], frozenset[str]] = {}
        self.labels: dict[tuple[str, str], str] = {}

    def hashes_of(self, task: str, method: str) -> frozenset[str]:
        """The code hashes a current record of ``task`` and ``method`` may carry: that of the
        installed code's import closure, and the legacy whole-package one (records made before
        closures); none when the plugins are not installed."""
        key = (task, method)
        if key not in self.known:
            self._identify(key)
        return self.known[key]

    def canonical(self, task: str, method: str) -> str:
        """The installed code's hash for ``task`` and ``method`` as the board labels it."""
        key = (task, method)
        if key not in self.known:
            self._identify(key)
        return self.labels[key]

    def _identify(self, key: tuple[str, str]) -> None:
        from harness.errors import UserError
        from harness.identity import code_hash, code_identity_of, legacy_code_identity_of

        try:
            specs = self.registry.check_pair(*key)
        except UserError:
            self.known[key], self.labels[key] = frozenset(), UNKNOWN_CODE
            return
        closure = code_hash(code_identity_of(self.registry, *specs))
        legacy = code_hash(legacy_code_identity_of(self.registry, *specs))
        self.known[key], self.labels[key] = frozenset((closure, legacy)), closure

    def is_current(self, task: str, method: str, code: str) -> bool:
        """Whether a record of ``task`` and ``method`` with code hash ``code`` (see
        :func:`harness.index.code_of`) was run by the installed code."""
        return code != UNKNOWN_CODE and code in self.hashes_of(task, method)


def _runs_frame(
    records: Iterable[RunRecord] | RunsTable, registry: Registry | None
) -> tuple[pd.DataFrame, dict[str, dict]]:
    """One row per record, and the config (``task``, ``method``, …) of each config hash.

    Built column by column (a list of 100k dicts is several times slower), from the records'
    index when given a :class:`~harness.index.RunsTable`.
    """
    table = records if isinstance(records, RunsTable) else table_of_records(records)
    columns = table.columns
    codes = list(columns["code"])
    if registry is None:
        current = [True] * len(codes)
    else:
        installed = _CurrentCode(registry)
        known: dict[tuple[str, str, str], bool] = {}
        current = []
        for row, key in enumerate(zip(columns["task"], columns["method"], codes, strict=True)):
            if key not in known:
                known[key] = installed.is_current(*key)
            current.append(known[key])
            if known[key]:  # a legacy identity of the installed code is that code
                codes[row] = installed.canonical(key[0], key[1])
    frame: dict[str, Any] = {
        name: columns[name] for name in (*BOARD_FIELDS, "primary_value", "data")
    }
    # unmeasured (None) is NaN, also where no record of the board measured it
    frame["cpu_seconds"] = np.asarray(columns["cpu_seconds"], dtype=float)
    frame["code"] = [code[:8] for code in codes]
    frame["current"] = current
    frame["runtime"] = columns["runtime"]
    metrics = {name: column for name, column in columns.items() if name.startswith("metric:")}
    return pd.DataFrame({**frame, **metrics}), table.configs


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
    from harness.numbers import t_quantile_975

    dof = (n - 1).clip(lower=1).to_numpy(dtype=float)
    return pd.Series(t_quantile_975(dof), index=n.index)


def _ranks(table: pd.DataFrame) -> pd.Series:
    """Rank = 1 + the number of rows whose whole 95 % CI is better than this row's.

    Rows whose intervals overlap share a rank, so a rank never claims more than the seeds show;
    a row with a single seed has no interval and overlaps everything. Rows without a successful
    seed are ranked last, and not at all when no row of the section has one. A section whose
    primary metric has no goal (it is no score) ranks nobody.
    """
    ranks = np.full(len(table), np.nan)
    goals = table["goal"].to_numpy()
    seeded = (table["n_seeds"] > 0).to_numpy()
    lows = table["ci95_low"].fillna(-np.inf).to_numpy(dtype=float)
    highs = table["ci95_high"].fillna(np.inf).to_numpy(dtype=float)
    for rows in table.groupby(SECTION, sort=False).indices.values():  # positions
        if goals[rows[0]] not in GOALS:
            continue
        valid, failed = rows[seeded[rows]], rows[~seeded[rows]]
        low, high = lows[valid], highs[valid]
        # better[i, j]: row j's whole interval is better than row i's
        if goals[rows[0]] == "max":
            better = low[None, :] > high[:, None]
        else:
            better = high[None, :] < low[:, None]
        ranks[valid] = 1 + better.sum(axis=1)
        if len(valid):  # a section where every row failed ranks nobody
            ranks[failed] = len(valid) + 1
    return pd.Series(ranks, index=table.index).astype("Int64")


def _labels(table: pd.DataFrame, configs: dict[str, dict]) -> pd.Series:
    """The method name; when a method has several configs in a section, followed by the method
    fields that tell them apart, ``spe (norm=layer)``, or by the config hash when no method
    field differs (``spe@3f2a1c``). Rows of a section that mixes runtimes say theirs
    (``[cuda+amp]``); rows of other code than the installed one say so (``[other code 1a2b]``)."""
    labels = table["method"].copy()
    by_method = table.groupby([*SECTION, "method"], sort=False)["config_hash"]
    several = by_method.transform("nunique") > 1
    for _, rows in table[several].groupby([*SECTION, "method"], sort=False):
        hashes = list(dict.fromkeys(rows["config_hash"]))
        method_configs = [configs.get(h, {}).get("method", {}) for h in hashes]
        by_hash = dict(zip(hashes, _differences(method_configs), strict=True))
        for idx, config_hash in zip(rows.index, rows["config_hash"], strict=True):
            method, difference = table.at[idx, "method"], by_hash[config_hash]
            labels[idx] = (
                f"{method} ({difference})" if difference else f"{method}@{config_hash[:6]}"
            )
    mixed = table.groupby(SECTION, sort=False)["runtime"].transform("nunique") > 1
    labels[mixed] += " [" + table.loc[mixed, "runtime"] + "]"
    older = ~table["current"].astype(bool)
    labels[older] += " [other code " + table.loc[older, "code"] + "]"
    codes = table.groupby([*SECTION, "method", "config_hash"], sort=False)["code"]
    current_of_several = (codes.transform("nunique") > 1) & ~older
    labels[current_of_several] += " [code " + table.loc[current_of_several, "code"] + "]"
    return labels


def _paper_value(registry: Registry | None, row: Any, configs: Mapping[str, dict]) -> float:
    """The paper's number for the row's primary metric under the row's task config."""
    if registry is None:
        return np.nan
    spec = registry.methods.get((row.slot, row.method))
    if spec is None or spec.paper is None:
        return np.nan
    task_config = configs.get(row.config_hash, {}).get("task", {})
    value = spec.paper.number(row.task, row.primary_metric, task_config)
    return np.nan if value is None else value
