"""Which layers carry the gradient confusion of ``inr_spectral_bias``: ReLU vs ReLU+PE at matched
loss, over all parameters, over all but the output layer ("body"), and over the output layer.

The task's protocol (scale=cpu): Σ 0.25·sin(2πft), f ∈ {1, 4, 16, 64}, on 256 and 1,024 points,
4 layers × 64, full-batch Adam at 1e-3, the same 64 training points and the same initialisation
per seed; each network trains until its full-grid MSE first reaches 0.5 × the target's power
(checked every step, so no interpolation) and is measured there.

    .venv/bin/python benchmarks/inr_confusion_by_layer.py \
        results/leaderboards/inr/confusion_by_layer.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

from spectral_harness_inr import InrProblem, ReluConfig, ReluPosencConfig, Signal
from spectral_harness_inr.bias_spec import BIAS_AMPLITUDE, BIAS_FREQUENCIES
from spectral_harness_inr.methods import build_relu, build_relu_posenc
from spectral_harness_inr.spectral_bias import (
    gradient_confusion,
    per_example_gradients,
    periodic_coords,
    sinusoid_target,
)

METHODS = {
    "relu": lambda problem: build_relu(ReluConfig(), problem),
    "relu_posenc": lambda problem: build_relu_posenc(ReluPosencConfig(num_frequencies=8), problem),
}
DENSITIES = {"sparse": 256, "dense": 1024}
SEEDS = (0, 1, 2)
MAX_STEPS = 1000


def measure(method: str, points: int, seed: int) -> dict[str, float]:
    """Train to matched loss; the confusion over all parameters, the body and the head."""
    values = sinusoid_target(points, BIAS_FREQUENCIES, BIAS_AMPLITUDE)
    torch.manual_seed(seed)
    model = METHODS[method](InrProblem(Signal(values, (points,)), 64, 3))
    x, y = periodic_coords(points), torch.from_numpy(values)
    generator = torch.Generator().manual_seed(seed)
    chosen = torch.randperm(points, generator=generator)[:64].sort().values
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    level = 0.5 * float(np.mean(values.astype(np.float64) ** 2))
    step, mse = 0, float("inf")
    while mse > level and step < MAX_STEPS:
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
        with torch.no_grad():
            mse = float(torch.nn.functional.mse_loss(model(x), y))
    grads = per_example_gradients(model, x[chosen], y[chosen])
    head = sum(p.numel() for p in list(model.parameters())[-2:])  # output weight and bias
    return {
        "step": step,
        "mse": mse,
        "all": gradient_confusion(grads),
        "body": gradient_confusion(grads[:, :-head]),
        "head": gradient_confusion(grads[:, -head:]),
    }


def main(argv: list[str]) -> None:
    """Measure every (method, density, seed); print the means and write them all to ``argv[0]``."""
    torch.set_num_threads(1)
    rows = [
        {"method": m, "density": d, "seed": s, **measure(m, n, s)}
        for m in METHODS
        for d, n in DENSITIES.items()
        for s in SEEDS
    ]
    for method in METHODS:
        for density in DENSITIES:
            mine = [r for r in rows if r["method"] == method and r["density"] == density]
            means = {k: np.mean([r[k] for r in mine]) for k in ("step", "all", "body", "head")}
            print(
                f"{method:12s} {density:6s} step {means['step']:6.1f}  confusion all "
                f"{means['all']:.3f}  body {means['body']:.3f}  head {means['head']:.3f}"
            )
    Path(argv[0]).write_text(json.dumps(rows, indent=1) + "\n")
    print(f"wrote {argv[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
