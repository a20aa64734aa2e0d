"""The sufficiently scattered condition and a spectral graph-factor theorem, checked where the
answer is known exactly (research notes D3 and §9 #26)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import nnls

from spectral_harness_eigen import graph_factors, ssc


def _hexagon(t: float) -> np.ndarray:
    """r = 3 columns (1 − t)e_i + t e_j, i ≠ j: SSC holds iff t < 1/3 (the corner cuts
    x_k ≤ 1 − t keep the inscribed circle's top point x_k = 2/3 inside)."""
    cols = [(1 - t) * np.eye(3)[i] + t * np.eye(3)[j] for i in range(3) for j in range(3) if i != j]
    return np.array(cols).T


def _in_cone(h: np.ndarray, x: np.ndarray) -> float:
    """Residual of the best nonnegative combination of H's columns for x."""
    return nnls(h, x)[1]


@settings(max_examples=25, deadline=None)
@given(t=st.floats(0.01, 0.49))
def test_hexagon_is_scattered_iff_t_below_one_third(t):
    assume(abs(t - 1 / 3) > 1e-6)
    assert ssc.check_ssc(_hexagon(t)).holds == (t < 1 / 3)


def test_at_the_threshold_ssc1_holds_and_ssc2_fails():
    result = ssc.check_ssc(_hexagon(1 / 3))
    assert result.ssc1 and not result.ssc2
    assert result.value == pytest.approx(1.0)


@settings(max_examples=15, deadline=None)
@given(r=st.integers(3, 5), extra=st.integers(0, 8), seed=st.integers(0, 1000))
def test_pure_pixels_make_any_nonnegative_matrix_scattered(r, extra, seed):
    h = np.hstack([np.eye(r), np.random.default_rng(seed).random((r, extra))])
    result = ssc.check_ssc(h)
    assert result.holds and result.value == pytest.approx(1.0)


@settings(max_examples=15, deadline=None)
@given(r=st.integers(3, 5), seed=st.integers(0, 1000))
def test_strictly_positive_columns_are_never_scattered_and_the_witness_certifies_it(r, seed):
    h = np.random.default_rng(seed).random((r, 3 * r)) + 0.05
    result = ssc.check_ssc(h)
    assert not result.ssc1
    if result.witness is not None:  # bounded: a point of C outside cone(H)
        x = ssc.cone_point_outside(result.witness)
        assert x.sum() >= np.sqrt(r - 1) * np.linalg.norm(x) - 1e-12  # x ∈ C
        assert _in_cone(h, x) > 1e-6


@settings(max_examples=20, deadline=None)
@given(
    r=st.integers(3, 4),
    n=st.integers(6, 14),
    alpha=st.floats(0.05, 1.0),
    seed=st.integers(0, 10**6),
)
def test_the_verdict_agrees_with_cone_membership_of_sampled_points(r, n, alpha, seed):
    rng = np.random.default_rng(seed)
    h = rng.dirichlet(np.full(r, alpha), size=n).T  # sparse columns for small α
    result = ssc.check_ssc(h)
    if result.ssc1:
        points = ssc.cone_boundary_points(r, 50, rng)
        assert max(_in_cone(h, points[:, j]) for j in range(50)) < 1e-7
    elif result.witness is not None and result.value > 1.0 + 1e-6:
        assert _in_cone(h, ssc.cone_point_outside(result.witness)) > 0


@pytest.mark.parametrize("n", [8, 10, 12, 16, 20])
def test_the_matching_threshold_is_the_extremal_graphs_spectral_radius(n):
    adjacency = graph_factors.extremal_graph(n)
    theta = graph_factors.matching_threshold(n)
    assert graph_factors.spectral_radius(adjacency) == pytest.approx(theta, rel=1e-12)
    matching = nx.max_weight_matching(nx.from_numpy_array(adjacency), maxcardinality=True)
    assert 2 * len(matching) < n  # tight: the extremal graph has no perfect matching


@pytest.mark.parametrize("n", [8, 10, 12])
def test_one_more_edge_on_the_extremal_graph_crosses_the_bound_and_has_a_perfect_matching(n):
    base = graph_factors.extremal_graph(n)
    theta = graph_factors.matching_threshold(n)
    missing = [(i, j) for i in range(n) for j in range(i + 1, n) if not base[i, j]]
    for i, j in missing:
        adjacency = base.copy()
        adjacency[i, j] = adjacency[j, i] = 1.0
        assert graph_factors.spectral_radius(adjacency) > theta
        matching = nx.max_weight_matching(nx.from_numpy_array(adjacency), maxcardinality=True)
        assert 2 * len(matching) == n


@settings(max_examples=40, deadline=None)
@given(half=st.integers(4, 8), p=st.floats(0.8, 0.98), seed=st.integers(0, 10**6))
def test_connected_graphs_above_the_bound_have_a_perfect_matching(half, p, seed):
    n = 2 * half
    graph = nx.gnp_random_graph(n, p, seed=seed)
    assume(nx.is_connected(graph))
    adjacency = nx.to_numpy_array(graph)
    if graph_factors.spectral_radius(adjacency) > graph_factors.matching_threshold(n):
        assert 2 * len(nx.max_weight_matching(graph, maxcardinality=True)) == n
