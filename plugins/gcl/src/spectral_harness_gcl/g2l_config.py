"""Configs and scale presets of SPAN's own framework, the local–global (G2L) tasks.

GCL-SPAN trains its augmentation under an MVGRL/DGI-style objective: node ("local") embeddings
of one view against the graph ("global") summary of the other view, scored by a discriminator
and trained with the Jensen–Shannon estimator. ``gcl_node_g2l`` and ``gcl_graph_g2l`` run that
framework with the reference scripts' hyper-parameters (``unsupervised_node.py`` /
``unsupervised_graph.py``) at ``scale=full``; the augmentation comes from the same
``graph_augment`` slot as ``gcl_node`` / ``gcl_graph``. Torch-free: the registry imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness import param
from spectral_harness_gcl import GclTaskConfig
from spectral_harness_gcl.datasets import PLANETOID_NAMES, TU_NAMES

ENCODERS = ("shared", "per_view")


@dataclass
class G2LTaskConfig(GclTaskConfig):
    """What both G2L tasks share. ``encoders``: ``shared`` (one GCN encodes both views) or
    ``per_view`` (one GCN per view, as the reference scripts and MVGRL; the probe then reads
    both encoders' embeddings of the input graph, concatenated). ``feature_mask_1`` / ``_2``:
    the framework's column masking of each view, composed with every augmentation but
    ``identity``. ``lr`` None: the scale preset's (the reference's at ``full``; larger at
    ``cpu`` / ``smoke``, which train fewer epochs of a narrower encoder)."""

    lr: float | None = param(None, gt=0)
    weight_decay: float = param(0.0, ge=0)
    encoders: str = param("shared", choices=ENCODERS)


@dataclass
class G2LNodeConfig(G2LTaskConfig):
    """G2L + JSD on a Planetoid graph (GCL-SPAN ``unsupervised_node.py``): the summary of each
    view, σ(mean of its node embeddings), against the other view's nodes (positives) and the
    nodes of that view re-encoded with row-shuffled features (DGI's corruption, negatives);
    bilinear discriminator. Probe: a random 10 / 10 / 80 split (seeded), as ``gcl_node``."""

    dataset: str = param("cora", choices=PLANETOID_NAMES)
    feature_mask_1: float = param(0.4, ge=0, le=1)  # the reference's pf for both views
    feature_mask_2: float = param(0.4, ge=0, le=1)
    train_frac: float = param(0.1, gt=0, lt=1)
    val_frac: float = param(0.1, gt=0, lt=1)


@dataclass
class G2LGraphConfig(G2LTaskConfig):
    """G2L + JSD on a TU dataset (GCL-SPAN ``unsupervised_graph.py``): each graph's summary
    (per-layer sum pools, concatenated, through an MLP head) against the other view's nodes of
    the same graph (positives) and of the batch's other graphs (negatives), node embeddings
    through their own MLP head, dot-product discriminator. Probe: ``folds``-fold CV on the
    encoder's pooled embeddings, as ``gcl_graph``. The reference masks no features at graph
    level, hence rates 0 by default. ``node_features``, ``max_degree``, ``max_graphs``: as
    ``gcl_graph``."""

    dataset: str = param("MUTAG", choices=TU_NAMES)
    feature_mask_1: float = param(0.0, ge=0, le=1)
    feature_mask_2: float = param(0.0, ge=0, le=1)
    batch_size: int | None = param(None, ge=2)  # negatives are the batch's other graphs
    folds: int | None = param(None, ge=2)
    node_features: str = param("labels", choices=("labels", "degree", "constant"))
    max_degree: int = param(64, ge=0)
    max_graphs: int | None = param(None, ge=0)


# GCL-SPAN unsupervised_node.py: GCN 2 × 512 (PReLU), Adam 1e-4, 200 epochs, pf 0.4. ``cpu``:
# 60 epochs of a 2 × 256 GCN at lr 5e-4 (~15 s a run on one thread instead of ~2 min)
G2L_NODE_SCALES = {
    "smoke": dict(epochs=3, hidden=32, layers=2, probe_epochs=50, lr=1e-3),
    "cpu": dict(epochs=60, hidden=256, layers=2, probe_epochs=300, lr=5e-4),
    "full": dict(epochs=200, hidden=512, layers=2, probe_epochs=1000, lr=1e-4),
}
# GCL-SPAN unsupervised_graph.py: GCN 2 × 512 (PReLU) with per-layer add pools, MLP heads,
# Adam 1e-5, 100 epochs, batch 32. ``cpu``: 50 epochs of a 2 × 256 GCN at lr 1e-4 (~15 s a run
# on MUTAG instead of ~70 s)
G2L_GRAPH_SCALES = {
    "smoke": dict(
        epochs=2,
        hidden=16,
        layers=2,
        probe_epochs=30,
        batch_size=16,
        folds=3,
        max_graphs=40,
        lr=1e-3,
    ),
    "cpu": dict(
        epochs=50,
        hidden=256,
        layers=2,
        probe_epochs=100,
        batch_size=32,
        folds=10,
        max_graphs=0,
        lr=1e-4,
    ),
    "full": dict(
        epochs=100,
        hidden=512,
        layers=2,
        probe_epochs=500,
        batch_size=32,
        folds=10,
        max_graphs=0,
        lr=1e-5,
    ),
}
