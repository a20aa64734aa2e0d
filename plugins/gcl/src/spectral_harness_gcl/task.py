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

from harness import RunContext, fit
from spectral_harness_gcl import GclGraphConfig, GclNodeConfig
from spectral_harness_gcl.augment import Augmentor, AugProblem, View
from spectral_harness_gcl.data import Graph, both_directions, load_planetoid, load_tu
from spectral_harness_gcl.datasets import dataset_name
from spectral_harness_gcl.networks import (
    GCN,
    GIN,
    Projection,
    grace_loss,
    normalized_adjacency,
    nt_xent,
)
from spectral_harness_gcl.probe import graph_probe, node_probe, stratified_folds


class AugClock:
    """Wall time spent drawing views, and the mean fraction of edges each view changed."""

    def __init__(self, augmentor: Augmentor) -> None:
        self.augmentor = augmentor
        self.seconds = 0.0
        self.changed: list[float] = []

    def views(self, g: int, rng: np.random.Generator, measure: bool = False) -> tuple[View, View]:
        start = time.perf_counter()
        views = self.augmentor.views(g, rng)
        self.seconds += time.perf_counter() - start
        if measure:
            graph = self.augmentor.problem.graphs[g]
            for view in views:
                self.changed.append(edge_change(graph, view))
        return views

    def metrics(self, units: int) -> dict[str, float]:
        precompute = self.augmentor.precompute_seconds
        total = precompute + self.seconds
        return {
            "aug_seconds": total,
            "aug_precompute_s": precompute,
            "aug_sample_s": self.seconds,
            "aug_ms_per_graph": 1000.0 * total / max(units, 1),
            "edge_change_frac": float(np.mean(self.changed)) if self.changed else 0.0,
            "aug_cache_hit": float(self.augmentor.cache_hit),
        }


def edge_change(graph: Graph, view: View) -> float:
    """|E Δ E'| / |E| (a dropped node's edges count as removed)."""
    n = graph.num_nodes
    before = graph.pairs[0] * n + graph.pairs[1]
    after = view.pairs[0] * n + view.pairs[1]
    return float(np.setxor1d(before, after).size) / max(before.size, 1)


def column_mask(width: int, rate: float, generator: torch.Generator) -> torch.Tensor | None:
    """Keep-mask of feature columns, each dropped with probability ``rate`` (GRACE's
    drop_feature); ``None`` when the rate is 0."""
    if rate <= 0:
        return None
    return (torch.rand(width, generator=generator) >= rate).float()


def mask_columns(x: torch.Tensor, rate: float, generator: torch.Generator) -> torch.Tensor:
    """Zero a random ``rate`` fraction of feature columns."""
    keep = column_mask(x.shape[1], rate, generator)
    return x if keep is None else x * keep.to(x.device, x.dtype)


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
    generators of views (``rng``) and of feature masks (``mask_gen``), the encoder and projection
    head (``model`` holds both) with their optimiser, and the feature-mask rate of each view."""

    clock: AugClock
    rng: np.random.Generator
    mask_gen: torch.Generator
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
    cfg: GclGraphConfig | GclNodeConfig,
    ctx: RunContext,
    build: Callable[[Any], Any],
    *,
    level: str,
    graphs: list[Graph],
    data_key: dict[str, Any],
    networks: Callable[[], tuple[torch.nn.Module, torch.nn.Module]],
) -> Pretraining:
    """Build the method's augmentor for the ``level`` problem of ``graphs`` (``data_key`` names
    them in cache keys) and run its precompute, timed as training; then seed the generators and
    build ``networks()`` (encoder, head) and their optimiser."""
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
        mask_gen=torch.Generator().manual_seed(ctx.seed),
        encoder=encoder,
        head=head,
        model=model,
        optimizer=torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay),
        rates=(cfg.feature_mask_1, cfg.feature_mask_2) if augmentor.feature_mask else (0.0, 0.0),
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


def collate(
    graphs: list[Graph], views: list[View], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One batch: node features, directed edges and node → graph index, dropped nodes removed."""
    xs, edges, owners = [], [], []
    offset = 0
    for index, (graph, view) in enumerate(zip(graphs, views, strict=True)):
        pairs = view.pairs
        x = graph.x
        if view.keep is not None:
            new_id = np.cumsum(view.keep) - 1
            pairs = new_id[pairs]
            x = x[view.keep]
        xs.append(x)
        edges.append(both_directions(pairs) + offset)
        owners.append(np.full(x.shape[0], index, dtype=np.int64))
        offset += x.shape[0]
    return (
        torch.from_numpy(np.concatenate(xs)).to(device),
        torch.from_numpy(np.concatenate(edges, axis=1)).to(device),
        torch.from_numpy(np.concatenate(owners)).to(device),
    )


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
        cfg,
        ctx,
        build,
        level="graph",
        graphs=graphs,
        data_key={"dataset": cfg.dataset, "checksum": checksum, "max_graphs": cfg.max_graphs},
        networks=networks,
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
            pairs = [pre.clock.views(int(g), pre.rng, measure=i == 1) for g in ids]
            members = [graphs[int(g)] for g in ids]
            embeddings = []
            for v in range(2):
                x, edges, owner = collate(members, [p[v] for p in pairs], ctx.device)
                x = mask_columns(x, pre.rates[v], pre.mask_gen)
                with ctx.autocast():
                    embeddings.append(pre.head(pre.encoder(x, edges, owner, len(ids))).float())
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
        x, edges, owner = collate(members, [View(g.pairs) for g in members], device)
        out.append(encoder(x, edges, owner, len(members)).float().cpu())
    return torch.cat(out)


# -------------------------------------------------------------------------------------------------
# Node level
# -------------------------------------------------------------------------------------------------


def run_node(cfg: GclNodeConfig, ctx: RunContext, build: Callable[[Any], Any]) -> dict[str, float]:
    """GRACE pre-training on a Planetoid graph, then a logistic-regression probe."""
    root, checksum = require_dataset(ctx, cfg.dataset)
    data = load_planetoid(root, cfg.dataset)
    graph = data.graph
    x_full = torch.from_numpy(graph.x).to_sparse().to(ctx.device)
    pre = set_up_pretraining(
        cfg,
        ctx,
        build,
        level="node",
        graphs=[graph],
        data_key={"dataset": cfg.dataset, "checksum": checksum},
        networks=lambda: (
            GCN(x_full.shape[1], cfg.hidden, cfg.layers),
            Projection(cfg.hidden, cfg.proj_hidden, torch.nn.ELU),
        ),
    )
    encoder = pre.encoder

    def step(i: int) -> torch.Tensor:
        pre.model.train()
        views = pre.clock.views(0, pre.rng, measure=i == 1)
        outputs = []
        for v, view in enumerate(views):
            columns = column_mask(x_full.shape[1], pre.rates[v], pre.mask_gen)
            rows = None if view.keep is None else torch.from_numpy(view.keep).float()
            edges = torch.from_numpy(both_directions(view.pairs)).to(ctx.device)
            adjacency = normalized_adjacency(edges, graph.num_nodes)
            with ctx.autocast():
                h = encoder(
                    x_full,
                    adjacency,
                    None if columns is None else columns.to(ctx.device),
                    None if rows is None else rows.to(ctx.device),
                )
                outputs.append(pre.head(h).float())
        nodes = None
        if cfg.loss_nodes and cfg.loss_nodes < graph.num_nodes:
            nodes = torch.randperm(graph.num_nodes, generator=pre.mask_gen)[: cfg.loss_nodes]
            nodes = nodes.to(ctx.device)
        loss = grace_loss(outputs[0], outputs[1], cfg.tau, nodes)
        pre.update(loss)
        return loss.detach()

    ssl_loss = pre.fit(ctx, step, cfg.epochs, log_every=10)
    with ctx.timer("eval"):
        encoder.eval()
        with torch.no_grad():
            edges = torch.from_numpy(both_directions(graph.pairs)).to(ctx.device)
            embeddings = encoder(x_full, normalized_adjacency(edges, graph.num_nodes)).cpu()
        accuracy, val_accuracy = node_probe(
            embeddings, data.labels, cfg.train_frac, cfg.val_frac, ctx.seed, cfg.probe_epochs
        )
    return {
        "accuracy": accuracy,
        "val_accuracy": val_accuracy,
        "ssl_loss": ssl_loss,
        **pre.clock.metrics(1),
    }
