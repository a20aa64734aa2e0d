"""The board reads metric kinds: only a score is ranked, costs stand beside it with the direction
in which they are cheaper, diagnostics never carry a goal; the CSV keeps every metric."""

import io
from dataclasses import replace

import pandas as pd
import pytest

from harness import MetricSpec, TaskConfig, TaskSpec
from harness.leaderboard import build_leaderboard
from harness.records import RunRecord
from harness.render import render

ARROWS = ("↑", "↓")
TASK = TaskSpec(
    name="t",
    slot="inr_init",
    config=TaskConfig,
    run="m:f",
    metrics=(
        MetricSpec("acc", "max", "accuracy"),
        MetricSpec("params", "min", "parameters", kind="cost"),
        MetricSpec("steps_per_s", "max", "throughput", "1/s", kind="cost"),
        MetricSpec("best_step", description="step of the restored model", kind="diagnostic"),
    ),
    primary="acc",
    scales={},
)


def rec(method, seed, acc, goal="max"):
    return RunRecord(
        run_id=f"{method}{seed}",
        task="t",
        method=method,
        slot="inr_init",
        seed=seed,
        scale="cpu",
        status="ok",
        config_hash="c1",
        # not in the order the task declares them: the board follows the declaration
        metrics={"acc": acc, "steps_per_s": 5.0, "params": 1234.0, "best_step": 7.0, "odd": 1.0},
        primary_metric="acc",
        goal=goal,
    )


RECORDS = [rec(m, s, v + s / 10) for m, v in (("a", 1.0), ("b", 3.0)) for s in range(3)]


@pytest.fixture
def board(registry):
    with_task = replace(registry, tasks={**registry.tasks, "t": TASK})
    return build_leaderboard(RECORDS, with_task, all_versions=True)  # task t has no code


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_costs_stand_beside_the_score_with_the_direction_that_is_cheaper(board, fmt):
    page = render(board, fmt)
    assert "params (cost ↓)" in page and "steps_per_s (cost ↑)" in page
    assert page.index("params (cost ↓)") < page.index("steps_per_s (cost ↑)")  # declared order


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_diagnostics_and_undeclared_metrics_are_never_shown_with_a_goal(board, fmt):
    page = render(board, fmt)
    assert "best_step" not in page and "odd" not in page
    arrows = sum(page.count(arrow) for arrow in ARROWS)
    titles = 2 if fmt == "html" else 1  # the html page names the section twice (heading, plot)
    assert arrows == titles + 2  # the score's title and the two costs


def test_a_section_whose_primary_has_no_goal_ranks_nobody():
    board = build_leaderboard(
        [rec(m, s, v + s / 10, goal="") for m, v in (("a", 1.0), ("b", 3.0)) for s in range(3)]
    )
    assert board.table["rank"].isna().all()


def test_the_csv_keeps_every_metric_mean_and_std(board):
    csv = pd.read_csv(io.StringIO(render(board, "csv")))
    for name in ("acc", "params", "steps_per_s", "best_step", "odd"):
        assert {f"{name}_mean", f"{name}_std"} <= set(csv.columns)


def test_a_board_without_the_task_declarations_shows_no_cost_columns():
    page = render(build_leaderboard(RECORDS), "md")
    assert "cost" not in page and "best_step" not in page


def test_a_family_of_costs_lines_up_in_the_order_of_the_records(registry):
    family = replace(
        TASK, metrics=(*TASK.metrics, MetricSpec("seconds_{part}", "min", kind="cost"))
    )
    records = [
        replace(r, metrics={**r.metrics, "seconds_fit": 2.0, "seconds_eval": 1.0}) for r in RECORDS
    ]
    board = build_leaderboard(records, replace(registry, tasks={"t": family}), all_versions=True)
    key = board.sections()[0]
    assert [name for name, _ in board.metrics_of_kind(key, "cost")] == [
        "params",
        "steps_per_s",
        "seconds_fit",
        "seconds_eval",
    ]
    assert [name for name, _ in board.metrics_of_kind(key, "diagnostic")] == ["best_step"]


SCORED = replace(
    TASK,
    metrics=(
        *TASK.metrics[:1],
        MetricSpec("acc_val", "max", "validation accuracy"),
        MetricSpec("loss", "min", "test loss"),
        *TASK.metrics[1:],
    ),
)


def _shown(board, metrics: str) -> list[str]:
    return [name for name, _ in replace(board, shown=metrics).shown_metrics(board.sections()[0])]


def test_the_tables_show_secondary_scores_or_diagnostics_on_request(registry):
    records = [
        replace(r, metrics={**r.metrics, "acc_val": 0.5, "loss": 0.1, "probe/top": 3.0})
        for r in RECORDS
    ]
    with_task = replace(registry, tasks={**registry.tasks, "t": SCORED})
    board = build_leaderboard(records, with_task, all_versions=True)
    assert _shown(board, "costs") == ["params", "steps_per_s"]
    assert _shown(board, "scores") == ["acc_val", "loss", "params", "steps_per_s"]
    # undeclared metrics (a probe's <probe>/<metric>, a slip) are diagnostics: no direction
    assert _shown(board, "diagnostics") == ["best_step", "odd", "probe/top"]
    assert _shown(board, "all") == [*_shown(board, "scores"), *_shown(board, "diagnostics")]
    page = render(replace(board, shown="all"), "md")
    header = next(line for line in page.splitlines() if line.startswith("| rank"))
    assert header.endswith(
        "| acc_val ↑ | loss ↓ | params (cost ↓) | steps_per_s (cost ↑) | best_step | odd "
        "| probe/top |"
    )
    assert render(board, "md") == render(replace(board, shown="costs"), "md")


def test_the_cli_board_takes_the_metrics_to_show(registry, tmp_path, monkeypatch, capsys):
    from harness.cli import main
    from harness.records import RecordStore

    store = RecordStore(tmp_path / "results" / "runs")
    monkeypatch.setenv("HARNESS_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setattr(
        "harness.plugins.get_registry",
        lambda: replace(registry, tasks={**registry.tasks, "t": SCORED}),
    )
    for record in RECORDS:
        store.save(record)
    assert main(["leaderboard", "--all-versions", "--metrics", "diagnostics"]) == 0
    out = capsys.readouterr().out
    assert "best_step" in out and "odd" in out and "params (cost" not in out


def test_many_metrics_do_not_fragment_the_board(recwarn):
    many = [
        replace(r, metrics={**r.metrics, **{f"m{k}": float(k) for k in range(150)}})
        for r in RECORDS
    ]
    board = build_leaderboard(many)
    assert "m149_std" in board.table
    assert not [w for w in recwarn if issubclass(w.category, pd.errors.PerformanceWarning)]
