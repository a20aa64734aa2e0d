"""The two contrastive protocols: pre-train with two augmented views, probe the frozen encoder.

The method (slot ``graph_augment``) only decides how the two views' structure is drawn; the
encoder, loss, optimiser, feature masking (when the method composes it), probe and splits are the
same for every method. Augmentation wall time (precompute + every epoch's sampling) is measured
apart from the rest of training and reported as ``aug_seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch_geometric.data import Batch, Data
from torch_geometric.utils import mask_feature

from harness import RunContext, fit
from spectral_harness_gcl import GclGraphConfig, GclNodeConfig
from spectral_harness_gcl.augment import Augmentor, AugProblem, View
from spectral_harness_gcl.data import Graph, both_directions, load_planetoid, load_tu
from spectral_harness_gcl.datasets import dataset_name
from spectral_harness_gcl.networks import GCN, GIN, Projection, grace_loss, nt_xent
from spectral_harness_gcl.probe import graph_probe, node_probe, stratified_folds


class AugClock:
    """Wall time spent drawing views, and the fraction of edges each view changed (every view
    drawn, measured outside the timed part)."""

    def __init__(self, augmentor: Augmentor) -> None:
        self.augmentor = augmentor
        self.seconds = 0.0
        self.changed: tuple[list[float], list[float]] = ([], [])

    def views(self, g: int, rng: np.random.Generator) -> tuple[View, View]:
        """The augmentor's two views of graph ``g``, timed and measured."""
        start = time.perf_counter()
        views = self.augmentor.views(g, rng)
        self.seconds += time.perf_counter() - start
        graph = self.augmentor.problem.graphs[g]
        for changed, view in zip(self.changed, views, strict=True):
            changed.append(edge_change(graph, view))
        return views

    def metrics(self, units: int) -> dict[str, float]:
        """Cost metrics and the realised perturbation of each view (mean over draws)."""
        precompute = self.augmentor.precompute_seconds
        total = precompute + self.seconds
        first, second = (float(np.mean(c)) if c else 0.0 for c in self.changed)
        return {
            "aug_seconds": total,
            "aug_precompute_s": precompute,
            "aug_sample_s": self.seconds,
            "aug_ms_per_graph": 1000.0 * total / max(units, 1),
            "edge_change_frac": (first + second) / 2,
            "edge_change_frac_1": first,
            "edge_change_frac_2": second,
            "aug_cache_hit": float(self.augmentor.cache_hit),
        }


def edge_change(graph: Graph, view: View) -> float:
    """|E Δ E'| / |E| (a dropped node's edges count as removed)."""
    n = graph.num_nodes
    before = graph.pairs[0] * n + graph.pairs[1]
    after = view.pairs[0] * n + view.pairs[1]
    return float(np.setxor1d(before, after).size) / max(before.size, 1)


def mask_columns(x: torch.Tensor, rate: float) -> torch.Tensor:
    """Zero each feature column with probability ``rate`` (GRACE's drop_feature, PyG's
    ``mask_feature(mode="col")``; torch's generator, seeded per cell by the host)."""
    if rate <= 0:
        return x
    return mask_feature(x, p=rate, mode="col")[0]


def mask_sparse(x: torch.Tensor, rate: float, rows: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`mask_columns` for a sparse COO ``x`` (PyG's ``mask_feature`` needs a dense one):
    the same draw of kept columns, applied to the stored values; ``rows`` (bool, one per node)
    also zeroes the dropped nodes' features. Kept over the dense path because
    ``benchmarks/gcl_grace_epoch.py`` measures it faster at equal embeddings on Cora."""
    indices, values = x.indices(), x.values()
    if rate > 0:
        keep = torch.rand(x.shape[1], device=x.device) >= rate
        values = values * keep[indices[1]]
    if rows is not None:
        values = values * rows.to(x.device)[indices[0]]
    return torch.sparse_coo_tensor(
        indices, values, x.shape, is_coalesced=True, check_invariants=False
    )


# -------------------------------------------------------------------------------------------------
# What both levels share
# -------------------------------------------------------------------------------------------------


def require_dataset(ctx: RunContext, dataset: str) -> tuple[Path, str]:
    """The folder of ``dataset`` and its checksum, which the cell's record keeps."""
    name = dataset_name(dataset)
    root = ctx.data.require(name)
    checksum = ctx.data.checksum(name)
    ctx.record_data(name, checksum)
    return root, checksum


@dataclass
class Pretraining:
    """The contrastive set-up of both levels: the method's augmentor behind its ``clock``, the
    generator of views (``rng``), the encoder and projection head (``model`` holds both) with
    their optimiser, and the feature-mask rate of each view."""

    clock: AugClock
    rng: np.random.Generator
    encoder: torch.nn.Module
    head: torch.nn.Module
    model: torch.nn.ModuleDict
    optimizer: torch.optim.Optimizer
    rates: tuple[float, float]

    def update(self, loss: torch.Tensor) -> None:
        """One optimiser step on ``loss``."""
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    def fit(
        self, ctx: RunContext, epoch: Callable[[int], torch.Tensor], epochs: int, log_every: int
    ) -> float:
        """Run ``epoch(i)`` (it returns its loss) ``epochs`` times; the last epoch's loss."""
        last = {"loss": float("nan")}

        def tracked(i: int) -> torch.Tensor:
            loss = epoch(i)
            last["loss"] = float(loss)
            return loss

        result = fit(
            ctx,
            self.model,
            tracked,
            lambda: {"ssl_loss": last["loss"]},
            steps=epochs,
            eval_every=epochs,
            select="ssl_loss",
            goal="min",
            log_every=log_every,
        )
        return result.metrics["ssl_loss"]


def set_up_pretraining(
    ctx: RunContext,
    build: Callable[[Any], Any],
    *,
    level: str,
    graphs: list[Graph],
    data_key: dict[str, Any],
    networks: Callable[[], tuple[torch.nn.Module, torch.nn.Module]],
    lr: float,
    weight_decay: float,
    rates: tuple[float, float],
) -> Pretraining:
    """Build the method's augmentor for the ``level`` problem of ``graphs`` (``data_key`` names
    them in cache keys) and run its precompute, timed as training; then seed the view generator
    and build ``networks()`` (encoder, head) and their Adam optimiser. ``rates``: the feature
    masking of each view, used when the augmentor composes it."""
    problem = AugProblem(
        level=level,
        graphs=graphs,
        cache_dir=Path(ctx.settings.cache_dir),
        data_key=data_key,
        seed=ctx.seed,
        device=ctx.device,
    )
    augmentor: Augmentor = build(problem)
    with ctx.timer("train"):
        augmentor.prepare()
    encoder, head = networks()
    model = torch.nn.ModuleDict({"encoder": encoder, "head": head}).to(ctx.device)
    return Pretraining(
        clock=AugClock(augmentor),
        rng=np.random.default_rng(ctx.seed),
        encoder=encoder,
        head=head,
        model=model,
        optimizer=torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay),
        rates=rates if augmentor.feature_mask else (0.0, 0.0),
    )


# -------------------------------------------------------------------------------------------------
# Graph level
# -------------------------------------------------------------------------------------------------


def subset_graphs(graphs: list[Graph], count: int) -> list[Graph]:
    """A fixed stratified subset (same for every method and seed) when ``count`` > 0."""
    if not count or count >= len(graphs):
        return graphs
    labels = np.array([g.y for g in graphs])
    fold_of = stratified_folds(labels, int(np.ceil(len(graphs) / count)), np.random.default_rng(0))
    chosen = np.flatnonzero(fold_of == 0)[:count]
    return [graphs[i] for i in np.sort(chosen)]


def view_data(graph: Graph, view: View) -> Data:
    """One view as a PyG ``Data``: the graph's features (dropped nodes removed) and the view's
    edges in both directions."""
    pairs, x = view.pairs, graph.x
    if view.keep is not None:
        pairs = (np.cumsum(view.keep) - 1)[pairs]
        x = x[view.keep]
    return Data(x=torch.from_numpy(x), edge_index=torch.from_numpy(both_directions(pairs)))


def collate(graphs: list[Graph], views: list[View], device: torch.device) -> Batch:
    """One PyG ``Batch`` of the views of ``graphs``."""
    data = [view_data(g, v) for g, v in zip(graphs, views, strict=True)]
    return Batch.from_data_list(data).to(device)


def run_graph(
    cfg: GclGraphConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """GraphCL-style pre-training on a TU dataset, then a CV linear probe."""
    root, checksum = require_dataset(ctx, cfg.dataset)
    graphs = subset_graphs(
        load_tu(root, cfg.dataset, cfg.node_features, cfg.max_degree), cfg.max_graphs or 0
    )

    def networks() -> tuple[GIN, Projection]:
        encoder = GIN(graphs[0].x.shape[1], cfg.hidden, cfg.layers)
        return encoder, Projection(encoder.out_dim, encoder.out_dim)

    pre = set_up_pretraining(
        ctx,
        build,
        level="graph",
        graphs=graphs,
        data_key={"dataset": cfg.dataset, "checksum": checksum, "max_graphs": cfg.max_graphs},
        networks=networks,
        lr=cfg.lr,
        weight_decay=cfg.weight_decay,
        rates=(cfg.feature_mask_1, cfg.feature_mask_2),
    )

    def epoch(i: int) -> torch.Tensor:
        pre.model.train()
        order = pre.rng.permutation(len(graphs))
        total, batches = torch.zeros((), device=ctx.device), 0
        for start in range(0, len(order), cfg.batch_size):
            ids = order[start : start + cfg.batch_size]
            if len(ids) < 2:
                continue
            ctx.check_time()
            pairs = [pre.clock.views(int(g), pre.rng) for g in ids]
            members = [graphs[int(g)] for g in ids]
            embeddings = []
            for v in range(2):
                batch = collate(members, [p[v] for p in pairs], ctx.device)
                x = mask_columns(batch.x, pre.rates[v])
                with ctx.autocast():
                    h = pre.encoder(x, batch.edge_index, batch.batch, len(ids))
                    embeddings.append(pre.head(h).float())
            loss = nt_xent(embeddings[0], embeddings[1], cfg.tau)
            pre.update(loss)
            total, batches = total + loss.detach(), batches + 1
        return total / max(batches, 1)

    ssl_loss = pre.fit(ctx, epoch, cfg.epochs, log_every=1)
    with ctx.timer("eval"):
        embeddings = embed_graphs(pre.encoder, graphs, ctx.device)
        accuracy, fold_std = graph_probe(
            embeddings, np.array([g.y for g in graphs]), cfg.folds, ctx.seed, cfg.probe_epochs
        )
    return {
        "accuracy": accuracy,
        "accuracy_fold_std": fold_std,
        "ssl_loss": ssl_loss,
        **pre.clock.metrics(len(graphs)),
    }


@torch.no_grad()
def embed_graphs(
    encoder: GIN, graphs: list[Graph], device: torch.device, batch_size: int = 512
) -> torch.Tensor:
    """Frozen embeddings of the unaugmented graphs."""
    encoder.eval()
    out = []
    for start in range(0, len(graphs), batch_size):
        members = graphs[start : start + batch_size]
        batch = collate(members, [View(g.pairs) for g in members], device)
        out.append(encoder(batch.x, batch.edge_index, batch.batch, len(members)).float().cpu())
    return torch.cat(out)


# -------------------------------------------------------------------------------------------------
# Node level
# -------------------------------------------------------------------------------------------------


def run_node(cfg: GclNodeConfig, ctx: RunContext, build: Callable[[Any], Any]) -> dict[str, float]:
    """GRACE pre-training on a Planetoid graph, then a logistic-regression probe."""
    root, checksum = require_dataset(ctx, cfg.dataset)
    data = load_planetoid(root, cfg.dataset)
    graph = data.graph
    x = torch.from_numpy(graph.x).to_sparse().coalesce().to(ctx.device)
    hidden = cfg.grace("hidden")
    pre = set_up_pretraining(
        ctx,
        build,
        level="node",
        graphs=[graph],
        data_key={"dataset": cfg.dataset, "checksum": checksum},
        networks=lambda: (
            GCN(x.shape[1], hidden, cfg.layers, cfg.grace("activation")),
            Projection(hidden, cfg.grace("proj_hidden"), torch.nn.ELU),
        ),
        lr=cfg.grace("lr"),
        weight_decay=cfg.grace("weight_decay"),
        rates=(cfg.grace("feature_mask_1"), cfg.grace("feature_mask_2")),
    )
    encoder, tau = pre.encoder, cfg.grace("tau")

    def step(i: int) -> torch.Tensor:
        pre.model.train()
        outputs = []
        for v, view in enumerate(pre.clock.views(0, pre.rng)):
            rows = None if view.keep is None else torch.from_numpy(view.keep)
            x_view = mask_sparse(x, pre.rates[v], rows)
            edges = torch.from_numpy(both_directions(view.pairs)).to(ctx.device)
            with ctx.autocast():
                outputs.append(pre.head(encoder(x_view, edges)).float())
        nodes = None
        if cfg.loss_nodes and cfg.loss_nodes < graph.num_nodes:
            nodes = torch.randperm(graph.num_nodes)[: cfg.loss_nodes].to(ctx.device)
        loss = grace_loss(outputs[0], outputs[1], tau, nodes)
        pre.update(loss)
        return loss.detach()

    ssl_loss = pre.fit(ctx, step, cfg.epochs, log_every=10)
    with ctx.timer("eval"):
        encoder.eval()
        with torch.no_grad():
            edges = torch.from_numpy(both_directions(graph.pairs)).to(ctx.device)
            embeddings = encoder(x, edges).float().cpu()
        accuracy, val_accuracy = node_probe(
            embeddings, data.labels, cfg.train_frac, cfg.val_frac, ctx.seed, cfg.probe_epochs
        )
    return {
        "accuracy": accuracy,
        "val_accuracy": val_accuracy,
        "ssl_loss": ssl_loss,
        **pre.clock.metrics(1),
    }
