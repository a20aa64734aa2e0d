"""The long-range synthetic tasks: answers correct by construction (an independent oracle that
reads only the prefix), no answer leaked at its own step, a loss that reads the scored steps
only, the chance levels, the deep STU, the tasks end to end at smoke scale, claims, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cell import identify
from harness.runner import TrainerOptions, make_cell, run_cell
from harness.testing import assert_refused
from spectral_harness_seq.contract import SeqProblem, check
from spectral_harness_seq.stu_stack import StuStack
from spectral_harness_seq.synthetics import (
    ADDING_CHANCE_MSE,
    SYNTHETIC_TASKS,
    Synthetic,
    adding,
    answer_from_prefix,
    associative_recall,
    induction_heads,
    selective_copy,
)
from spectral_harness_seq.synthetics_task import Scorer

ONE_THREAD = TrainerOptions(num_threads=1)


def _draw(task: str, n: int, length: int, size: int, seed: int) -> tuple[Synthetic, dict]:
    rng = np.random.default_rng(seed)
    if task == "selective_copy":
        copy_len = max(1, min(size, (length - 1) // 2))
        return selective_copy(n, length, size, copy_len, rng), {"n_symbols": size}
    if task == "adding":
        return adding(n, length, rng), {}
    if task == "induction_heads":
        return induction_heads(n, length, size + 1, rng), {"vocab": size + 1}
    return associative_recall(n, length, size, rng), {"n_keys": size}


@settings(max_examples=40, deadline=None)
@given(
    task=st.sampled_from(SYNTHETIC_TASKS),
    n=st.integers(1, 6),
    length=st.integers(8, 80),
    size=st.integers(2, 12),
    seed=st.integers(0, 2**31),
)
def test_every_scored_answer_follows_from_the_prefix_alone(task, n, length, size, seed):
    """Correct by construction and causal: the oracle, reading inputs up to and including a
    scored step (and nothing after it), gives that step's target."""
    data, sizes = _draw(task, n, length, size, seed)
    assert data.inputs.shape[:2] == data.targets.shape == data.mask.shape == (n, length)
    assert data.mask.any(axis=1).all()
    for row in range(n):
        for t in np.flatnonzero(data.mask[row]):
            expected = answer_from_prefix(task, data.inputs[row, : t + 1], **sizes)
            assert data.targets[row, t] == pytest.approx(expected, abs=1e-5)


@settings(max_examples=30, deadline=None)
@given(
    task=st.sampled_from(("selective_copy", "induction_heads", "associative_recall")),
    length=st.integers(8, 80),
    size=st.integers(2, 12),
    seed=st.integers(0, 2**31),
)
def test_no_scored_step_shows_its_answer_as_its_own_input(task, length, size, seed):
    data, _ = _draw(task, 8, length, size, seed)
    shown = data.inputs[data.mask]
    assert not np.any(shown == data.targets[data.mask])


def test_the_copy_task_scatters_the_symbols_over_the_whole_delay():
    length, copy_len = 256, 8
    data = selective_copy(500, length, 8, copy_len, np.random.default_rng(0))
    positions = np.argwhere(data.inputs[:, : length - copy_len - 1] < 8)[:, 1]
    assert positions.min() < 10 and positions.max() > length - copy_len - 12
    assert (data.mask.sum(axis=1) == copy_len).all()
    assert (data.inputs[:, length - copy_len - 1] == 9).all()  # the delimiter


def test_adding_marks_one_step_in_each_half():
    data = adding(200, 50, np.random.default_rng(1))
    markers = data.inputs[:, :, 1]
    assert (markers[:, :25].sum(1) == 1).all() and (markers[:, 25:].sum(1) == 1).all()


@pytest.mark.parametrize("task", SYNTHETIC_TASKS)
def test_chance_is_what_guessing_scores(task):
    """A uniform guess over the answers (a constant 1 for adding) scores the declared chance."""
    data, _ = _draw(task, 20000, 24, 8, 3)
    targets = data.targets[data.mask]
    if data.regression:
        assert data.chance == ADDING_CHANCE_MSE
        assert np.mean((targets - 1.0) ** 2) == pytest.approx(ADDING_CHANCE_MSE, rel=0.03)
        return
    answers = np.unique(targets)
    assert data.chance == pytest.approx(1.0 / len(answers))
    guesses = np.random.default_rng(4).choice(answers, size=targets.shape)
    assert np.mean(guesses == targets) == pytest.approx(data.chance, abs=0.015)


@pytest.mark.parametrize("task", SYNTHETIC_TASKS)
def test_the_loss_reads_the_scored_steps_only(task):
    """Changing the model's outputs or the targets at unscored steps leaves the loss as it is."""
    data, _ = _draw(task, 4, 20, 5, 0)
    scorer = Scorer(data, torch.device("cpu"))
    outputs = torch.randn(4, 20, data.classes)
    changed = torch.where(
        scorer.mask[:, :, None], outputs, outputs + 5.0 * torch.randn_like(outputs)
    )
    rows = torch.arange(4)
    loss = scorer.loss(lambda _: outputs, rows)
    assert scorer.loss(lambda _: changed, rows) == loss
    scorer.targets = torch.where(scorer.mask, scorer.targets, scorer.targets + 1)
    assert scorer.loss(lambda _: outputs, rows) == loss
    moved = outputs + scorer.mask[:, :, None] * torch.randn_like(outputs)
    assert scorer.loss(lambda _: moved, rows) != loss  # the scored steps do count


def test_stu_stack_is_causal_and_keeps_its_filters_fixed():
    model = StuStack(5, 3, 32, width=8, layers=2)
    check(model, SeqProblem(5, 3, 32))
    names = {name for name, _ in model.named_parameters()}
    assert not any(name.endswith("filters") for name in names)
    learned = StuStack(5, 3, 32, width=8, layers=2, learn_filters=True)
    assert any(name.endswith("filters") for name, _ in learned.named_parameters())


@pytest.mark.parametrize("task", SYNTHETIC_TASKS)
def test_smoke_cell_end_to_end(registry, settings, task):
    record = run_cell(
        make_cell(registry, task, "stu_stack", trainer=ONE_THREAD), registry, settings
    )
    assert record.status == "ok", record.error
    metrics = record.metrics
    primary = "mse" if task == "adding" else "accuracy"
    assert math.isfinite(metrics[primary]) and metrics["params"] > 0
    assert 0 < metrics["chance"] < 1 and record.data
    if task != "adding":
        assert 0 <= metrics["accuracy"] <= 1


def test_the_transformer_and_gru_run_on_the_token_tasks(registry, settings):
    for method in ("transformer", "gru", "ssm_stack"):
        cell = make_cell(registry, "selective_copy", method, trainer=ONE_THREAD)
        assert run_cell(cell, registry, settings).status == "ok"


def test_claims_name_registered_tasks_methods_and_lengths(registry):
    claims = {c.id: c for c in registry.claims.values() if c.task in SYNTHETIC_TASKS}
    assert len(claims) >= 8
    for claim in claims.values():
        assert claim.method in registry.methods_for_slot("sequence_model")
        if claim.method == "stu_stack":  # the paper's STU keeps its filters fixed
            assert claim.where["method.learn_filters"] is False
    cpu_lengths = {32, 64, 128}
    assert all(c.where.get("task.length", 32) in cpu_lengths for c in claims.values())


@pytest.mark.parametrize(
    ("task", "method", "task_overrides", "method_overrides", "match"),
    [
        ("selective_copy", "stu_stack", {"length": 4}, {}, None),
        ("adding", "stu_stack", {"length": 100000}, {}, None),
        ("induction_heads", "stu_stack", {"vocab": 2}, {}, None),
        ("associative_recall", "stu_stack", {"n_keys": 1}, {}, None),
        ("selective_copy", "stu_stack", {}, {"width": 0}, None),
        ("selective_copy", "stu_stack", {"length": 16, "copy_len": 8}, {}, "copy_len=8 needs"),
    ],
)
def test_bad_config_values_are_refused_in_one_line(
    registry, task, method, task_overrides, method_overrides, match
):
    assert_refused(
        task,
        method,
        task_overrides=task_overrides,
        method_overrides=method_overrides,
        match=match,
        registry=registry,
    )


@pytest.mark.parametrize("scale", ["cpu", "full"])
@pytest.mark.parametrize("task", SYNTHETIC_TASKS)
def test_every_scale_resolves_to_a_valid_config(registry, task, scale):
    resolved = identify(make_cell(registry, task, "stu_stack", scale=scale), registry)
    assert resolved.task_cfg.length >= 32 and resolved.task_cfg.steps >= 400
