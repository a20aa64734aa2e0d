"""The ``graph_pe`` protocol, shared by ZINC and cycle counting: L1 loss, Adam with linear warm-up
and linear decay, test MAE at the epoch of best validation MAE (the model is restored to that
epoch and evaluated again)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from harness import RunContext, count_parameters, fit
from spectral_harness_graph_pe import CycleCountConfig, GraphRegressionConfig, ZincConfig
from spectral_harness_graph_pe.cycles import CycleGraphsSpec, cycle_graphs, regular_graphs
from spectral_harness_graph_pe.data import (
    SPLITS,
    Batch,
    GraphSet,
    PackedSplit,
    gather,
    load_zinc_npz,
    load_zinc_pyg,
    pack,
)
from spectral_harness_graph_pe.encoders import GraphPEProblem
from spectral_harness_graph_pe.model import build_backbone

EVAL_BATCH = 128


def load_splits(cfg: ZincConfig, ctx: RunContext) -> dict[str, GraphSet]:
    """Train/val/test graph sets from ``cfg.source``, cut to the configured sizes."""
    if cfg.source == "zinc12k":
        data_dir = ctx.data.require("zinc12k")
        sets = {split: load_zinc_npz(data_dir, split) for split in SPLITS}
        ctx.record_data("zinc12k", ctx.data.checksum("zinc12k"))
    elif cfg.source.startswith("pyg:"):
        root = Path(cfg.source[4:]).expanduser()
        if not root.is_absolute():
            root = ctx.data.data_dir / root
        sets = {split: load_zinc_pyg(root, split, ctx.settings.cache_dir) for split in SPLITS}
        ctx.record_data(cfg.source, sets["train"].checksum())
    else:
        raise ValueError(f"task.source must be zinc12k or pyg:<folder>, not {cfg.source!r}")
    return {
        "train": sets["train"].head(cfg.train_graphs or 0),
        "val": sets["val"].head(cfg.eval_graphs or 0),
        "test": sets["test"].head(cfg.eval_graphs or 0),
    }


def warmup_linear_decay(warmup: int, total: int) -> Callable[[int], float]:
    """LR factor per step: linear warm-up over ``warmup`` steps, then linear decay to 0."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    return factor


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Weight decay on weight matrices only (not biases, norm scales, ε)."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim > 1]
    rest = [p for p in model.parameters() if p.requires_grad and p.ndim <= 1]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]


@torch.no_grad()
def mean_absolute_error(model: torch.nn.Module, batches: list[Batch]) -> float:
    """MAE over every graph of ``batches`` (eval mode, restored afterwards)."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for batch in batches:
        total += float((model(batch).float() - batch.y.float()).abs().sum())
        count += batch.num_graphs
    model.train(was_training)
    return total / max(count, 1)


def fixed_batches(
    split: PackedSplit, size: int, graph_ids: torch.Tensor | None = None
) -> list[Batch]:
    """``graph_ids`` (default: every graph of ``split``) in batches of ``size``, in order."""
    ids = torch.arange(len(split)) if graph_ids is None else graph_ids
    return [gather(split, ids[start : start + size]) for start in range(0, len(ids), size)]


def run_zinc(cfg: ZincConfig, ctx: RunContext, build: Callable[[Any], Any]) -> dict[str, float]:
    """Train the GINE regressor with the method's positional encoding; report test MAE."""
    return train_and_test(cfg, ctx, build, load_splits(cfg, ctx), dataset=cfg.source)


def run_cycles(
    cfg: CycleCountConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """Count ``cycle_length``-cycles of generated graphs; report standardised and raw test MAE."""
    spec = CycleGraphsSpec(
        num_graphs=cfg.num_graphs,
        cycle_length=cfg.cycle_length,
        min_nodes=cfg.min_nodes,
        max_nodes=cfg.max_nodes,
        seed=cfg.data_seed,
    )
    raw = cycle_graphs(spec, ctx.settings.cache_dir)
    mean, std = float(raw["train"].y.mean()), float(raw["train"].y.std()) or 1.0
    sets = {split: replace(graphs, y=(graphs.y - mean) / std) for split, graphs in raw.items()}
    digest = sets["train"].checksum()
    ctx.record_data(f"cycles:{cfg.cycle_length}", digest)
    regular = torch.from_numpy(np.flatnonzero(regular_graphs(sets["test"])))
    metrics = train_and_test(
        cfg, ctx, build, sets, dataset=f"cycles:{digest}", test_subsets={"regular": regular}
    )
    return {**metrics, "test_mae_counts": metrics["test_mae"] * std}


def train_and_test(
    cfg: GraphRegressionConfig,
    ctx: RunContext,
    build: Callable[[Any], Any],
    sets: dict[str, GraphSet],
    dataset: str,
    test_subsets: dict[str, torch.Tensor] | None = None,
) -> dict[str, float]:
    """Train the GINE regressor with the method's positional encoding on ``sets`` and test the
    model of the best validation epoch; ``dataset`` names the data in the PE caches' keys.
    ``test_subsets`` (name → test graph ids) add a ``test_mae_<name>`` each."""
    problem = GraphPEProblem(
        pe_dims=cfg.pe_dims,
        pe_out=cfg.pe_out,
        pe_hidden=cfg.pe_hidden,
        pe_layers=cfg.pe_layers,
        spe_channels=cfg.spe_channels,
    )
    encoder = build(problem)
    started = time.perf_counter()
    packed = {
        split: pack(
            graphs,
            encoder.features,
            pe_dims=cfg.pe_dims,
            cache_dir=ctx.settings.cache_dir,
            key={"dataset": dataset, "split": split},
            device=ctx.device,
        )
        for split, graphs in sets.items()
    }
    precompute_s = time.perf_counter() - started
    model = build_backbone(
        cfg.backbone, encoder, cfg.hidden, cfg.layers, cfg.pe_every_layer, cfg.pool
    )
    model = model.to(ctx.device)
    train = packed["train"]
    steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
    total_steps = cfg.epochs * steps_per_epoch
    optimizer = torch.optim.Adam(param_groups(model, cfg.weight_decay), lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, warmup_linear_decay(cfg.warmup_steps or 0, total_steps)
    )
    generator = torch.Generator().manual_seed(ctx.seed)
    order: list[torch.Tensor] = []
    evaluation = {split: fixed_batches(packed[split], EVAL_BATCH) for split in ("val", "test")}

    def step(i: int) -> torch.Tensor:
        position = (i - 1) % steps_per_epoch
        if position == 0:
            order[:] = [torch.randperm(len(train), generator=generator)]
        ids = order[0][position * cfg.batch_size : (position + 1) * cfg.batch_size]
        batch = gather(train, ids)
        with ctx.autocast():
            prediction = model(batch)
        loss = torch.nn.functional.l1_loss(prediction.float(), batch.y.float())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        return loss.detach()

    def evaluate() -> dict[str, float]:  # selection sees validation only
        return {"val_mae": mean_absolute_error(model, evaluation["val"])}

    result = fit(
        ctx,
        model,
        step,
        evaluate,
        steps=total_steps,
        eval_every=steps_per_epoch * max(1, cfg.eval_every_epochs),
        select="val_mae",
        goal="min",
        log_every=max(1, min(50, steps_per_epoch)),
    )
    # fit restored the weights of the best validation epoch: test that model, once
    with ctx.timer("eval"):
        test_mae = mean_absolute_error(model, evaluation["test"])
        subset_maes = {
            f"test_mae_{name}": mean_absolute_error(
                model, fixed_batches(packed["test"], EVAL_BATCH, ids)
            )
            for name, ids in (test_subsets or {}).items()
        }
    train_s = ctx.seconds["train"]
    return {
        **result.metrics,
        "test_mae": test_mae,
        **subset_maes,
        "train_graphs_per_s": len(train) * cfg.epochs / train_s if train_s > 0 else math.nan,
        "params": float(count_parameters(model)),
        "best_epoch": float(result.best_step / steps_per_epoch),
        "precompute_s": precompute_s,
    }
