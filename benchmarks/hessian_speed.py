"""Hessian top-5 by our Lanczos (``harness.lanczos_top`` on ``harness.hvp_operator``) on a
~100k-parameter model, against one epoch's gradient computation (issue 17's target: ≤ 10×) and
against PyHessian's power iteration with deflation on the same model, batch and device in the
same run; SciPy's ARPACK ``eigsh`` on our HVP operator checks the eigenvalues. Where
``weightwatcher`` is installed, its per-layer power-law α is set beside ours
(``harness.mle_alpha``) on the same trained weights.

    .venv/bin/python benchmarks/hessian_speed.py [--repeats 3] [--threads 1] [--device cpu]

The model: an MLP 64-300-256-10 (ReLU, 99 126 parameters, float32) trained for 3 epochs on
sklearn's digits (1 797 images, minibatches of 64). The Hessian is that of the cross-entropy on
one probe batch of ``--batch`` images (PyHessian's single-batch mode: both reuse one gradient
graph for every product). "One epoch's gradient" = forward + backward over every minibatch.
PyHessian and weightwatcher come from the diag family's ``bench`` extra
(``pip install -e 'plugins/diag[bench]'``); without them the script says the comparison was
skipped. Numbers land in ``results/benchmarks/hessian_speed.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from harness import esd, hvp_operator, lanczos_top, mle_alpha, weight_matrices

OUT = Path(__file__).resolve().parents[1] / "results" / "benchmarks" / "hessian_speed.json"


def _data(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return (
        torch.tensor(x / 16.0, dtype=torch.float32, device=device),
        torch.tensor(y, dtype=torch.int64, device=device),
    )


def _model(device: torch.device) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(64, 300),
        torch.nn.ReLU(),
        torch.nn.Linear(300, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    ).to(device)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _epoch_gradient(model, x, y, batch: int, device) -> float:
    """Seconds for forward + backward over every minibatch (no optimiser step)."""
    _sync(device)
    start = time.perf_counter()
    for i in range(0, x.shape[0], batch):
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(x[i : i + batch]), y[i : i + batch]).backward()
    _sync(device)
    return time.perf_counter() - start


def _ours(model, xb, yb, k: int, tol: float, device) -> tuple[float, list[float], int]:
    _sync(device)
    start = time.perf_counter()
    matvec, dim = hvp_operator(
        lambda: torch.nn.functional.cross_entropy(model(xb), yb), list(model.parameters())
    )
    values, _, matvecs = lanczos_top(
        matvec, dim, k, tol=tol, dtype=torch.float32, device=device,
        generator=torch.Generator().manual_seed(0),
    )  # fmt: skip
    _sync(device)
    return time.perf_counter() - start, values.tolist(), matvecs


def _pyhessian(model, xb, yb, k: int, device) -> tuple[float, list[float]] | None:
    try:
        from pyhessian import hessian
    except ImportError:
        return None
    torch.manual_seed(0)
    _sync(device)
    start = time.perf_counter()
    h = hessian(model, torch.nn.CrossEntropyLoss(), data=(xb, yb), cuda=device.type == "cuda")
    values, _ = h.eigenvalues(top_n=k)  # its defaults: maxIter=100, tol=1e-3
    _sync(device)
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - start, sorted(values, reverse=True)


def _eigsh(model, xb, yb, k: int) -> list[float]:
    from scipy.sparse.linalg import LinearOperator, eigsh

    matvec, dim = hvp_operator(
        lambda: torch.nn.functional.cross_entropy(model(xb), yb), list(model.parameters())
    )
    op = LinearOperator(
        (dim, dim),
        matvec=lambda v: matvec(torch.as_tensor(v.ravel(), dtype=torch.float32)).double().numpy(),
        dtype=np.float64,
    )
    return sorted(eigsh(op, k=k, which="LA", tol=1e-6)[0].tolist(), reverse=True)


def _weightwatcher(model) -> dict[str, object]:
    ours = {n: mle_alpha(esd(w))[0] for n, w in weight_matrices(model) if min(w.shape) > 20}
    try:
        import weightwatcher
    except ImportError:
        return {"skipped": "weightwatcher is not installed", "ours": ours}
    details = weightwatcher.WeightWatcher(model=model).analyze()
    theirs = [float(a) for a in details["alpha"]]
    return {"ours": ours, "weightwatcher": theirs}


def main() -> None:
    """Train the model, time each route ``--repeats`` times, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=256, help="the Hessian's probe batch")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--tol", type=float, default=1e-3)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    x, y = _data(device)
    model = _model(device)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(3):
        for i in range(0, x.shape[0], 64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[i : i + 64]), y[i : i + 64]).backward()
            opt.step()
    model.eval()
    xb, yb = x[: args.batch], y[: args.batch]
    epoch, ours, theirs = [], [], []
    values: list[float] = []
    reference: list[float] = []
    matvecs = 0
    for _ in range(args.repeats):
        epoch.append(_epoch_gradient(model, x, y, 64, device))
        seconds, values, matvecs = _ours(model, xb, yb, args.k, args.tol, device)
        ours.append(seconds)
        result = _pyhessian(model, xb, yb, args.k, device)
        if result is not None:
            theirs.append(result[0])
            reference = result[1]
    exact = _eigsh(model, xb, yb, args.k) if device.type == "cpu" else []
    report = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "device": str(device),
        "threads": args.threads,
        "torch": torch.__version__,
        "params": params,
        "probe_batch": args.batch,
        "k": args.k,
        "tol": args.tol,
        "epoch_gradient_s": statistics.median(epoch),
        "lanczos_s": statistics.median(ours),
        "lanczos_matvecs": matvecs,
        "lanczos_over_epoch": statistics.median(ours) / statistics.median(epoch),
        "lanczos_top": values,
        "eigsh_top": exact,
        "pyhessian_s": statistics.median(theirs) if theirs else None,
        "pyhessian_top": reference,
        "lanczos_speedup_over_pyhessian": (
            statistics.median(theirs) / statistics.median(ours) if theirs else None
        ),
        "pyhessian": "compared" if theirs else "skipped: pyhessian is not installed",
        "alpha": _weightwatcher(model),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "alpha"}, indent=2))
    print("alpha:", report["alpha"])


if __name__ == "__main__":
    main()
