"""The ``graph_augment`` methods: each builds an :class:`Augmentor` that draws two views.

Edge perturbations work on undirected edge lists ``pairs`` (2, M) with i < j (see
:mod:`spectral_harness_gcl.data`), so every view is undirected by construction. SPAN precomputes one
flip-probability matrix Δ per graph and view by projected gradient steps on the spectrum of the
renormalised adjacency (our own implementation of Lin et al., ICLR 2023), caches it on disk
keyed by the graphs' content, the seed and every hyper-parameter, and draws Bernoulli(Δ) flips
every epoch.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from harness import ContentCache
from spectral_harness_gcl import (
    EdgeAddConfig,
    EdgeDropConfig,
    FeatureMaskConfig,
    IdentityConfig,
    NodeDropConfig,
    SpanConfig,
)
from spectral_harness_gcl.contract import AugProblem
from spectral_harness_gcl.data import Graph, graphs_digest

# Bump when the Δ computation changes: old cache entries stop matching.
SPAN_VERSION = 3
SPAN_CACHE = "gcl_span"
# SPAN's defaults per level (GCL-SPAN run scripts, see research notes §B1); ``threshold`` is
# the clamp inside the reference projection's bisection (unsupervised_node.py passes 0.8, the
# graph script keeps SpectralAugmentor's default 0.5)
SPAN_DEFAULTS = {
    "node": dict(ratio=0.3, lr_max=100.0, lr_min=0.1, iterations=40, threshold=0.8),
    "graph": dict(ratio=0.2, lr_max=0.5, lr_min=0.5, iterations=20, threshold=0.5),
}
BISECTION_STEPS = 40


@dataclass(frozen=True)
class View:
    """One augmented graph: its undirected pairs and, after node dropping, the kept nodes."""

    pairs: np.ndarray
    keep: np.ndarray | None = None


class Augmentor:
    """Base: both views are the input graph. ``feature_mask``: whether the framework's feature
    masking is composed with the views (every method but ``identity``)."""

    name = "identity"
    feature_mask = True

    def __init__(self, problem: AugProblem) -> None:
        self.problem = problem
        self.precompute_seconds = 0.0

    cache_hit = False

    def prepare(self) -> None:
        """One-off precomputation (SPAN's Δ); sets ``precompute_seconds`` to what it cost."""

    def views(self, g: int, rng: np.random.Generator) -> tuple[View, View]:
        """Two views of graph ``g``."""
        graph = self.problem.graphs[g]
        return View(graph.pairs), View(graph.pairs)


class IdentityAugmentor(Augmentor):
    name = "identity"
    feature_mask = False


class FeatureMaskAugmentor(Augmentor):
    name = "feature_mask"


class PerturbationAugmentor(Augmentor, ABC):
    """Each view perturbs the input graph on its own, the first at rate ``p1``, the second at
    ``p2``, both drawn from the one ``rng`` in that order.

    ``match``: a :class:`SpanConfig` to match instead: ``prepare`` computes (or reads from the
    cache) that SPAN's Δ and each graph's views then take SPAN's expected realised rate of the
    same view, ΣΔ/|E| (view 1 from Δ_max, view 2 from Δ_min; capped at 1 for dropping). The
    matching precompute is a calibration, not part of this augmentation: its time is not
    counted in ``precompute_seconds``.
    """

    def __init__(
        self, problem: AugProblem, p1: float, p2: float, match: SpanConfig | None = None
    ) -> None:
        super().__init__(problem)
        self.rates = (p1, p2)
        self.match = match
        self.graph_rates: list[tuple[float, float]] | None = None

    def prepare(self) -> None:
        if self.match is None:
            return
        span = SpanAugmentor(self.problem, self.match)
        span.prepare()
        self.cache_hit = span.cache_hit
        self.graph_rates = [span.expected_change(g) for g in range(len(self.problem.graphs))]

    def views(self, g: int, rng: np.random.Generator) -> tuple[View, View]:
        graph = self.problem.graphs[g]
        rates = self.rates if self.graph_rates is None else self.graph_rates[g]
        first, second = (self.perturb(graph, p, rng) for p in rates)
        return first, second

    @abstractmethod
    def perturb(self, graph: Graph, p: float, rng: np.random.Generator) -> View:
        """One view of ``graph`` perturbed at rate ``p``."""


class EdgeDropAugmentor(PerturbationAugmentor):
    name = "edge_drop"

    def perturb(self, graph: Graph, p: float, rng: np.random.Generator) -> View:
        return View(drop_edges(graph.pairs, min(p, 1.0), rng))


class EdgeAddAugmentor(PerturbationAugmentor):
    name = "edge_add"

    def perturb(self, graph: Graph, p: float, rng: np.random.Generator) -> View:
        return View(add_edges(graph.pairs, graph.num_nodes, p, rng))


class NodeDropAugmentor(PerturbationAugmentor):
    name = "node_drop"

    def perturb(self, graph: Graph, p: float, rng: np.random.Generator) -> View:
        return View(*drop_nodes(graph.pairs, graph.num_nodes, p, rng))


class SpanAugmentor(Augmentor):
    """View 1 flips with Δ_max (spectrum norm pushed up), view 2 with Δ_min (pushed down)."""

    name = "span"

    def __init__(self, problem: AugProblem, cfg: SpanConfig) -> None:
        super().__init__(problem)
        defaults = SPAN_DEFAULTS[problem.level]
        self.ratio = cfg.ratio if cfg.ratio is not None else defaults["ratio"]
        self.lr_max = cfg.lr_max if cfg.lr_max is not None else defaults["lr_max"]
        self.lr_min = cfg.lr_min if cfg.lr_min is not None else defaults["lr_min"]
        self.iterations = cfg.iterations if cfg.iterations is not None else defaults["iterations"]
        self.projection = cfg.projection
        self.threshold = cfg.threshold if cfg.threshold is not None else defaults["threshold"]
        if cfg.spectrum not in ("auto", "eigvalsh", "frobenius"):
            raise ValueError(
                f"span.spectrum must be auto, eigvalsh or frobenius, not {cfg.spectrum!r}"
            )
        largest = max(g.num_nodes for g in problem.graphs)
        if cfg.spectrum == "auto":
            self.spectrum = "eigvalsh" if largest <= cfg.eig_max_nodes else "frobenius"
        else:
            self.spectrum = cfg.spectrum
        self.delta_seed = problem.seed if cfg.delta_seed is None else cfg.delta_seed
        self.deltas: dict[str, SparseDeltas] = {}

    def cache_key(self, direction: str) -> dict[str, Any]:
        """Everything Δ depends on (the reference keyed only lr and ratio: stale entries)."""
        return {
            **self.problem.data_key,
            "structure": graphs_digest(self.problem.graphs),
            "direction": direction,
            "ratio": self.ratio,
            "lr": self.lr_max if direction == "max" else self.lr_min,
            "iterations": self.iterations,
            "spectrum": self.spectrum,
            "projection": self.projection,
            "threshold": self.threshold if self.projection == "reference" else None,
            "seed": self.delta_seed,
            "version": SPAN_VERSION,
            "torch": torch.__version__,
        }

    def prepare(self) -> None:
        cache = ContentCache(Path(self.problem.cache_dir), SPAN_CACHE)
        self.precompute_seconds = 0.0
        for direction in ("max", "min"):
            lr = self.lr_max if direction == "max" else self.lr_min
            payload = cache.get_or_create(
                self.cache_key(direction), lambda d=direction, lr=lr: self._compute(d, lr)
            )
            self.precompute_seconds += float(payload.pop("seconds"))
            self.deltas[direction] = SparseDeltas.from_dict(payload)
        self.cache_hit = cache.misses == 0

    def _compute(self, direction: str, lr: float) -> dict[str, Any]:
        start = time.perf_counter()
        deltas = span_deltas(
            self.problem.graphs,
            direction,
            ratio=self.ratio,
            lr=lr,
            iterations=self.iterations,
            seed=self.delta_seed,
            spectrum=self.spectrum,
            projection=self.projection,
            threshold=self.threshold,
        )
        return {**deltas.to_dict(), "seconds": time.perf_counter() - start}

    def expected_change(self, g: int) -> tuple[float, float]:
        """The expected fraction of graph ``g``'s edges each view flips: ΣΔ / |E| (view 1:
        Δ_max, view 2: Δ_min); ``prepare`` must have run."""
        edges = max(self.problem.graphs[g].pairs.shape[1], 1)
        first, second = (float(self.deltas[d].graph(g)[1].sum()) / edges for d in ("max", "min"))
        return first, second

    def views(self, g: int, rng: np.random.Generator) -> tuple[View, View]:
        graph = self.problem.graphs[g]
        return tuple(  # type: ignore[return-value]
            View(flip_edges(graph.pairs, graph.num_nodes, *self.deltas[d].graph(g), rng))
            for d in ("max", "min")
        )


# -------------------------------------------------------------------------------------------------
# Edge perturbations
# -------------------------------------------------------------------------------------------------


def drop_edges(pairs: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    """Keep each undirected edge independently with probability ``1 - p``."""
    if p <= 0 or pairs.shape[1] == 0:
        return pairs
    return pairs[:, rng.random(pairs.shape[1]) >= p]


def add_edges(pairs: np.ndarray, num_nodes: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Insert ``⌊p·M⌋`` distinct uniformly random non-edges (fewer only if the graph fills up)."""
    n = int(num_nodes)
    total = n * (n - 1) // 2
    free = total - pairs.shape[1]
    wanted = min(math.floor(p * pairs.shape[1]), free)
    if wanted <= 0:
        return pairs
    existing = pairs[0] * n + pairs[1]
    if 4 * wanted > free:  # dense or tiny: enumerate the non-edges
        lo, hi = np.triu_indices(n, k=1)
        candidates = np.setdiff1d(lo * n + hi, existing, assume_unique=True)
        new = rng.choice(candidates, size=wanted, replace=False)
    else:  # rejection sampling: uniform over non-edges, distinct
        new = np.zeros(0, dtype=np.int64)
        while new.size < wanted:
            i, j = rng.integers(0, n, size=(2, 2 * (wanted - new.size) + 4))
            lo, hi = np.minimum(i, j), np.maximum(i, j)
            codes = (lo * n + hi)[lo != hi]
            codes = codes[~np.isin(codes, existing) & ~np.isin(codes, new)]
            _, first = np.unique(codes, return_index=True)
            new = np.concatenate([new, codes[np.sort(first)][: wanted - new.size]])
    codes = np.sort(np.concatenate([existing, new]))
    return np.stack([codes // n, codes % n])


def drop_nodes(
    pairs: np.ndarray, num_nodes: int, p: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Drop ``⌊p·n⌋`` uniformly random nodes: returns the edges among kept nodes and the mask."""
    keep = np.ones(num_nodes, dtype=bool)
    count = min(math.floor(p * num_nodes), num_nodes - 1)
    if count > 0:
        keep[rng.choice(num_nodes, size=count, replace=False)] = False
    return pairs[:, keep[pairs[0]] & keep[pairs[1]]], keep


def flip_edges(
    pairs: np.ndarray,
    num_nodes: int,
    codes: np.ndarray,
    probs: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Toggle each candidate pair ``code = i·n + j`` (i < j) with its probability."""
    n = int(num_nodes)
    if codes.size == 0:
        return pairs
    flips = codes[rng.random(codes.size) < probs]
    if flips.size == 0:
        return pairs
    result = np.setxor1d(pairs[0] * n + pairs[1], flips, assume_unique=True)
    return np.stack([result // n, result % n])


# -------------------------------------------------------------------------------------------------
# SPAN
# -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SparseDeltas:
    """Δ of every graph, sparse: pair codes ``i·n + j`` (i < j), probabilities, CSR pointer."""

    codes: torch.Tensor
    probs: torch.Tensor
    ptr: torch.Tensor

    def graph(self, g: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = int(self.ptr[g]), int(self.ptr[g + 1])
        return self.codes[start:end].numpy(), self.probs[start:end].numpy()

    def to_dict(self) -> dict[str, torch.Tensor]:
        return {"codes": self.codes, "probs": self.probs, "ptr": self.ptr}

    @classmethod
    def from_dict(cls, payload: dict[str, torch.Tensor]) -> SparseDeltas:
        return cls(**payload)


def renormalized_adjacency(adjacency: torch.Tensor) -> torch.Tensor:
    """Â = D̃^{-1/2}(A + I)D̃^{-1/2} for a batch ``(B, n, n)`` of (weighted) adjacencies."""
    n = adjacency.shape[-1]
    a = adjacency + torch.eye(n, dtype=adjacency.dtype, device=adjacency.device)
    inv_sqrt = a.sum(-1).clamp_min(1e-12).rsqrt()
    return inv_sqrt[..., :, None] * a * inv_sqrt[..., None, :]


def spectrum_norm(adjacency: torch.Tensor, spectrum: str = "eigvalsh") -> torch.Tensor:
    """‖eig(Â)‖₂ per graph of a batch; ``frobenius`` uses ‖eig(S)‖₂ = ‖S‖_F (S symmetric)."""
    a_hat = renormalized_adjacency(adjacency)
    if spectrum == "frobenius":
        return torch.linalg.matrix_norm(a_hat, ord="fro")
    return torch.linalg.eigvalsh(a_hat).norm(dim=-1)


def project_budget(delta: torch.Tensor, budget: torch.Tensor) -> torch.Tensor:
    """Euclidean projection of each row onto {0 ≤ Δ ≤ 1, ΣΔ ≤ budget} (bisection on a shift μ).

    The reference clamps to a threshold inside the bisection but to 1 afterwards, so its ΣΔ can
    exceed the budget; here the clamp is [0, 1] in both, and μ is taken on the feasible side.
    """
    clipped = delta.clamp(0.0, 1.0)
    over = clipped.sum(-1) > budget
    if not bool(over.any()):
        return clipped
    lo = torch.zeros_like(budget, dtype=delta.dtype)
    hi = delta.max(dim=-1).values.clamp_min(0.0)
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        too_big = (delta - mid[:, None]).clamp(0.0, 1.0).sum(-1) > budget
        lo = torch.where(too_big, mid, lo)
        hi = torch.where(too_big, hi, mid)
    shift = torch.where(over, hi, torch.zeros_like(hi))
    return (delta - shift[:, None]).clamp(0.0, 1.0)


def project_budget_reference(
    delta: torch.Tensor, budget: torch.Tensor, threshold: float, tolerance: float = 1e-4
) -> torch.Tensor:
    """The SPAN code's projection of each row (``SpectralAugmentor.projection``).

    Only when Σ clamp(Δ, 0, ``threshold``) exceeds the budget, a shift μ is found by bisection
    on [min Δ, max Δ] (to ``tolerance``) so that Σ clamp(Δ − μ, 0, threshold) meets the budget;
    the result is then clamped to [0, 1], not to the threshold, so ΣΔ can exceed the budget by
    the mass above the threshold (and rows under it are only clamped).
    """

    def excess(mu: torch.Tensor) -> torch.Tensor:
        return (delta - mu[:, None]).clamp(0.0, threshold).sum(-1) - budget

    over = delta.clamp(0.0, threshold).sum(-1) > budget
    lo, hi = delta.min(dim=-1).values, delta.max(dim=-1).values
    mu = lo.clone()
    f_lo = excess(lo)
    active = over & (hi - lo >= tolerance)
    while bool(active.any()):
        mid = (lo + hi) / 2
        f_mid = excess(mid)
        mu = torch.where(active, mid, mu)
        root = f_mid == 0
        left = (f_mid * f_lo < 0) | root
        hi = torch.where(active & left, mid, hi)
        lo = torch.where(active & ~left, mid, lo)
        f_lo = torch.where(active & ~left, f_mid, f_lo)
        active = active & ~root & (hi - lo >= tolerance)
    shift = torch.where(over, mu, torch.zeros_like(mu))
    return (delta - shift[:, None]).clamp(0.0, 1.0)


def span_group(
    adjacency: torch.Tensor,
    budget: torch.Tensor,
    direction: str,
    *,
    lr: float,
    iterations: int,
    generator: torch.Generator,
    spectrum: str = "eigvalsh",
    projection: str = "exact",
    threshold: float = 1.0,
) -> torch.Tensor:
    """Δ (B, n(n-1)/2, upper triangle) for a batch of same-size graphs ``(B, n, n)``.

    Δ ~ U(1e-5, 1/n), then ``iterations`` steps Δ ← Π(Δ ± η_t · ∇ ‖eig Â(A + C∘Δ)‖/‖eig Â(A)‖)
    with C = 1 − I − 2A (flip: add a non-edge, remove an edge); + for ``max``, − for ``min``.
    ``projection``: ``exact`` (η_t = lr/√t, Π the Euclidean projection onto the budget set,
    :func:`project_budget`) or ``reference`` (the SPAN code: η_t = lr/√(t+1) and
    :func:`project_budget_reference` with ``threshold``).
    """
    batch, n, _ = adjacency.shape
    rows, cols = torch.triu_indices(n, n, offset=1)
    codes = rows * n + cols
    sign = 1.0 if direction == "max" else -1.0
    flip = 1.0 - torch.eye(n, dtype=adjacency.dtype) - 2.0 * adjacency
    with torch.no_grad():
        reference = spectrum_norm(adjacency, spectrum).clamp_min(1e-12)
    delta = torch.empty(batch, rows.numel(), dtype=adjacency.dtype)
    delta.uniform_(1e-5, 1.0 / n, generator=generator)
    for t in range(1, iterations + 1):
        delta.requires_grad_(True)
        upper = torch.zeros(batch, n * n, dtype=adjacency.dtype).index_add(1, codes, delta)
        upper = upper.view(batch, n, n)
        modified = adjacency + flip * (upper + upper.transpose(1, 2))
        objective = sign * (spectrum_norm(modified, spectrum) / reference).sum()
        (grad,) = torch.autograd.grad(objective, delta)
        with torch.no_grad():
            if projection == "reference":
                step = delta + lr / math.sqrt(t + 1) * grad
                delta = project_budget_reference(step, budget, threshold)
            else:
                delta = project_budget(delta + lr / math.sqrt(t) * grad, budget)
    return delta.detach()


def dense_adjacency(graph: Graph, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    adjacency = torch.zeros(graph.num_nodes, graph.num_nodes, dtype=dtype)
    pairs = torch.from_numpy(graph.pairs)
    adjacency[pairs[0], pairs[1]] = 1.0
    adjacency[pairs[1], pairs[0]] = 1.0
    return adjacency


def span_deltas(
    graphs: list[Graph],
    direction: str,
    *,
    ratio: float,
    lr: float,
    iterations: int,
    seed: int,
    spectrum: str = "eigvalsh",
    projection: str = "exact",
    threshold: float = 1.0,
    max_batch_entries: int = 1 << 23,
) -> SparseDeltas:
    """SPAN's Δ for every graph (graphs of equal size are optimised together), kept sparse
    (``projection``, ``threshold``: see :func:`span_group`)."""
    by_size: dict[int, list[int]] = {}
    for g, graph in enumerate(graphs):
        by_size.setdefault(graph.num_nodes, []).append(g)
    per_graph: list[tuple[np.ndarray, np.ndarray]] = [
        (np.zeros(0, np.int64), np.zeros(0, np.float32))
    ] * len(graphs)
    for n, members in sorted(by_size.items()):
        if n < 2:
            continue
        dtype = torch.float64 if n <= 256 else torch.float32
        rows, cols = np.triu_indices(n, k=1)
        codes_all = rows.astype(np.int64) * n + cols
        chunk = max(1, max_batch_entries // (n * n))
        for start in range(0, len(members), chunk):
            block = members[start : start + chunk]
            generator = torch.Generator().manual_seed(seed * 1_000_003 + n * 7919 + start)
            adjacency = torch.stack([dense_adjacency(graphs[g], dtype) for g in block])
            budget = torch.tensor(
                [float(int(ratio * graphs[g].pairs.shape[1])) for g in block], dtype=dtype
            )
            delta = span_group(
                adjacency,
                budget,
                direction,
                lr=lr,
                iterations=iterations,
                generator=generator,
                spectrum=spectrum,
                projection=projection,
                threshold=threshold,
            ).numpy()
            for g, row in zip(block, delta, strict=True):
                nonzero = row > 0
                per_graph[g] = (codes_all[nonzero], row[nonzero].astype(np.float32))
    sizes = np.array([codes.size for codes, _ in per_graph], dtype=np.int64)
    ptr = np.zeros(len(graphs) + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    return SparseDeltas(
        codes=torch.from_numpy(np.concatenate([c for c, _ in per_graph])),
        probs=torch.from_numpy(np.concatenate([p for _, p in per_graph])),
        ptr=torch.from_numpy(ptr),
    )


# -------------------------------------------------------------------------------------------------
# Builders (MethodSpec.build)
# -------------------------------------------------------------------------------------------------


def build_span(cfg: SpanConfig, problem: AugProblem) -> Augmentor:
    return SpanAugmentor(problem, cfg)


def matched_span(cfg: EdgeDropConfig | EdgeAddConfig) -> SpanConfig | None:
    """The SPAN configuration an edge perturbation matches (``strength=span``), else None."""
    if cfg.strength != "span":
        return None
    return SpanConfig(projection=cfg.span_projection)


def build_edge_drop(cfg: EdgeDropConfig, problem: AugProblem) -> Augmentor:
    return EdgeDropAugmentor(problem, cfg.p1, cfg.p2, matched_span(cfg))


def build_edge_add(cfg: EdgeAddConfig, problem: AugProblem) -> Augmentor:
    return EdgeAddAugmentor(problem, cfg.p1, cfg.p2, matched_span(cfg))


def build_node_drop(cfg: NodeDropConfig, problem: AugProblem) -> Augmentor:
    return NodeDropAugmentor(problem, cfg.p1, cfg.p2)


def build_feature_mask(cfg: FeatureMaskConfig, problem: AugProblem) -> Augmentor:
    return FeatureMaskAugmentor(problem)


def build_identity(cfg: IdentityConfig, problem: AugProblem) -> Augmentor:
    return IdentityAugmentor(problem)
