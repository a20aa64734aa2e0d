"""Aggregation: seeds, mean ± std, t-based 95 % CI, ranks grouped by overlapping CIs, failures."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.leaderboard import build_leaderboard
from harness.records import RunRecord
from harness.render import render


def rec(method, seed, value, status="ok", task="t", goal="max", config_hash="c1"):
    metrics = {"acc": value, "time": 1.0} if status == "ok" else {}
    return RunRecord(
        run_id=f"{method}{seed}{config_hash}",
        task=task,
        method=method,
        slot="s",
        seed=seed,
        scale="cpu",
        status=status,
        config_hash=config_hash,
        metrics=metrics,
        primary_metric="acc",
        goal=goal,
    )


def test_statistics_and_failures():
    records = [rec("a", s, v) for s, v in enumerate([1.0, 2.0, 3.0])] + [rec("a", 3, 0, "failed")]
    row = build_leaderboard(records).table.iloc[0]
    assert row.n_seeds == 3 and row.failed == 1
    assert row.primary_mean == pytest.approx(2.0)
    assert row.primary_std == pytest.approx(1.0)
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t_{0.975, 2}
    assert (row.ci95_low, row.ci95_high) == pytest.approx((2 - half, 2 + half))


def test_cpu_seconds_are_averaged_over_the_seeds_that_measured_them():
    measured = [rec("a", s, 1.0) for s in range(3)]
    for record, cpu in zip(measured, (2.0, 4.0, None), strict=True):
        record.cpu_seconds = cpu  # the third record was made before CPU time was recorded
    failed = rec("a", 3, 0, "failed")
    failed.cpu_seconds = 100.0  # a failed seed's cost is not an ok seed's
    board = build_leaderboard([*measured, failed])
    assert board.table.iloc[0].cpu_seconds_mean == pytest.approx(3.0)
    assert "cpu s/seed (cost ↓)" in render(board, "md") and "| 3.000 |" in render(board, "md")
    unmeasured = build_leaderboard([rec("a", s, 1.0) for s in range(2)])
    assert math.isnan(unmeasured.table.iloc[0].cpu_seconds_mean)
    assert "cpu s" not in render(unmeasured, "md")


def test_overlapping_intervals_share_a_rank_and_separated_ones_do_not():
    records = (
        [rec("best", s, v) for s, v in enumerate([10.0, 10.1, 9.9])]
        + [rec("close", s, v) for s, v in enumerate([9.8, 10.0, 9.9])]
        + [rec("far", s, v) for s, v in enumerate([1.0, 1.1, 0.9])]
        + [rec("broken", 0, 0, "failed")]
    )
    table = build_leaderboard(records).table.set_index("method")
    assert table.loc["best", "rank"] == 1 and table.loc["close", "rank"] == 1
    assert table.loc["far", "rank"] == 3
    assert table.loc["broken", "rank"] == 4 and table.loc["broken", "n_seeds"] == 0


def test_goal_min_reverses_the_order():
    records = [rec("low", s, v, goal="min") for s, v in enumerate([1.0, 1.1])] + [
        rec("high", s, v, goal="min") for s, v in enumerate([5.0, 5.1])
    ]
    table = build_leaderboard(records).table.set_index("method")
    assert table.loc["low", "rank"] == 1 and table.loc["high", "rank"] == 2


def test_configs_are_never_mixed():
    records = [rec("a", 0, 1.0, config_hash="aaaaaaa1"), rec("a", 0, 5.0, config_hash="bbbbbbb2")]
    table = build_leaderboard(records).table
    assert len(table) == 2 and table["label"].str.startswith("a@").all()


def test_method_variants_are_labelled_by_the_fields_that_differ():
    records = []
    for norm, config_hash in (("batch", "h1"), ("layer", "h2")):
        for seed in range(2):
            record = rec("spe", seed, 1.0 + seed, config_hash=config_hash)
            record.config = {"method": {"name": "spe", "norm": norm, "k": None}, "task": {}}
            records.append(record)
    records.append(rec("none", 0, 2.0, config_hash="h3"))
    labels = sorted(build_leaderboard(records).table["label"])
    assert labels == ["none", "spe (norm=batch)", "spe (norm=layer)"]


def test_paper_column_comes_from_the_method_declaration(registry_with_plugins):
    from dataclasses import replace

    from harness.specs import PaperReference

    registry = registry_with_plugins
    key = ("inr_init", "winner")
    registry.methods[key] = replace(
        registry.methods[key], paper=PaperReference("p", reported={"t": {"acc": 42.0}})
    )
    records = [rec("winner", 0, 1.0), rec("siren", 0, 2.0)]
    for record in records:
        record.slot = "inr_init"
    board = build_leaderboard(records, registry, all_versions=True)  # task t has no code
    table = board.table.set_index("method")
    assert table.loc["winner", "paper"] == 42.0 and np.isnan(table.loc["siren", "paper"])


def test_renderers():
    records = [rec(m, s, v + s) for m, v in (("a", 1.0), ("b", 3.0)) for s in range(2)]
    board = build_leaderboard(records)
    csv = pd.read_csv(__import__("io").StringIO(render(board, "csv")))
    assert {"method", "n_seeds", "acc_mean", "acc_std", "rank", "ci95_low"} <= set(csv.columns)
    assert list(csv["n_seeds"]) == [2, 2]
    md = render(board, "md")
    assert md.count("\n| ") >= 3 and "acc ↑" in md
    html = render(board, "html")
    assert html.count("<img") == 1 and "data:image/png;base64," in html
    assert "rank" in render(board, "text")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.floats(-100, 100), min_size=1, max_size=5), min_size=1, max_size=6))
def test_rank_invariants(per_method):
    records = [
        rec(f"m{i}", s, v) for i, values in enumerate(per_method) for s, v in enumerate(values)
    ]
    table = build_leaderboard(records).table
    assert (table["rank"] >= 1).all() and (table["rank"] <= len(table)).all()
    best = table["primary_mean"].idxmax()
    assert table.loc[best, "rank"] == 1  # nothing's interval lies entirely above the best mean's
    with_ci = table[table["n_seeds"] > 1]
    assert (with_ci["ci95_low"] <= with_ci["primary_mean"] + 1e-9).all()
    assert table.loc[table["n_seeds"] == 1, "rank"].eq(1).all()  # one seed: no claim of order


def test_records_with_different_metrics_line_up():
    first_failed = rec("a", 0, 0, "failed")
    extra = rec("a", 2, 3.0)
    extra.metrics["only_here"] = 7.0
    runs = build_leaderboard([first_failed, rec("a", 1, 1.0), extra]).runs
    assert runs["metric:acc"].isna().tolist() == [True, False, False]
    assert runs["metric:only_here"].isna().tolist() == [True, True, False]
    assert runs["primary_value"].tolist()[1:] == [1.0, 3.0]


def test_each_task_config_is_its_own_section_and_ranks_stay_inside_it():
    records = []
    for dataset, offset in (("A", 0.0), ("B", 100.0)):
        for method, value in (("good", 10.0), ("bad", 1.0)):
            for seed in range(3):
                r = rec(method, seed, offset + value + 0.1 * seed, config_hash=f"{dataset}{method}")
                r.config = {"task": {"name": "t", "dataset": dataset, "epochs": 5}}
                records.append(r)
    board = build_leaderboard(records)
    assert board.sections() == [("t", "cpu", "dataset=A", ""), ("t", "cpu", "dataset=B", "")]
    for key in board.sections():
        section = board.section(*key).set_index("method")
        assert section.loc["good", "rank"] == 1 and section.loc["bad", "rank"] == 2
        assert len(board.section_runs(*key)) == 6
    assert "### t (scale=cpu, dataset=B) · acc ↑" in render(board, "md")


def test_a_non_finite_primary_is_a_failure_not_a_seed():
    records = [rec("a", 0, 1.0), rec("a", 1, float("nan")), rec("a", 2, float("inf"))]
    row = build_leaderboard(records).table.iloc[0]
    assert row.n_seeds == 1 and row.failed == 2 and row.primary_mean == 1.0


def test_a_section_where_every_row_failed_ranks_nobody():
    board = build_leaderboard([rec("a", 0, 0, "failed"), rec("b", 0, 0, "crashed")])
    assert board.table["rank"].isna().all()
    assert "—" in render(board, "text")


def test_a_reader_that_goes_away_is_not_a_traceback(isolated_dirs):
    import subprocess
    import sys

    from support import REPO

    from harness.records import RecordStore

    store = RecordStore(isolated_dirs / "runs")
    for seed in range(400):  # enough output to fill the pipe after `head` has gone
        store.save(rec(f"m{seed}", seed, float(seed)))
    shell = f"{sys.executable} -m harness leaderboard | head -1"
    result = subprocess.run(shell, shell=True, cwd=REPO, capture_output=True, text=True)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_json_format_has_every_row_with_missing_numbers_as_null():
    import json

    records = [rec("a", s, v) for s, v in enumerate([1.0, 2.0])] + [rec("b", 0, 3.0)]
    payload = json.loads(render(build_leaderboard(records), "json"))
    rows = {row["method"]: row for row in payload["rows"]}
    assert rows["a"]["n_seeds"] == 2 and rows["a"]["primary_mean"] == pytest.approx(1.5)
    assert rows["b"]["ci95_low"] is None  # one seed: no interval, null rather than NaN
    assert payload["claims"] == [] and payload["notes"] == []
