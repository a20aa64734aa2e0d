"""The spectral-bias measurements of Lazzari & Liu (2023) on a coordinate network.

Each function measures one thing about a model on a 1-D grid, at one moment of training:

* :func:`frequency_residuals`: how much of each target frequency is still unfit (the residual's
  Fourier coefficient at that frequency over the target's);
* :func:`per_example_gradients` and :func:`gradient_confusion`: how much the examples' loss
  gradients pull against each other;
* :func:`activation_regions`: how many ReLU activation patterns the network has along the input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn


def sinusoid_target(points: int, frequencies: Sequence[int], amplitude: float) -> np.ndarray:
    """``Σ_f amplitude · sin(2π f t)`` at ``t = i / points`` (a periodic grid on [0, 1)), as a
    float32 column ``(points, 1)``; each frequency (cycles over [0, 1)) is then one DFT bin."""
    t = np.arange(points, dtype=np.float64) / points
    values = sum(amplitude * np.sin(2.0 * np.pi * f * t) for f in frequencies)
    return np.asarray(values, dtype=np.float32)[:, None]


def periodic_coords(points: int) -> torch.Tensor:
    """The input ``x = 2t − 1`` for ``t = i / points``: (points, 1) float32 in [-1, 1)."""
    t = torch.arange(points, dtype=torch.float64) / points
    return (2.0 * t - 1.0).float()[:, None]


def frequency_residuals(
    residual: np.ndarray, target: np.ndarray, frequencies: Sequence[int]
) -> np.ndarray:
    """``|R(f)| / |Y(f)|`` for each of ``frequencies``: the residual's DFT coefficient at ``f``
    over the target's (0: the component is fit; 1: none of it is; the square is the residual's
    energy at ``f`` as a fraction of the target's). ``residual`` and ``target`` are 1-D samples on
    the same periodic grid; a frequency where the target has no energy is refused."""
    residual_spectrum = np.fft.rfft(np.asarray(residual, dtype=np.float64).reshape(-1))
    target_spectrum = np.fft.rfft(np.asarray(target, dtype=np.float64).reshape(-1))
    index = np.asarray(frequencies, dtype=int)
    reference = np.abs(target_spectrum[index])
    if np.any(reference <= 1e-9 * np.abs(target_spectrum).max()):
        raise ValueError(f"the target has no energy at some of the frequencies {list(index)}")
    return np.abs(residual_spectrum[index]) / reference


def per_example_gradients(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Each example's gradient of its squared error ``½ (f(x_i) − y_i)²`` with respect to every
    trainable parameter, flattened: (examples, parameters). One vectorised pass
    (``torch.func.vmap`` of ``torch.func.grad``); buffers (encodings) are held fixed."""
    from torch.func import functional_call, grad, vmap

    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}
    frozen = {k: v.detach() for k, v in model.named_parameters() if not v.requires_grad}
    buffers = dict(model.named_buffers())

    def loss(p: dict[str, torch.Tensor], xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        out = functional_call(model, (p, frozen, buffers), (xi[None],))
        return 0.5 * ((out.float() - yi[None]) ** 2).sum()

    grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    return torch.cat([g.reshape(x.shape[0], -1) for g in grads.values()], dim=1)


def gradient_confusion(grads: torch.Tensor) -> float:
    """Mean over the pairs ``i < j`` of ``max(0, −cos(g_i, g_j))``: 0 when no two examples'
    gradients pull against each other, 1 when every pair points in opposite directions
    (the cosine form of Sankararaman et al.'s gradient confusion). A zero gradient counts as
    orthogonal to every other."""
    n = grads.shape[0]
    if n < 2:
        raise ValueError("gradient confusion needs at least two examples")
    g = grads.double()
    norms = g.norm(dim=1, keepdim=True)
    unit = torch.where(norms > 0, g / norms.clamp_min(1e-300), torch.zeros_like(g))
    cosine = unit @ unit.T
    upper = torch.triu_indices(n, n, offset=1)
    pairs = cosine[upper[0], upper[1]]
    return float(torch.clamp(-pairs, min=0.0).mean())


def relu_units(model: nn.Module) -> list[nn.ReLU]:
    """The model's ReLU modules, in order (none for a sine or Gabor network)."""
    return [m for m in model.modules() if isinstance(m, nn.ReLU)]


@torch.no_grad()
def activation_regions(model: nn.Module, x: torch.Tensor) -> int | None:
    """The number of distinct consecutive ReLU activation patterns along the sorted 1-D inputs
    ``x`` (P, 1): 1 + the count of neighbouring points whose on/off pattern over all ReLU units
    differs. A count is a lower bound: two boundaries between neighbouring points count once.
    ``None`` when the model has no ReLU units (activation regions are defined for piecewise-
    linear networks only)."""
    units = relu_units(model)
    if not units:
        return None
    patterns: list[torch.Tensor] = []
    handles = [
        unit.register_forward_hook(lambda _m, inputs, _o: patterns.append(inputs[0] > 0))
        for unit in units
    ]
    try:
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    pattern = torch.cat([p.reshape(x.shape[0], -1) for p in patterns], dim=1)
    changes = (pattern[1:] != pattern[:-1]).any(dim=1)
    return 1 + int(changes.sum())
