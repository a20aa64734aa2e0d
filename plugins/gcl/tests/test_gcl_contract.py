"""The ``graph_augment`` slot contract: every real augmentor passes its probe (on tiny graphs and
on the problems both gcl tasks build at every scale; smoke: tests/test_conformance.py), broken
augmentors fail it with one line naming what was expected and what came back, the probe leaves
the global generators alone, and a broken method is a failed cell. Also the ranges of the gcl task
and method configs (their presets: tests/test_conformance.py)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from harness import MethodConfig
from harness.config import apply_scale
from harness.plugins import Registry, get_registry
from harness.runner import TrainerOptions
from harness.specs import resolve
from harness.testing import (
    assert_contract_error,
    assert_failed_record,
    assert_refused,
    broken_method_record,
    build_on_task,
)
from spectral_harness_gcl.augment import Augmentor, AugProblem, View, drop_edges
from spectral_harness_gcl.contract import SLOT_SPEC, check, probe_views
from spectral_harness_gcl.data import Graph, canonical_pairs

METHODS = ("span", "edge_drop", "edge_add", "node_drop", "feature_mask", "identity")
TASKS = ("gcl_graph", "gcl_node")
NAN = float("nan")


def _graph(n: int, edges: list[tuple[int, int]], width: int = 3) -> Graph:
    x = np.eye(width, dtype=np.float32)[np.arange(n) % width]
    return Graph(pairs=canonical_pairs(np.array(edges).T, n), num_nodes=n, x=x)


def _ring(n: int) -> list[tuple[int, int]]:
    return [(i, (i + 1) % n) for i in range(n)]


def _problem(level: str = "graph", cache_dir: Path = Path("unused")) -> AugProblem:
    """Fresh tiny graphs: at graph level the smallest (index 0) is a triangle with a tail of 4
    nodes and 4 edges, the largest a 6-ring; at node level one 12-ring with two chords."""
    if level == "graph":
        graphs = [
            _graph(4, [(0, 1), (1, 2), (0, 2), (2, 3)]),
            _graph(6, _ring(6)),
            _graph(5, [(0, 1), (1, 2), (2, 3), (3, 4)]),
        ]
    else:
        graphs = [_graph(12, [*_ring(12), (0, 6), (3, 9)])]
    return AugProblem(level=level, graphs=graphs, cache_dir=cache_dir)


def _build(registry: Registry, method: str, problem: AugProblem, scale: str = "smoke", **kw):
    spec = registry.method(method, SLOT_SPEC.name)
    cfg = apply_scale(spec, spec.config(name=method, **kw), scale)
    return resolve(spec.build)(cfg, problem)


def test_the_slot_is_registered_with_this_contract(registry):
    assert registry.slots["graph_augment"] is SLOT_SPEC
    assert resolve(SLOT_SPEC.check) is check
    assert {registry.task(t).slot for t in TASKS} == {"graph_augment"}
    assert set(registry.methods_for_slot(SLOT_SPEC.name)) == set(METHODS)


@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize("scale", ["cpu", "full"])
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("method", METHODS)
def test_every_method_passes_the_check_at_every_scale(registry, settings, method, task, scale):
    build_on_task(task, method, scale=scale, registry=registry, settings=settings)


@pytest.mark.parametrize("level", ["graph", "node"])
@pytest.mark.parametrize(
    ("method", "overrides"),
    [
        ("edge_drop", {}),
        ("edge_drop", {"p1": 0.0, "p2": 1.0}),
        ("edge_add", {}),
        ("edge_add", {"p1": 0.0, "p2": 40.0}),  # more than the free pairs: the graph fills up
        ("node_drop", {}),
        ("node_drop", {"p1": 0.0, "p2": 1.0}),  # keeps one node
        ("feature_mask", {}),
        ("identity", {}),
    ],
)
def test_every_method_passes_on_tiny_graphs(registry, method, overrides, level):
    problem = _problem(level)
    check(_build(registry, method, problem, **overrides), problem)


def test_span_is_checked_without_its_precompute_and_its_views_conform(registry, tmp_path):
    problem = _problem("graph", tmp_path)
    component = _build(registry, "span", problem, iterations=2)
    check(component, problem)
    assert component.deltas == {} and not any(tmp_path.iterdir())
    component.prepare()
    for g in range(len(problem.graphs)):
        probe_views(component, problem, g)


def test_the_check_leaves_the_global_generators_untouched(registry):
    problem = _problem("node")
    states = torch.get_rng_state(), np.random.get_state(), random.getstate()
    check(_build(registry, "edge_drop", problem), problem)
    _assert_states(states)


def _assert_states(states: tuple[Any, Any, Any]) -> None:
    torch_state, numpy_state, python_state = states
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert all(
        np.array_equal(a, b) for a, b in zip(np.random.get_state(), numpy_state, strict=True)
    )
    assert random.getstate() == python_state


class _Views(Augmentor):
    """A stand-in for a broken method: views from ``draw(problem, g, rng)``."""

    def __init__(self, problem: AugProblem, draw: Callable[[AugProblem, int, Any], Any]) -> None:
        super().__init__(problem)
        self.draw = draw

    def views(self, g: int, rng: np.random.Generator) -> Any:
        return self.draw(self.problem, g, rng)


# The slot's probe refuses (component, problem) in one line holding every fragment.
_probe_refuses = partial(assert_contract_error, SLOT_SPEC.name, registry=get_registry())


def _both(view: Callable[[Graph], View]) -> Callable[[AugProblem, int, Any], tuple[View, View]]:
    """A draw whose two views are ``view(graph)``."""
    return lambda problem, g, rng: (view(problem.graphs[g]), view(problem.graphs[g]))


def _extra(pairs: np.ndarray, *columns: tuple[int, int]) -> np.ndarray:
    return np.concatenate([pairs, np.array(columns, dtype=np.int64).T], axis=1)


def _keep(n: int, dropped: tuple[int, ...] = ()) -> np.ndarray:
    keep = np.ones(n, dtype=bool)
    keep[list(dropped)] = False
    return keep


VIEW_0 = "view 1 of graph 0 (4 nodes)"


@pytest.mark.parametrize(
    ("draw", "fragments"),
    [
        (
            lambda p, g, rng: View(p.graphs[g].pairs),
            [
                "views(0, rng) returned a View",
                "expected a tuple of two spectral_harness_gcl.augment.View",
            ],
        ),
        (lambda p, g, rng: (View(p.graphs[g].pairs),), ["returned 1 views, expected 2"]),
        (lambda p, g, rng: (View(p.graphs[g].pairs),) * 3, ["returned 3 views, expected 2"]),
        (
            lambda p, g, rng: (p.graphs[g].pairs, p.graphs[g].pairs),
            [f"{VIEW_0} is a ndarray", "expected a spectral_harness_gcl.augment.View"],
        ),
        (
            _both(lambda graph: View(torch.from_numpy(graph.pairs))),
            [f"{VIEW_0}: pairs is a Tensor", "expected an int64 NumPy array (2, M)"],
        ),
        (
            _both(lambda graph: View(graph.pairs.astype(np.int32))),
            [f"{VIEW_0}: pairs dtype int32", "expected int64"],
        ),
        (
            _both(lambda graph: View(graph.pairs.T)),
            [f"{VIEW_0}: pairs shape (4, 2)", "expected (2, M)"],
        ),
        (
            _both(lambda graph: View(_extra(graph.pairs, (0, 4)))),
            [f"{VIEW_0}: pairs hold node ids 0..4", "expected ids in 0..3"],
        ),
        (
            _both(lambda graph: View(graph.pairs - 1)),
            ["pairs hold node ids -1..2", "expected ids in 0..3"],
        ),
        (
            _both(lambda graph: View(graph.pairs[::-1])),
            ["4 of 4 pairs have i >= j", "expected i < j (undirected, no self-loops)"],
        ),
        (
            _both(lambda graph: View(_extra(graph.pairs, (1, 1)))),
            ["1 of 5 pairs have i >= j", "expected i < j"],
        ),
        (
            _both(lambda graph: View(_extra(graph.pairs, (0, 1)))),
            ["1 duplicate pairs", "expected each undirected edge once"],
        ),
        (
            _both(lambda graph: View(graph.pairs, np.arange(graph.num_nodes))),
            [f"{VIEW_0}: keep dtype int64", "expected bool"],
        ),
        (
            _both(lambda graph: View(graph.pairs, [True] * graph.num_nodes)),
            ["keep is a list", "expected None or a bool NumPy array (4,)"],
        ),
        (
            _both(lambda graph: View(graph.pairs, _keep(graph.num_nodes + 1))),
            ["keep shape (5,)", "expected (4,) = (num_nodes,)"],
        ),
        (
            _both(lambda graph: View(graph.pairs[:, :0], _keep(4, (0, 1, 2, 3)))),
            ["keep drops all 4 nodes", "expected at least one kept"],
        ),
        (
            _both(lambda graph: View(graph.pairs, _keep(graph.num_nodes, (0,)))),
            ["2 edges touch dropped nodes", "expected edges between kept nodes only"],
        ),
    ],
)
def test_malformed_views_are_named(draw, fragments):
    problem = _problem()
    _probe_refuses(_Views(problem, draw), problem, *fragments)


def _identity(problem: AugProblem, g: int) -> tuple[View, View]:
    return View(problem.graphs[g].pairs), View(problem.graphs[g].pairs)


def _nan_features(problem: AugProblem, g: int, rng: Any) -> tuple[View, View]:
    problem.graphs[g].x[0, 0] = NAN
    return _identity(problem, g)


def _wider_features(problem: AugProblem, g: int, rng: Any) -> tuple[View, View]:
    graph = problem.graphs[g]
    object.__setattr__(graph, "x", np.zeros((graph.num_nodes, 5), np.float32))
    return _identity(problem, g)


def _double_features(problem: AugProblem, g: int, rng: Any) -> tuple[View, View]:
    object.__setattr__(problem.graphs[g], "x", problem.graphs[g].x.astype(np.float64))
    return _identity(problem, g)


def _scaled_features(problem: AugProblem, g: int, rng: Any) -> tuple[View, View]:
    problem.graphs[g].x[:] = 2 * problem.graphs[g].x
    return _identity(problem, g)


def _rolled_pairs(problem: AugProblem, g: int, rng: Any) -> tuple[View, View]:
    problem.graphs[g].pairs[:] = np.roll(problem.graphs[g].pairs, 1, axis=1)
    return _identity(problem, g)


def _replaced_graph(problem: AugProblem, g: int, rng: Any) -> tuple[View, View]:
    problem.graphs[g] = dataclasses.replace(problem.graphs[g])
    return _identity(problem, g)


@pytest.mark.parametrize(
    ("draw", "fragments"),
    [
        (
            _nan_features,
            ["views left 1 non-finite values in problem.graphs[0].x", "expected the input"],
        ),
        (
            _wider_features,
            ["problem.graphs[0].x from float32 (4, 3) to float32 (4, 5)", "expected the input"],
        ),
        (_double_features, ["x from float32 (4, 3) to float64 (4, 3)"]),
        (_scaled_features, ["views changed 4 values of problem.graphs[0].x in place"]),
        (_rolled_pairs, ["values of problem.graphs[0].pairs in place"]),
        (_replaced_graph, ["views replaced problem.graphs[0]", "expected the input untouched"]),
    ],
)
def test_views_that_change_the_input_graph_fail(draw, fragments):
    problem = _problem()
    _probe_refuses(_Views(problem, draw), problem, *fragments)


def test_views_must_come_from_rng_alone():
    problem = _problem()
    calls = iter(range(100))

    def alternating(problem: AugProblem, g: int, rng: Any) -> tuple[View, View]:
        pairs = problem.graphs[g].pairs
        return View(pairs[:, next(calls) % 2 :]), View(pairs)

    _probe_refuses(
        _Views(problem, alternating),
        problem,
        "views(0, rng) differ between two generators seeded alike",
        "expected views drawn from rng alone",
    )


def test_global_draws_fail_and_leave_the_global_generators_untouched():
    problem = AugProblem("node", [_graph(64, _ring(64))], Path("unused"))

    def global_draws(problem: AugProblem, g: int, rng: Any) -> tuple[View, View]:
        pairs = problem.graphs[g].pairs
        torch.rand(3)
        random.random()
        return tuple(
            View(drop_edges(pairs, 0.5, np.random.default_rng(np.random.randint(9**9))))
            for _ in range(2)
        )

    states = torch.get_rng_state(), np.random.get_state(), random.getstate()
    _probe_refuses(
        _Views(problem, global_draws), problem, "differ between two generators seeded alike"
    )
    _assert_states(states)


class _NoInit(Augmentor):
    """Skips ``Augmentor.__init__``: no ``problem``, no ``precompute_seconds``."""

    def __init__(self, problem: AugProblem) -> None:
        pass


def _with(problem: AugProblem, **attributes: Any) -> Augmentor:
    component = Augmentor(problem)
    for name, value in attributes.items():
        setattr(component, name, value)
    return component


def test_wrong_component_types_fail():
    problem = _problem()
    for component, kind in [(object(), "object"), (lambda g, rng: None, "function")]:
        _probe_refuses(
            component,
            problem,
            f"build returned {kind}",
            "expected a spectral_harness_gcl.augment.Augmentor",
        )
    _probe_refuses(View(problem.graphs[0].pairs), problem, "build returned View")


def test_missing_or_wrong_attributes_fail():
    problem = _problem()
    _probe_refuses(
        _NoInit(problem),
        problem,
        "_NoInit has no problem, precompute_seconds",
        "expected every Augmentor attribute",
    )
    _probe_refuses(Augmentor(_problem()), problem, "other than the problem handed to build")
    _probe_refuses(
        _with(problem, views=None), problem, "Augmentor.views is not callable", "expected a method"
    )
    _probe_refuses(_with(problem, prepare="later"), problem, "Augmentor.prepare is not callable")
    _probe_refuses(
        _with(problem, feature_mask=1), problem, "Augmentor.feature_mask = 1, expected a bool"
    )
    _probe_refuses(
        _with(problem, cache_hit=None), problem, "Augmentor.cache_hit = None, expected a bool"
    )
    for seconds in (-1.0, NAN, "0", True):
        _probe_refuses(
            _with(problem, precompute_seconds=seconds),
            problem,
            f"precompute_seconds = {seconds!r}",
            "expected a float >= 0",
        )


def _three_views(cfg: MethodConfig, problem: AugProblem) -> Augmentor:
    return _Views(problem, lambda p, g, rng: (View(p.graphs[g].pairs),) * 3)


def _loose_ids(cfg: MethodConfig, problem: AugProblem) -> Augmentor:
    return _Views(problem, _both(lambda graph: View(_extra(graph.pairs, (0, graph.num_nodes)))))


def _nan_features_method(cfg: MethodConfig, problem: AugProblem) -> Augmentor:
    return _Views(problem, _nan_features)


@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize(
    ("task", "build", "fragment"),
    [
        ("gcl_graph", _three_views, "returned 3 views, expected 2"),
        ("gcl_graph", _loose_ids, "expected ids in 0.."),
        ("gcl_node", _nan_features_method, "non-finite values in problem.graphs[0].x"),
    ],
    ids=["gcl_graph-three_views", "gcl_graph-loose_ids", "gcl_node-nan_features"],
)
def test_a_broken_method_is_a_failed_cell_naming_the_slot(settings, task, build, fragment):
    trainer = TrainerOptions(num_threads=1)
    record = broken_method_record(task, build, settings=settings, trainer=trainer)
    assert_failed_record(
        record, "method 'broken_method' broke the 'graph_augment' slot contract", fragment
    )


@pytest.mark.parametrize(
    ("task", "override", "value"),
    [
        ("gcl_graph", "epochs", 0),
        ("gcl_graph", "hidden", 0),
        ("gcl_graph", "layers", -1),
        ("gcl_graph", "probe_epochs", 0),
        ("gcl_graph", "lr", 0.0),
        ("gcl_graph", "weight_decay", -1e-4),
        ("gcl_graph", "tau", 0.0),
        ("gcl_graph", "feature_mask_1", 1.5),
        ("gcl_graph", "feature_mask_2", -0.1),
        ("gcl_graph", "batch_size", 1),
        ("gcl_graph", "folds", 1),
        ("gcl_graph", "max_degree", -1),
        ("gcl_graph", "max_graphs", -1),
        ("gcl_graph", "node_features", "ones"),
        ("gcl_graph", "dataset", "cora"),
        ("gcl_node", "proj_hidden", 0),
        ("gcl_node", "loss_nodes", -1),
        ("gcl_node", "train_frac", 0.0),
        ("gcl_node", "val_frac", 1.0),
        ("gcl_node", "tau", NAN),
        ("gcl_node", "feature_mask_1", 1.5),
        ("gcl_node", "dataset", "MUTAG"),
        ("gcl_node", "activation", "tanh"),
        ("gcl_node", "lr", 0.0),
    ],
)
def test_out_of_range_task_values_are_refused(registry, task, override, value):
    assert_refused(task, "identity", task_overrides={override: value}, registry=registry)


@pytest.mark.parametrize(
    ("method", "override", "value"),
    [
        ("edge_drop", "p1", 1.5),
        ("edge_drop", "p2", -0.1),
        ("edge_add", "p1", -1.0),
        ("node_drop", "p2", 1.5),
        ("span", "ratio", -0.1),
        ("span", "lr_max", 0.0),
        ("span", "lr_min", -1.0),
        ("span", "iterations", 0),
        ("span", "spectrum", "exact"),
        ("span", "eig_max_nodes", -1),
        ("span", "delta_seed", -1),
        ("span", "projection", "euclidean"),
        ("span", "threshold", 1.5),
        ("edge_drop", "strength", "matched"),
        ("edge_add", "span_projection", "clamp"),
    ],
)
def test_out_of_range_method_values_are_refused(registry, method, override, value):
    assert_refused("gcl_node", method, method_overrides={override: value}, registry=registry)
