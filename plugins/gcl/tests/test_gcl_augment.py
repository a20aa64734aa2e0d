"""gcl augmentations: SPAN's projection and spectrum direction, edge perturbation invariants."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from spectral_harness_gcl import EdgeAddConfig, EdgeDropConfig, SpanConfig
from spectral_harness_gcl.augment import (
    AugProblem,
    EdgeAddAugmentor,
    EdgeDropAugmentor,
    NodeDropAugmentor,
    SpanAugmentor,
    View,
    add_edges,
    build_edge_add,
    build_edge_drop,
    dense_adjacency,
    drop_edges,
    drop_nodes,
    flip_edges,
    project_budget,
    project_budget_reference,
    span_deltas,
    spectrum_norm,
)
from spectral_harness_gcl.data import Graph, canonical_pairs, load_tu


def random_graph(seed: int, n: int, p: float) -> Graph:
    rng = np.random.default_rng(seed)
    lo, hi = np.triu_indices(n, k=1)
    keep = rng.random(lo.size) < p
    pairs = np.stack([lo[keep], hi[keep]]).astype(np.int64)
    return Graph(pairs=pairs, num_nodes=n, x=np.ones((n, 1), np.float32))


def assert_canonical(pairs: np.ndarray, n: int) -> None:
    """Undirected form: i < j, no duplicates, node ids in range."""
    assert pairs.shape[0] == 2
    assert (pairs[0] < pairs[1]).all()
    assert pairs.min(initial=0) >= 0 and pairs.max(initial=0) < n
    codes = pairs[0] * n + pairs[1]
    assert np.unique(codes).size == codes.size


graphs = st.builds(
    random_graph,
    seed=st.integers(0, 10_000),
    n=st.integers(2, 40),
    p=st.floats(0.0, 1.0),
)
rates = st.floats(0.0, 0.9)


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.floats(-2.0, 3.0), min_size=1, max_size=60),
    budget=st.floats(0.0, 20.0),
)
def test_projection_keeps_delta_in_box_and_budget(values: list[float], budget: float) -> None:
    delta = torch.tensor([values], dtype=torch.float64)
    out = project_budget(delta, torch.tensor([budget], dtype=torch.float64))
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert float(out.sum()) <= budget + 1e-6
    clipped = delta.clamp(0, 1)
    if float(clipped.sum()) <= budget:  # feasible already: projection is the clamp
        assert torch.equal(out, clipped)
    else:  # the budget is binding: the projection spends it (up to bisection precision)
        assert float(out.sum()) == pytest.approx(budget, abs=1e-6 * len(values) + 1e-6)


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.floats(-0.5, 1.5), min_size=2, max_size=60),
    budget=st.floats(0.1, 20.0),
    threshold=st.sampled_from([0.5, 0.8]),
)
def test_reference_projection_meets_the_budget_below_its_threshold(
    values: list[float], budget: float, threshold: float
) -> None:
    """The SPAN code's projection: a shift only when Σ clamp(Δ, 0, threshold) > budget, which
    brings that clamped sum to the budget when its root lies in the bisection's bracket; the
    result is clamped to [0, 1], not the threshold."""
    delta = torch.tensor([values], dtype=torch.float64)
    out = project_budget_reference(delta, torch.tensor([budget], dtype=torch.float64), threshold)
    assert out.min() >= 0.0 and out.max() <= 1.0
    lowest, highest = float(delta.min()), float(delta.max())
    shifted = float(out.clamp(0, threshold).sum())
    # The reference's bisection tests midpoints only and moves up while Σ stays under budget:
    # without a root inside the bracket it walks to max Δ.
    walked_to_max = torch.allclose(out, (delta - highest).clamp(0, 1), atol=1e-4)
    at_lowest = float((delta - lowest).clamp(0, threshold).sum())
    if float(delta.clamp(0, threshold).sum()) <= budget:
        assert torch.equal(out, delta.clamp(0, 1))
    elif at_lowest > budget:  # root inside (min, max]
        assert shifted == pytest.approx(budget, abs=1e-4 * len(values) + 1e-6)
        assert float(out.sum()) >= shifted
    elif at_lowest == budget:  # root exactly at min Δ: found only where a midpoint is a root too
        assert walked_to_max or shifted == pytest.approx(budget, abs=1e-4 * len(values) + 1e-6)
    else:  # the root lies below min Δ, outside the bracket
        assert walked_to_max


def test_reference_projection_can_exceed_the_budget() -> None:
    """Mass above the threshold is not counted by the bisection: ΣΔ ends above the budget,
    where the exact projection spends it exactly."""
    delta = torch.tensor([[1.0, 1.0, 0.0, 0.0]], dtype=torch.float64)
    budget = torch.tensor([1.0], dtype=torch.float64)
    reference = project_budget_reference(delta, budget, threshold=0.5)
    assert float(reference.sum()) > 1.0 + 1e-3
    assert float(project_budget(delta, budget).sum()) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("build", [build_edge_drop, build_edge_add])
def test_matched_strength_takes_spans_expected_rate_per_view(
    mutag: list[Graph], tmp_path, build
) -> None:
    """``strength=span``: each view's realised change is SPAN's expected ΣΔ/|E| of that view."""
    problem = AugProblem(level="graph", graphs=mutag, cache_dir=tmp_path, seed=0)
    span = SpanAugmentor(problem, SpanConfig())
    span.prepare()
    config = EdgeDropConfig if build is build_edge_drop else EdgeAddConfig
    augmentor = build(config(strength="span"), problem)
    augmentor.prepare()  # the same Δ, read from the cache
    assert augmentor.cache_hit and augmentor.precompute_seconds == 0.0
    rng = np.random.default_rng(0)
    for g, graph in enumerate(mutag):
        expected = span.expected_change(g)
        assert augmentor.graph_rates[g] == pytest.approx(expected)
        n, edges = graph.num_nodes, graph.pairs.shape[1]
        before = graph.pairs[0] * n + graph.pairs[1]
        changes = np.array(
            [
                [np.setxor1d(before, v.pairs[0] * n + v.pairs[1]).size / edges for v in views]
                for views in (augmentor.views(g, rng) for _ in range(200))
            ]
        )
        # edge adding inserts ⌊p·|E|⌋ edges: at most one edge below the expectation
        assert changes.mean(0) == pytest.approx(expected, abs=1.0 / edges + 0.02)


def _expected_norm_ratio(graph: Graph, codes: np.ndarray, probs: np.ndarray) -> float:
    """‖eig Â(A + C∘Δ)‖ / ‖eig Â(A)‖ with Δ spread over its pairs."""
    n = graph.num_nodes
    adjacency = dense_adjacency(graph)
    flat = torch.zeros(n * n, dtype=torch.float64)
    flat[torch.from_numpy(codes)] = torch.from_numpy(probs).double()
    delta = flat.view(n, n) + flat.view(n, n).T
    modified = adjacency + (1 - torch.eye(n, dtype=torch.float64) - 2 * adjacency) * delta
    return float(spectrum_norm(modified[None]) / spectrum_norm(adjacency[None]))


@pytest.fixture(scope="module")
def mutag(data_dir) -> list[Graph]:
    return load_tu(data_dir, "MUTAG")[:12]


def test_span_views_move_the_spectrum_norm_up_and_down(mutag: list[Graph]) -> None:
    ratio = 0.2
    results = {}
    for direction in ("max", "min"):
        deltas = span_deltas(mutag, direction, ratio=ratio, lr=0.5, iterations=20, seed=0)
        ratios = []
        for g, graph in enumerate(mutag):
            codes, probs = deltas.graph(g)
            assert probs.min(initial=0.0) >= 0.0 and probs.max(initial=0.0) <= 1.0
            budget = int(ratio * graph.pairs.shape[1])
            assert float(probs.sum()) <= budget + 1e-4
            if budget:
                ratios.append(_expected_norm_ratio(graph, codes, probs))
        results[direction] = np.array(ratios)
    assert (results["max"] > 1.0).all()
    assert (results["min"] < 1.0).all()


def test_span_sampled_views_follow_their_direction(mutag: list[Graph]) -> None:
    deltas = {
        d: span_deltas(mutag, d, ratio=0.2, lr=0.5, iterations=20, seed=0) for d in ("max", "min")
    }
    rng = np.random.default_rng(0)
    ratios: dict[str, list[float]] = {"max": [], "min": []}
    for g, graph in enumerate(mutag):
        base = spectrum_norm(dense_adjacency(graph)[None])
        for direction, delta in deltas.items():
            for _ in range(10):
                pairs = flip_edges(graph.pairs, graph.num_nodes, *delta.graph(g), rng)
                assert_canonical(pairs, graph.num_nodes)
                view = Graph(pairs=pairs, num_nodes=graph.num_nodes, x=graph.x)
                ratios[direction].append(float(spectrum_norm(dense_adjacency(view)[None]) / base))
    assert np.mean(ratios["max"]) > 1.0 > np.mean(ratios["min"])


def test_span_cache_key_names_seed_and_iterations(mutag: list[Graph], tmp_path) -> None:
    """The reference keyed its Δ cache by (lr, ratio) only; ours changes with seed and T."""
    problem = AugProblem(level="graph", graphs=mutag, cache_dir=tmp_path, seed=0)
    keys = [
        SpanAugmentor(problem, SpanConfig(**kwargs)).cache_key("max")
        for kwargs in ({}, {"delta_seed": 1}, {"iterations": 5}, {"ratio": 0.1})
    ]
    assert len({str(sorted(k.items())) for k in keys}) == len(keys)
    augmentor = SpanAugmentor(problem, SpanConfig(iterations=3))
    augmentor.prepare()
    first = augmentor.precompute_seconds
    again = SpanAugmentor(problem, SpanConfig(iterations=3))
    again.prepare()
    assert again.cache_hit and not augmentor.cache_hit
    assert again.precompute_seconds == pytest.approx(first)  # the computation's cost, not a read


def test_frobenius_identity_matches_eigvalsh() -> None:
    graph = random_graph(3, 12, 0.3)
    adjacency = dense_adjacency(graph)[None]
    weights = torch.rand(1, 12, 12, dtype=torch.float64)
    weights = ((weights + weights.transpose(1, 2)) / 2).requires_grad_(True)
    by_eig = spectrum_norm(adjacency + 0.3 * weights, "eigvalsh")
    (grad_eig,) = torch.autograd.grad(by_eig.sum(), weights)
    by_fro = spectrum_norm(adjacency + 0.3 * weights, "frobenius")
    (grad_fro,) = torch.autograd.grad(by_fro.sum(), weights)
    assert torch.allclose(by_eig, by_fro, atol=1e-10)
    assert torch.allclose(grad_eig, grad_fro, atol=1e-8)


@settings(max_examples=25, deadline=None)
@given(graph=graphs, p=rates, seed=st.integers(0, 1000))
def test_edge_drop_is_undirected_subset(graph: Graph, p: float, seed: int) -> None:
    out = drop_edges(graph.pairs, p, np.random.default_rng(seed))
    assert_canonical(out, graph.num_nodes)
    n = graph.num_nodes
    assert np.isin(out[0] * n + out[1], graph.pairs[0] * n + graph.pairs[1]).all()


def test_edge_drop_rate_matches_on_average() -> None:
    graph = random_graph(0, 300, 0.1)
    rng = np.random.default_rng(0)
    kept = [drop_edges(graph.pairs, 0.3, rng).shape[1] for _ in range(20)]
    assert np.mean(kept) / graph.pairs.shape[1] == pytest.approx(0.7, abs=0.02)


@settings(max_examples=25, deadline=None)
@given(graph=graphs, p=rates, seed=st.integers(0, 1000))
def test_edge_add_adds_exactly_its_rate(graph: Graph, p: float, seed: int) -> None:
    n, m = graph.num_nodes, graph.pairs.shape[1]
    out = add_edges(graph.pairs, n, p, np.random.default_rng(seed))
    assert_canonical(out, n)
    before, after = graph.pairs[0] * n + graph.pairs[1], out[0] * n + out[1]
    assert np.isin(before, after).all()  # nothing removed
    expected = min(math.floor(p * m), n * (n - 1) // 2 - m)
    assert after.size - before.size == expected


def test_edge_add_on_a_sparse_graph_uses_sampling() -> None:
    graph = random_graph(1, 400, 0.01)
    out = add_edges(graph.pairs, 400, 0.5, np.random.default_rng(0))
    assert_canonical(out, 400)
    assert out.shape[1] - graph.pairs.shape[1] == math.floor(0.5 * graph.pairs.shape[1])


@settings(max_examples=25, deadline=None)
@given(graph=graphs, p=rates, seed=st.integers(0, 1000))
def test_node_drop_removes_nodes_and_their_edges(graph: Graph, p: float, seed: int) -> None:
    n = graph.num_nodes
    out, keep = drop_nodes(graph.pairs, n, p, np.random.default_rng(seed))
    assert_canonical(out, n)
    assert (~keep).sum() == min(math.floor(p * n), n - 1)
    assert keep[out[0]].all() and keep[out[1]].all()
    # every edge between kept nodes survives
    survivors = graph.pairs[:, keep[graph.pairs[0]] & keep[graph.pairs[1]]]
    assert survivors.shape == out.shape


def test_canonical_pairs_deduplicates_both_directions() -> None:
    edges = np.array([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 2, 0]])
    assert canonical_pairs(edges, 4).tolist() == [[0, 0, 1], [1, 3, 2]]


@pytest.mark.parametrize(
    ("augmentor", "perturb"),
    [
        (EdgeDropAugmentor, lambda g, p, rng: View(drop_edges(g.pairs, p, rng))),
        (EdgeAddAugmentor, lambda g, p, rng: View(add_edges(g.pairs, g.num_nodes, p, rng))),
        (NodeDropAugmentor, lambda g, p, rng: View(*drop_nodes(g.pairs, g.num_nodes, p, rng))),
    ],
)
def test_perturbation_views_take_rate_p1_then_p2_from_one_generator(augmentor, perturb) -> None:
    graph = random_graph(seed=3, n=30, p=0.2)
    problem = AugProblem(level="graph", graphs=[graph], cache_dir=Path("unused"))
    views = augmentor(problem, 0.1, 0.5).views(0, np.random.default_rng(7))
    rng = np.random.default_rng(7)
    expected = (perturb(graph, 0.1, rng), perturb(graph, 0.5, rng))
    for view, want in zip(views, expected, strict=True):
        assert np.array_equal(view.pairs, want.pairs)
        assert (view.keep is None) == (want.keep is None)
        assert view.keep is None or np.array_equal(view.keep, want.keep)
