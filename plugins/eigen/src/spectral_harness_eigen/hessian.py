"""The Hessian of a small network's training loss as a matrix family (Sagun et al. 2016/2017).

A tanh MLP d → h → h → c is trained full-batch (Adam, float64) on seeded Gaussian blobs with
``classes`` clusters; the Hessian of the mean cross-entropy at the trained parameters is the
matrix. The exact reference is the dense Hessian (``torch.func.hessian`` over the flat
parameter vector, symmetrised) and its LAPACK spectrum; solvers see only Hessian–vector
products (double back-propagation through the same loss), never the dense matrix.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def blobs(samples: int, dim: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``samples`` points in ``dim`` dimensions around ``classes`` seeded unit-variance
    centres (N(0, I)) that overlap, with their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((classes, dim))
    labels = rng.integers(0, classes, samples)
    return centres[labels] + rng.standard_normal((samples, dim)), labels


def trained_loss(
    samples: int, dim: int, width: int, classes: int, steps: int, seed: int
) -> tuple[Callable, np.ndarray]:
    """Train the MLP for ``steps`` Adam steps; return ``loss(flat_params)`` (a torch function
    of a float64 vector) and the trained flat parameters."""
    import torch
    from torch.func import functional_call

    torch.manual_seed(seed)
    x, y = blobs(samples, dim, classes, seed)
    inputs = torch.as_tensor(x)
    labels = torch.as_tensor(y)
    model = torch.nn.Sequential(
        torch.nn.Linear(dim, width),
        torch.nn.Tanh(),
        torch.nn.Linear(width, width),
        torch.nn.Tanh(),
        torch.nn.Linear(width, classes),
    ).double()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
    names = [name for name, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]

    def flat_loss(theta: torch.Tensor) -> torch.Tensor:
        chunks = torch.split(theta, sizes)
        params = {n: c.reshape(s) for n, c, s in zip(names, chunks, shapes, strict=True)}
        logits = functional_call(model, params, (inputs,))
        return torch.nn.functional.cross_entropy(logits, labels)

    theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    return flat_loss, theta.numpy()


def dense_hessian(loss: Callable, theta: np.ndarray) -> np.ndarray:
    """The exact Hessian of ``loss`` at ``theta`` (``torch.func.hessian``), symmetrised."""
    import torch
    from torch.func import hessian

    matrix = hessian(loss)(torch.as_tensor(theta)).numpy()
    return (matrix + matrix.T) / 2.0


def hvp(loss: Callable, theta: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``block ↦ H @ block`` by double back-propagation (one gradient graph, one backward per
    column); ``block`` is a vector or an (n, k) array."""
    import torch

    point = torch.as_tensor(theta).clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(loss(point), point, create_graph=True)

    def apply(block: np.ndarray) -> np.ndarray:
        columns = np.asarray(block, dtype=np.float64)
        matrix = columns.reshape(len(theta), -1)
        out = np.empty_like(matrix)
        for j in range(matrix.shape[1]):
            vector = torch.as_tensor(np.ascontiguousarray(matrix[:, j]))
            (product,) = torch.autograd.grad(gradient, point, vector, retain_graph=True)
            out[:, j] = product.numpy()
        return out.reshape(columns.shape)

    return apply
