"""Linear probes on frozen embeddings, identical for every augmentation.

A multinomial logistic regression (zero-initialised, full-batch L-BFGS, features standardised on
the training part) whose L2 weight is chosen on held-out training data. Splits come from a numpy
generator seeded by the caller only (never re-seeded inside, unlike SPAN's evaluator), so the same
seed gives the same splits and, with the deterministic solver, the same accuracy.
"""

from __future__ import annotations

import numpy as np
import torch

WEIGHT_DECAYS = (1e-3, 1e-2, 1e-1)


def fit_logreg(
    x: torch.Tensor, y: torch.Tensor, num_classes: int, weight_decay: float, iterations: int
) -> torch.nn.Linear:
    """Logistic regression by L-BFGS from zero weights (deterministic)."""
    model = torch.nn.Linear(x.shape[1], num_classes, dtype=x.dtype)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    optimizer = torch.optim.LBFGS(
        model.parameters(),
        lr=1.0,
        max_iter=iterations,
        tolerance_grad=1e-5,
        tolerance_change=1e-7,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss = loss + weight_decay * model.weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return model


def _standardize(train: torch.Tensor, *others: torch.Tensor) -> list[torch.Tensor]:
    mean, std = train.mean(0), train.std(0).clamp_min(1e-6)
    return [(t - mean) / std for t in (train, *others)]


@torch.no_grad()
def _accuracy(model: torch.nn.Linear, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((model(x).argmax(1) == y).double().mean()) * 100.0


def _select(
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_val: torch.Tensor,
    y_val: torch.Tensor,
    num_classes: int,
    iterations: int,
) -> torch.nn.Linear:
    """The probe (one per weight decay) with the best validation accuracy (ties: the first)."""
    best, best_acc = None, -1.0
    for wd in WEIGHT_DECAYS:
        with torch.enable_grad():
            model = fit_logreg(x_train, y_train, num_classes, wd, iterations)
        acc = _accuracy(model, x_val, y_val)
        if acc > best_acc:
            best, best_acc = model, acc
    assert best is not None
    return best


def stratified_folds(labels: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    """Fold id of every sample: each class shuffled and dealt round-robin over the folds."""
    fold_of = np.empty(labels.shape[0], dtype=np.int64)
    offset = 0
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        rng.shuffle(members)
        fold_of[members] = (np.arange(members.size) + offset) % folds
        offset += members.size
    return fold_of


def graph_probe(
    embeddings: torch.Tensor, labels: np.ndarray, folds: int, seed: int, iterations: int
) -> tuple[float, float]:
    """Stratified ``folds``-fold CV accuracy (mean, std over folds, in %).

    In each fold the probe is fitted on 90 % of the training part for every weight decay, and the
    one with the best accuracy on the remaining (stratified) 10 % is scored on the held-out fold.
    """
    rng = np.random.default_rng(seed)
    x = embeddings.detach().double().cpu()
    y_np = np.asarray(labels, dtype=np.int64)
    y = torch.from_numpy(y_np)
    num_classes = int(y_np.max()) + 1
    fold_of = stratified_folds(y_np, folds, rng)
    accuracies = []
    for k in range(folds):
        train_idx, test_idx = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
        inner = stratified_folds(y_np[train_idx], 10, rng)
        fit_idx, val_idx = train_idx[inner != 0], train_idx[inner == 0]
        x_fit, x_val, x_test = _standardize(x[fit_idx], x[val_idx], x[test_idx])
        model = _select(x_fit, y[fit_idx], x_val, y[val_idx], num_classes, iterations)
        accuracies.append(_accuracy(model, x_test, y[test_idx]))
    return float(np.mean(accuracies)), float(np.std(accuracies))


def node_split(
    num_nodes: int, train_frac: float, val_frac: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random train / val / test node ids (the rest is test), from ``seed`` only."""
    order = np.random.default_rng(seed).permutation(num_nodes)
    n_train, n_val = round(train_frac * num_nodes), round(val_frac * num_nodes)
    return order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :]


def node_probe(
    embeddings: torch.Tensor,
    labels: np.ndarray,
    train_frac: float,
    val_frac: float,
    seed: int,
    iterations: int,
) -> tuple[float, float]:
    """(test accuracy, val accuracy) in % with the weight decay chosen on the validation nodes."""
    train_idx, val_idx, test_idx = node_split(embeddings.shape[0], train_frac, val_frac, seed)
    x = embeddings.detach().double().cpu()
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    num_classes = int(y.max()) + 1
    x_train, x_val, x_test = _standardize(x[train_idx], x[val_idx], x[test_idx])
    model = _select(x_train, y[train_idx], x_val, y[val_idx], num_classes, iterations)
    return _accuracy(model, x_test, y[test_idx]), _accuracy(model, x_val, y[val_idx])
