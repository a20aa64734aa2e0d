"""SPAN's own framework: local–global (G2L) pre-training with the Jensen–Shannon estimator, then
the same linear probes as ``gcl_node`` / ``gcl_graph``.

The method (slot ``graph_augment``) draws the two views exactly as in the GRACE / GraphCL tasks
(same augmentors, same view generator, same realised-perturbation and cost accounting, imported
from :mod:`spectral_harness_gcl.task`); only the objective and the encoder differ:

* node level (GCL-SPAN ``unsupervised_node.py``, MVGRL / DGI style): each view's summary
  W σ(mean hᵢ) scores the other view's nodes (positives) and that view's nodes re-encoded with
  row-shuffled features (negatives);
* graph level (``unsupervised_graph.py``, InfoGraph style): each graph's pooled summary of one
  view, through an MLP head, scores the other view's nodes of the same graph (positives) and of
  the batch's other graphs (negatives), nodes through their own MLP head.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from harness import RunContext
from spectral_harness_gcl.augment import View
from spectral_harness_gcl.data import Graph, both_directions, load_planetoid, load_tu
from spectral_harness_gcl.g2l_config import G2LGraphConfig, G2LNodeConfig
from spectral_harness_gcl.g2l_networks import (
    G2LEncoder,
    ResidualMLP,
    SummaryDiscriminator,
    g2l_loss,
)
from spectral_harness_gcl.probe import graph_probe, node_probe
from spectral_harness_gcl.task import (
    collate,
    mask_columns,
    mask_sparse,
    require_dataset,
    set_up_pretraining,
    subset_graphs,
)


def make_encoders(cfg: G2LNodeConfig | G2LGraphConfig, in_dim: int) -> nn.ModuleList:
    """One encoder shared by both views, or one per view (``cfg.encoders``)."""
    count = 1 if cfg.encoders == "shared" else 2
    return nn.ModuleList(G2LEncoder(in_dim, cfg.hidden, cfg.layers) for _ in range(count))


def view_encoder(encoders: nn.ModuleList, v: int) -> nn.Module:
    """The encoder of view ``v`` (0 or 1)."""
    return encoders[v % len(encoders)]


def shuffle_rows(x: torch.Tensor) -> torch.Tensor:
    """DGI's corruption: the rows of ``x`` (dense or sparse COO) in a random order (torch's
    generator, seeded per cell by the host)."""
    order = torch.randperm(x.shape[0], device=x.device)
    if x.is_sparse:
        return torch.index_select(x, 0, order).coalesce()
    return x[order]


# -------------------------------------------------------------------------------------------------
# Node level
# -------------------------------------------------------------------------------------------------


def run_node_g2l(
    cfg: G2LNodeConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """G2L + JSD pre-training on a Planetoid graph, then a logistic-regression probe on the
    encoders' embeddings of the input graph."""
    root, checksum = require_dataset(ctx, cfg.dataset)
    data = load_planetoid(root, cfg.dataset)
    graph = data.graph
    n = graph.num_nodes
    x = torch.from_numpy(graph.x).to_sparse().coalesce().to(ctx.device)
    pre = set_up_pretraining(
        ctx,
        build,
        level="node",
        graphs=[graph],
        data_key={"dataset": cfg.dataset, "checksum": checksum},
        networks=lambda: (make_encoders(cfg, x.shape[1]), SummaryDiscriminator(cfg.hidden)),
        lr=cfg.lr,
        weight_decay=cfg.weight_decay,
        rates=(cfg.feature_mask_1, cfg.feature_mask_2),
    )
    # each summary against [the other view's nodes; their corrupted copies]
    positive = torch.zeros(1, 2 * n, dtype=torch.bool, device=ctx.device)
    positive[:, :n] = True

    def step(i: int) -> torch.Tensor:
        pre.model.train()
        summaries, candidates = [], []
        for v, view in enumerate(pre.clock.views(0, pre.rng)):
            rows = None if view.keep is None else torch.from_numpy(view.keep)
            x_view = mask_sparse(x, pre.rates[v], rows)
            edges = torch.from_numpy(both_directions(view.pairs)).to(ctx.device)
            encoder = view_encoder(pre.encoder, v)
            with ctx.autocast():
                h, _ = encoder(x_view, edges)
                h_corrupt, _ = encoder(shuffle_rows(x_view), edges)
                summaries.append(pre.head(h).float())
                candidates.append(torch.cat([h, h_corrupt]).float())
        loss = g2l_loss(
            (summaries[0], summaries[1]), (candidates[0], candidates[1]), (positive, positive)
        )
        pre.update(loss)
        return loss.detach()

    ssl_loss = pre.fit(ctx, step, cfg.epochs, log_every=10)
    with ctx.timer("eval"):
        pre.model.eval()
        with torch.no_grad():
            edges = torch.from_numpy(both_directions(graph.pairs)).to(ctx.device)
            embeddings = torch.cat([enc(x, edges)[0].float().cpu() for enc in pre.encoder], dim=1)
        accuracy, val_accuracy = node_probe(
            embeddings, data.labels, cfg.train_frac, cfg.val_frac, ctx.seed, cfg.probe_epochs
        )
    return {
        "accuracy": accuracy,
        "val_accuracy": val_accuracy,
        "ssl_loss": ssl_loss,
        **pre.clock.metrics(1),
    }


# -------------------------------------------------------------------------------------------------
# Graph level
# -------------------------------------------------------------------------------------------------


def membership(batch: torch.Tensor, num_graphs: int) -> torch.Tensor:
    """(num_graphs, num_nodes) bool: True where the node belongs to the graph."""
    graphs = torch.arange(num_graphs, device=batch.device)
    return graphs[:, None] == batch[None, :]


def run_graph_g2l(
    cfg: G2LGraphConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """G2L + JSD pre-training on a TU dataset, then a CV linear probe on the encoders' pooled
    embeddings of the input graphs."""
    root, checksum = require_dataset(ctx, cfg.dataset)
    graphs = subset_graphs(
        load_tu(root, cfg.dataset, cfg.node_features, cfg.max_degree), cfg.max_graphs or 0
    )

    def networks() -> tuple[nn.ModuleList, nn.ModuleDict]:
        encoders = make_encoders(cfg, graphs[0].x.shape[1])
        heads = nn.ModuleDict(
            {
                "local": ResidualMLP(cfg.hidden, cfg.hidden),
                "global": ResidualMLP(encoders[0].pooled_dim, cfg.hidden),
            }
        )
        return encoders, heads

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
            if len(ids) < 2:  # a graph's negatives are the batch's other graphs
                continue
            ctx.check_time()
            pairs = [pre.clock.views(int(g), pre.rng) for g in ids]
            members = [graphs[int(g)] for g in ids]
            summaries, nodes, positive = [], [], []
            for v in range(2):
                batch = collate(members, [p[v] for p in pairs], ctx.device)
                x = mask_columns(batch.x, pre.rates[v])
                with ctx.autocast():
                    h, g = view_encoder(pre.encoder, v)(x, batch.edge_index, batch.batch, len(ids))
                    nodes.append(pre.head["local"](h).float())
                    summaries.append(pre.head["global"](g).float())
                positive.append(membership(batch.batch, len(ids)))
            loss = g2l_loss(
                (summaries[0], summaries[1]), (nodes[0], nodes[1]), (positive[0], positive[1])
            )
            pre.update(loss)
            total, batches = total + loss.detach(), batches + 1
        return total / max(batches, 1)

    ssl_loss = pre.fit(ctx, epoch, cfg.epochs, log_every=1)
    with ctx.timer("eval"):
        embeddings = embed_graphs_g2l(pre.encoder, graphs, ctx.device)
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
def embed_graphs_g2l(
    encoders: nn.ModuleList, graphs: list[Graph], device: torch.device, batch_size: int = 512
) -> torch.Tensor:
    """Frozen pooled embeddings of the unaugmented graphs (every encoder's, concatenated)."""
    encoders.eval()
    out = []
    for start in range(0, len(graphs), batch_size):
        members = graphs[start : start + batch_size]
        batch = collate(members, [View(g.pairs) for g in members], device)
        pooled = [
            enc(batch.x, batch.edge_index, batch.batch, len(members))[1].float().cpu()
            for enc in encoders
        ]
        out.append(torch.cat(pooled, dim=1))
    return torch.cat(out)
