"""The stability task: how far a positional encoding moves when the graph moves a little, on graphs
whose eigenvalues are (nearly) repeated, where eigenvectors are ill-defined.

The SPE paper's core claim (Huang et al. 2024, Theorem 3.1): SPE is Lipschitz in the Laplacian,
with a constant set by the eigengap at the cut d (here every eigenpair is used, so there is no cut);
eigenvector-based encodings (LapPE, SignNet) are not: where two eigenvalues cross or nearly meet,
an arbitrarily small perturbation rotates the eigenvectors by O(1).

Protocol (our own, written for this harness):

* graphs with exactly repeated eigenvalues (cycles, circular ladders, square grids), whose edge
  weights are then jittered by ``split`` (relative): the repeated eigenvalues split into clusters
  a gap of order ``split`` apart (near-degenerate, but a unique eigenbasis);
* a fixed random direction per graph: weights ``w_e (1 + ε b_e)``, ``b_e ~ U(−1, 1)``, for ε on a
  log grid; eigenpairs of the weighted normalised Laplacian in float64, each eigenvector's sign
  fixed by its largest entry (a deterministic convention, the same for every ε);
* the encoder, randomly initialised by the run's seed, untrained, eval mode, float64, sees
  ``(V(ε), λ(ε))`` if it reads eigenpairs, the weighted random walk's return probabilities if it
  reads those (RWSE), and the unweighted edges; we record the output change (RMS over nodes, in
  units of the encoding's spread over the test graphs, see :func:`measure`) against the relative
  input change ``‖L(ε) − L(0)‖ / ‖L(0)‖``. An encoder that outputs nothing (``none``) is
  measured too: its change is zero, trivially stable, the floor every other row is read against.

Metrics: ``lipschitz_ratio`` (max over graphs and ε of output change / input change: a Lipschitz
encoder keeps it bounded, one that jumps makes it grow like 1/ε), ``max_jump`` (largest relative
output change for perturbations with ε ≤ ``jump_eps``) and the whole curve (``stability.npz``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import torch

from harness import RunContext
from spectral_harness_graph_pe.contract import GraphPEProblem
from spectral_harness_graph_pe.data import single_graph_batch


@dataclass(frozen=True)
class PerturbedGraph:
    """A graph's unweighted edges (both directions), its jittered weights (one per undirected
    edge) and the direction ``b`` its weights are perturbed along."""

    edges: np.ndarray  # (2, m) undirected pairs i < j
    num_nodes: int
    weights: np.ndarray  # (m,)
    direction: np.ndarray  # (m,)


def symmetric_graphs(count: int, min_nodes: int, max_nodes: int) -> list[nx.Graph]:
    """``count`` graphs with repeated Laplacian eigenvalues and ``min_nodes``–``max_nodes``
    nodes, cycling through cycles, circular ladders and square grids of every admissible size."""
    pool: list[nx.Graph] = []
    for n in range(min_nodes, max_nodes + 1):
        pool.append(nx.cycle_graph(n))
        if n % 2 == 0 and n >= 6:
            pool.append(nx.circular_ladder_graph(n // 2))
        side = round(n**0.5)
        if side * side == n and side >= 2:
            pool.append(nx.convert_node_labels_to_integers(nx.grid_2d_graph(side, side)))
    if not pool:
        raise ValueError(f"no test graph has {min_nodes}–{max_nodes} nodes")
    return [pool[i % len(pool)] for i in range(count)]


def perturbed_graphs(
    count: int, min_nodes: int, max_nodes: int, split: float, seed: int
) -> list[PerturbedGraph]:
    """The test graphs, their weights jittered by ``split`` and a perturbation direction each."""
    rng = np.random.default_rng(seed)
    out = []
    for graph in symmetric_graphs(count, min_nodes, max_nodes):
        edges = np.array(sorted(tuple(sorted(e)) for e in graph.edges()), dtype=np.int64).T
        m = edges.shape[1]
        weights = 1.0 + split * rng.uniform(-1.0, 1.0, m)
        out.append(
            PerturbedGraph(edges, graph.number_of_nodes(), weights, rng.uniform(-1.0, 1.0, m))
        )
    return out


def weighted_adjacency(graph: PerturbedGraph, weights: np.ndarray) -> np.ndarray:
    """The symmetric ``(n, n)`` weighted adjacency ``W``."""
    n = graph.num_nodes
    adjacency = np.zeros((n, n))
    adjacency[graph.edges[0], graph.edges[1]] = weights
    return adjacency + adjacency.T


def normalized_laplacian(graph: PerturbedGraph, weights: np.ndarray) -> np.ndarray:
    """``I − D^{-1/2} W D^{-1/2}`` of the weighted graph."""
    n = graph.num_nodes
    adjacency = weighted_adjacency(graph, weights)
    scale = 1.0 / np.sqrt(adjacency.sum(axis=1))
    return np.eye(n) - scale[:, None] * adjacency * scale[None, :]


def canonical_eigenpairs(laplacian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors, each vector's largest-magnitude entry positive."""
    values, vectors = np.linalg.eigh(laplacian)
    largest = np.abs(vectors).argmax(axis=0)
    signs = np.sign(vectors[largest, np.arange(vectors.shape[1])])
    return values, vectors * np.where(signs == 0, 1.0, signs)


def encode(
    encoder: torch.nn.Module, graph: PerturbedGraph, weights: np.ndarray, d: int
) -> torch.Tensor:
    """The encoder's ``(n, p)`` output for the weighted graph: its eigenpairs (padded to ``d``)
    for encoders that read them, its weighted random walk's return probabilities for those that
    read those, and ``(n, 0)`` for an encoder that outputs nothing."""
    n = graph.num_nodes
    features = encoder.features
    eig: dict[str, torch.Tensor] = {}
    if features.eig:
        values, vectors = canonical_eigenpairs(normalized_laplacian(graph, weights))
        eig["eigvals"] = torch.zeros(d, dtype=torch.float64)
        eig["eigvecs"] = torch.zeros(n, d, dtype=torch.float64)
        keep = min(n, d)
        eig["eigvals"][:keep] = torch.from_numpy(values[:keep])
        eig["eigvecs"][:, :keep] = torch.from_numpy(vectors[:, :keep])
    rw = None
    if features.rw_steps:
        rw = torch.from_numpy(weighted_return_probs(graph, weights, features.rw_steps))
    pairs = torch.from_numpy(graph.edges)
    edge_index = torch.cat([pairs, pairs.flip(0)], dim=1)
    batch = single_graph_batch(edge_index, n, rw=rw, **eig)
    with torch.no_grad():
        out = encoder(batch)
    return torch.zeros(n, 0, dtype=torch.float64) if out is None else out


def weighted_return_probs(graph: PerturbedGraph, weights: np.ndarray, steps: int) -> np.ndarray:
    """``(n, steps)``: column t−1 is diag((D⁻¹W)^t) for the weighted adjacency W, the t-step
    return probabilities that RWSE reads, of the graph as perturbed (so they move with it)."""
    adjacency = weighted_adjacency(graph, weights)
    walk = adjacency / adjacency.sum(axis=1, keepdims=True)
    out = np.zeros((graph.num_nodes, steps))
    power = np.eye(graph.num_nodes)
    for t in range(steps):
        power = power @ walk
        out[:, t] = np.diag(power)
    return out


def smallest_gap(graph: PerturbedGraph) -> float:
    """The smallest gap between consecutive eigenvalues of the jittered graph."""
    values = np.linalg.eigvalsh(normalized_laplacian(graph, graph.weights))
    return float(np.diff(values).min())


def measure(
    encoder: torch.nn.Module, graphs: list[PerturbedGraph], epsilons: np.ndarray, d: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(input_change, output_change)``, each ``(graphs, len(epsilons))`` at every ε.

    Input change: ``‖L(ε) − L(0)‖_F / ‖L(0)‖_F``. Output change: the RMS over the graph's nodes of
    ``‖PE_i(ε) − PE_i(0)‖``, divided by the encoding's spread over the test set (the RMS over all
    nodes of all graphs of ``‖PE_i(0) − μ‖``, μ the mean encoding): scale-free, and blind to the
    constant part (biases) of an untrained network's output."""
    bases = [encode(encoder, graph, graph.weights, d) for graph in graphs]
    everything = torch.cat(bases)
    spread = float((everything - everything.mean(dim=0)).pow(2).sum(dim=1).mean().sqrt())
    inputs = np.zeros((len(graphs), len(epsilons)))
    outputs = np.zeros_like(inputs)
    for g, (graph, base) in enumerate(zip(graphs, bases, strict=True)):
        base_laplacian = normalized_laplacian(graph, graph.weights)
        for e, eps in enumerate(epsilons):
            weights = graph.weights * (1.0 + eps * graph.direction)
            laplacian = normalized_laplacian(graph, weights)
            inputs[g, e] = np.linalg.norm(laplacian - base_laplacian) / np.linalg.norm(
                base_laplacian
            )
            moved = encode(encoder, graph, weights, d)
            outputs[g, e] = float((moved - base).pow(2).sum(dim=1).mean().sqrt()) / max(
                spread, 1e-300
            )
    return inputs, outputs


def run_stability(cfg: Any, ctx: RunContext, build: Callable[[Any], Any]) -> dict[str, float]:
    """Build the method's encoder (seeded by the run), measure its output change against the
    Laplacian's on near-degenerate graphs, store the curves, report the summary metrics."""
    graphs = perturbed_graphs(
        cfg.num_graphs, cfg.min_nodes, cfg.max_nodes, cfg.split, cfg.data_seed
    )
    d = cfg.max_nodes  # every eigenpair: no cut, so SPE's bound has no eigengap at d
    problem = GraphPEProblem(
        pe_dims=d,
        pe_out=cfg.pe_out,
        pe_hidden=cfg.pe_hidden,
        pe_layers=cfg.pe_layers,
        spe_channels=cfg.spe_channels,
    )
    torch.manual_seed(ctx.seed)
    encoder = build(problem).double().eval()
    epsilons = np.logspace(np.log10(cfg.eps_min), np.log10(cfg.eps_max), cfg.eps_steps)
    with ctx.timer("eval"):
        inputs, outputs = measure(encoder, graphs, epsilons, d)
    ratios = outputs / inputs
    gaps = np.array([smallest_gap(g) for g in graphs])
    ctx.save_arrays(
        "stability",
        epsilon=epsilons,
        input_change=inputs,
        output_change=outputs,
        smallest_gap=gaps,
        num_nodes=np.array([g.num_nodes for g in graphs]),
    )
    small = epsilons <= cfg.jump_eps
    return {
        "lipschitz_ratio": float(ratios.max()),
        "median_ratio": float(np.median(ratios)),
        "max_jump": float(outputs[:, small].max()) if small.any() else float("nan"),
        "median_gap": float(np.median(gaps)),
    }
