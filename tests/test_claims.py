"""Claims as data: declarations refused when malformed, verdicts with their CI on synthetic
records (a clear win, a tie, a clear loss, missing seeds, a failed run), and the CLI and board
that show them."""

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import Claim, MetricSpec, TaskConfig, TaskSpec, UserError, hookimpl
from harness.claims import evaluate_claim, evaluate_claims
from harness.leaderboard import build_leaderboard
from harness.plugins import Registry, build_plugin_manager
from harness.records import RunRecord
from harness.render import render, render_claims

TASK = TaskSpec(
    name="t",
    slot="s",
    config=TaskConfig,
    run="x:y",
    metrics=(
        MetricSpec("acc", "max"),
        MetricSpec("seconds", "min", kind="cost"),
        MetricSpec("best_step", kind="diagnostic"),
    ),
    primary="acc",
    scales={"cpu": {}},
)


def rec(method, seed, acc, status="ok", scale="cpu", task_cfg=None, method_cfg=None):
    config = {"task": task_cfg or {}, "method": method_cfg or {}}
    config_hash = (
        f"{method}-{sorted((task_cfg or {}).items())}-{sorted((method_cfg or {}).items())}"
    )
    return RunRecord(
        run_id=f"{method}{seed}{config_hash}{scale}",
        task="t",
        method=method,
        slot="s",
        seed=seed,
        scale=scale,
        status=status,
        config_hash=config_hash,
        metrics={"acc": acc, "seconds": 10.0 - acc, "best_step": 3.0} if status == "ok" else {},
        primary_metric="acc",
        goal="max",
        config=config,
    )


def board_of(records):
    return dataclasses.replace(build_leaderboard(records), tasks={"t": TASK})


def claim(**kw):
    base = {
        "id": "a-beats-b",
        "paper": "P",
        "statement": "a beats b",
        "task": "t",
        "metric": "acc",
        "method": "a",
        "baseline": "b",
    }
    return Claim(**{**base, **kw})


def only(results):
    assert len(results) == 1, results
    return results[0]


def test_a_clear_win_holds_with_the_paired_interval():
    records = [rec("a", s, 0.9 + 0.01 * s) for s in range(3)]
    records += [rec("b", s, 0.5 + 0.012 * s) for s in range(3)]
    result = only(evaluate_claim(board_of(records), claim()))
    assert result.verdict == "holds" and result.n_seeds == 3
    diffs = [0.4, 0.398, 0.396]
    assert result.estimate == pytest.approx(sum(diffs) / 3)
    half = 4.302652729911275 * 0.002 / math.sqrt(3)  # t_{0.975, 2} · sd / √n
    assert (result.ci95_low, result.ci95_high) == pytest.approx(
        (result.estimate - half, result.estimate + half)
    )
    assert result.method_mean == pytest.approx(0.91) and result.baseline_mean == pytest.approx(
        0.512
    )


def test_several_baselines_are_beaten_only_when_the_best_of_them_is_seed_by_seed():
    """b wins seeds 0 and 1, c wins seed 2: a beats each of them on average, but the claim is
    about the best of them per seed, which a beats on every seed by 0.01 only."""
    records = [rec("a", s, 0.90) for s in range(3)]
    records += [rec("b", s, v) for s, v in enumerate([0.89, 0.89, 0.50])]
    records += [rec("c", s, v) for s, v in enumerate([0.50, 0.50, 0.89])]
    records += [rec("d", s, 0.95) for s in range(2)]  # ran two seeds only
    board = board_of(records)
    result = only(evaluate_claim(board, claim(baseline=("b", "c"))))
    assert result.verdict == "holds" and result.n_seeds == 3
    assert result.estimate == pytest.approx(0.01)
    assert result.baseline_mean == pytest.approx(0.89)
    assert result.as_row()["baseline"] == "b, c"
    assert only(evaluate_claim(board, claim(baseline=["b", "c"], margin=0.05))).verdict == (
        "refuted"
    )
    with_d = only(evaluate_claim(board, claim(baseline=("b", "d"))))
    assert with_d.verdict == "refuted" and with_d.n_seeds == 2  # seeds every baseline ran
    missing = only(evaluate_claim(board, claim(baseline=("b", "zz"))))
    assert missing.verdict == "not run" and "'zz'" in missing.reason


def test_several_baselines_refuse_an_ambiguous_config():
    records = [rec("a", s, 0.9) for s in range(2)]
    records += [rec("b", s, 0.5, method_cfg={"k": k}) for s in range(2) for k in (1, 2)]
    records += [rec("c", s, 0.5) for s in range(2)]
    result = only(evaluate_claim(board_of(records), claim(baseline=("b", "c"))))
    assert result.verdict == "not run" and "baseline_where" in result.reason


def test_a_tie_is_inconclusive_for_better_and_holds_for_not_worse_within_a_margin():
    records = [rec("a", s, v) for s, v in enumerate([0.80, 0.82, 0.79])]
    records += [rec("b", s, v) for s, v in enumerate([0.81, 0.80, 0.80])]
    board = board_of(records)
    assert only(evaluate_claim(board, claim())).verdict == "inconclusive"
    matches = claim(expect="not_worse", margin=0.05)
    assert only(evaluate_claim(board, matches)).verdict == "holds"


def test_a_clear_loss_refutes():
    records = [rec("a", s, 0.5 + 0.01 * s) for s in range(3)]
    records += [rec("b", s, 0.9 - 0.01 * s) for s in range(3)]
    result = only(evaluate_claim(board_of(records), claim()))
    assert result.verdict == "refuted" and result.ci95_high < 0


def test_a_margin_the_win_does_not_reach_refutes_it():
    records = [rec("a", s, 0.6 + 0.001 * s) for s in range(3)]
    records += [rec("b", s, 0.5) for s in range(3)]
    assert only(evaluate_claim(board_of(records), claim(margin=0.5))).verdict == "refuted"


def test_a_cost_is_better_when_cheaper():
    # seconds = 10 - acc: the method with the higher accuracy is also the cheaper one
    records = [rec("a", s, 0.9 + 0.01 * s) for s in range(3)]
    records += [rec("b", s, 0.5 + 0.02 * s) for s in range(3)]
    assert only(evaluate_claim(board_of(records), claim(metric="seconds"))).verdict == "holds"


def test_only_seeds_both_methods_ran_are_paired():
    records = [rec("a", s, 0.9) for s in range(3)] + [rec("b", 0, 0.5), rec("b", 1, 0.51)]
    result = only(evaluate_claim(board_of(records), claim()))
    assert result.n_seeds == 2


def test_one_seed_has_no_interval_and_is_inconclusive():
    result = only(evaluate_claim(board_of([rec("a", 0, 0.9), rec("b", 0, 0.1)]), claim()))
    assert result.verdict == "inconclusive" and math.isnan(result.ci95_low)
    assert "one seed" in result.reason


def test_failed_runs_do_not_count_as_seeds():
    records = [rec("a", s, 0.9 + 0.01 * s) for s in range(3)] + [rec("a", 3, 0, "failed")]
    records += [rec("b", s, 0.5 + 0.01 * s) for s in range(4)]
    result = only(evaluate_claim(board_of(records), claim()))
    assert result.n_seeds == 3 and result.verdict == "holds"


def test_claims_without_records_are_not_run_with_the_reason():
    board = board_of([rec("a", s, 0.9) for s in range(3)])
    result = only(evaluate_claim(board, claim()))
    assert result.verdict == "not run" and "baseline 'b'" in result.reason
    other = only(evaluate_claim(board, claim(task="elsewhere")))
    assert other.verdict == "not run" and "task 'elsewhere'" in other.reason
    failed = board_of([rec("a", 0, 0, "failed"), rec("b", 0, 0.5)])
    assert only(evaluate_claim(failed, claim())).verdict == "not run"


@pytest.mark.parametrize(
    ("expect", "value", "tolerance", "verdict"),
    [
        ("at_least", 0.85, None, "holds"),
        ("at_least", 0.95, None, "refuted"),
        ("at_least", 0.905, None, "inconclusive"),
        ("at_most", 0.95, None, "holds"),
        ("at_most", 0.85, None, "refuted"),
        ("within", 0.9, 0.05, "holds"),
        ("within", 0.5, 0.05, "refuted"),
        ("within", 0.93, 0.025, "inconclusive"),
    ],
)
def test_value_claims_compare_the_method_mean_interval(expect, value, tolerance, verdict):
    records = [rec("a", s, v) for s, v in enumerate([0.89, 0.90, 0.91])]
    c = claim(expect=expect, value=value, tolerance=tolerance, baseline=None)
    assert only(evaluate_claim(board_of(records), c)).verdict == verdict


def test_where_and_scale_pick_sections_and_configs():
    records = [rec("a", s, 0.9, task_cfg={"dataset": "X"}) for s in range(2)]
    records += [rec("b", s, 0.1 + 0.01 * s, task_cfg={"dataset": "X"}) for s in range(2)]
    records += [rec("a", s, 0.1, task_cfg={"dataset": "Y"}) for s in range(2)]
    records += [rec("b", s, 0.9 + 0.01 * s, task_cfg={"dataset": "Y"}) for s in range(2)]
    board = board_of(records)
    both = evaluate_claim(board, claim())
    assert sorted(r.verdict for r in both) == ["holds", "refuted"]
    on_x = only(evaluate_claim(board, claim(where={"task.dataset": "X"})))
    assert on_x.verdict == "holds" and on_x.section[2] == "dataset=X"
    assert only(evaluate_claim(board, claim(scale="full"))).verdict == "not run"


def test_an_ablation_compares_two_configs_of_one_method():
    records = [rec("a", s, 0.9 + 0.01 * s, method_cfg={"variant": "ours"}) for s in range(3)]
    records += [rec("a", s, 0.1 + 0.02 * s, method_cfg={"variant": "reference"}) for s in range(3)]
    ablation = claim(
        baseline="a",
        where={"method.variant": "ours"},
        baseline_where={"method.variant": "reference"},
    )
    result = only(evaluate_claim(board_of(records), ablation))
    assert result.verdict == "holds" and result.n_seeds == 3


def test_method_where_picks_one_config_of_the_method():
    records = [rec("a", s, 0.9 + 0.01 * s, method_cfg={"variant": "ours"}) for s in range(3)]
    records += [rec("a", s, 0.1 + 0.01 * s, method_cfg={"variant": "reference"}) for s in range(3)]
    records += [rec("b", s, 0.5 + 0.02 * s) for s in range(3)]
    board = board_of(records)
    assert len(evaluate_claim(board, claim())) == 2  # one result per config of the method
    ref = only(evaluate_claim(board, claim(where={"method.variant": "reference"})))
    assert ref.verdict == "refuted"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=8),
    st.floats(-3, 3, allow_nan=False),
)
def test_swapping_method_and_baseline_mirrors_the_interval(baseline, shift):
    records = [rec("a", s, v + shift) for s, v in enumerate(baseline)]
    records += [rec("b", s, v) for s, v in enumerate(baseline)]
    board = board_of(records)
    forward = only(evaluate_claim(board, claim()))
    backward = only(evaluate_claim(board, claim(method="b", baseline="a")))
    assert forward.estimate == pytest.approx(-backward.estimate, abs=1e-9)
    assert forward.ci95_low == pytest.approx(-backward.ci95_high, abs=1e-9)
    # the verdicts of a claim and its mirror never both hold
    assert not (forward.verdict == "holds" and backward.verdict == "holds")


@pytest.mark.parametrize(
    ("kw", "problem"),
    [
        ({"id": "two words"}, "id"),
        ({"expect": "huge"}, "expect"),
        ({"baseline": None}, "baseline"),
        ({"baseline": "a"}, "another method"),
        ({"baseline": ("b", "a")}, "another method"),
        ({"expect": "at_least", "value": 1.0}, "not with a baseline"),
        ({"expect": "at_least", "baseline": None}, "needs a value"),
        ({"expect": "within", "value": 1.0, "baseline": None}, "tolerance"),
        ({"margin": -1.0}, "margin"),
        ({"where": {"dataset": "X"}}, "'task.' or 'method.'"),
    ],
)
def test_a_malformed_claim_is_refused_in_one_line(kw, problem):
    with pytest.raises(UserError, match=problem):
        claim(**kw)


class ClaimPlugin:
    """A plugin declaring a good claim, one about an undeclared metric and one comparing on a
    diagnostic."""

    @hookimpl
    def spectral_harness_register_slots(self):
        from harness import SlotSpec

        return [SlotSpec("s", "slot", problem="p", component="c")]

    @hookimpl
    def spectral_harness_register_tasks(self):
        return [TASK]

    @hookimpl
    def spectral_harness_register_claims(self):
        return [
            claim(),
            claim(id="typo", metric="accuracy"),
            claim(id="diag", metric="best_step"),
            claim(id="elsewhere", task="not_installed"),
        ]


def test_the_registry_keeps_good_claims_and_drops_unjudgeable_ones_with_one_line(capsys):
    registry = Registry.from_plugin_manager(build_plugin_manager([ClaimPlugin()]))
    assert {"a-beats-b", "elsewhere"} <= set(registry.claims)
    assert "typo" not in registry.claims and "diag" not in registry.claims
    err = capsys.readouterr().err
    assert "claim 'typo' is about metric 'accuracy'" in err
    assert "claim 'diag' compares methods on 'best_step'" in err


def test_the_board_shows_verdicts_under_their_section_and_claims_render_as_tables():
    records = [rec("a", s, 0.9 + 0.01 * s) for s in range(3)]
    records += [rec("b", s, 0.5 + 0.012 * s) for s in range(3)]
    board = board_of(records)
    results = evaluate_claims(board, [claim()])
    board = dataclasses.replace(board, claims=tuple(results))
    text = render(board, "text")
    assert "claim a-beats-b: holds (Δ = 0.398, 95% CI [" in text
    assert "**holds**" in render(board, "md")
    assert "<strong>holds</strong>" in render(board, "html")
    csv = render_claims(results, "csv")
    assert csv.splitlines()[0].startswith("claim,paper,source,statement,task,scale")
    assert '"verdict": "holds"' in render_claims(results, "json")


def test_the_claims_command_lists_claims_of_tasks_with_records_here(tmp_path, monkeypatch, capsys):
    from harness.cli import _claims
    from harness.records import RecordStore

    registry = Registry.from_plugin_manager(build_plugin_manager([ClaimPlugin()]))
    monkeypatch.setenv("HARNESS_RESULTS_DIR", str(tmp_path))
    capsys.readouterr()
    assert _claims(registry, None, "csv", None) == 0
    out, err = capsys.readouterr()
    assert "a-beats-b" not in out and "claim(s) about tasks without records" in err
    RecordStore(tmp_path / "runs").save(rec("a", 0, 0.9))
    assert _claims(registry, None, "csv", None) == 0
    out, err = capsys.readouterr()
    assert "a-beats-b" in out and "elsewhere" not in out
    assert _claims(registry, None, "csv", None, show_all=True) == 0
    assert "elsewhere" in capsys.readouterr().out


def test_a_paper_number_can_be_keyed_by_the_task_config():
    from harness import PaperReference

    paper = PaperReference(
        "P",
        reported={
            "node": {"acc": 83.3},
            "node[dataset=CiteSeer]": {"acc": 71.2},
            "node[dataset=CiteSeer, split=public]": {"acc": 72.0},
        },
    )
    assert paper.number("node", "acc", {"dataset": "Cora"}) == 83.3
    assert paper.number("node", "acc", {"dataset": "CiteSeer"}) == 71.2
    assert paper.number("node", "acc", {"dataset": "CiteSeer", "split": "public"}) == 72.0
    assert paper.number("node", "f1", {"dataset": "Cora"}) is None
    assert paper.number("graph", "acc", {}) is None
    with pytest.raises(UserError, match="is not field=value"):
        PaperReference("P", reported={"node[dataset]": {"acc": 1.0}})
