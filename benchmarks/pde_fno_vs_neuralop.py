"""Our FNO side by side with the ``neuraloperator`` package's FNO: same data, same protocol,
same budget (epochs, batches, optimiser), the same architecture at an equal parameter count,
several seeds; accuracy and speed.

    HARNESS_DATA_DIR=../shared/data .venv/bin/python benchmarks/pde_fno_vs_neuralop.py \
        [--task darcy] [--scale cpu] [--seeds 0 1 2] [--threads 1] [--override epochs=4 ...]

Both models go through the harness runner (``make_cell``/``run_cell``), so the loop, the
normaliser, the relative-L2 loss and the evaluation are literally the same code; the package's
FNO is registered in-process as an extra ``pde_model`` method (nothing is written to the
project's registry or leaderboard: records go to a temporary results folder).
The package's FNO is configured as ours (4 Fourier layers of a linear skip + spectral conv,
GELU between layers, no channel MLP, a 128-channel projection head) and keeps the same Fourier
modes, so the parameter counts (real scalars, a complex weight counting two) agree to < 1 %;
what is left differs is the code: initialisation, domain padding, the spectral-conv bias.
Without the package installed (``pip install -e '.[bench]'``), our FNO still runs and the script
says clearly that the comparison was skipped. Numbers land in
``results/benchmarks/pde_fno_vs_neuralop.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import platform
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness import MethodConfig, MethodSpec  # noqa: E402
from harness.plugins import get_registry  # noqa: E402
from harness.runner import TrainerOptions, make_cell, run_cell  # noqa: E402
from harness.settings import Settings, WandbSettings  # noqa: E402

OUT = REPO / "results" / "benchmarks" / "pde_fno_vs_neuralop.json"
METRICS = ("rel_l2", "transfer_rel_l2", "params", "samples_per_s", "infer_samples_per_s")


@dataclass
class NeuralopFnoConfig(MethodConfig):
    """neuraloperator's FNO at our FNO's size and modes (see :func:`build_neuralop_fno`)."""

    width: int | None = None
    modes: int | None = None
    layers: int = 4


def neuralop_available() -> str | None:
    """The package's version, or ``None`` when it is not installed."""
    try:
        import neuralop
    except ImportError:
        return None
    return getattr(neuralop, "__version__", "unknown")


def build_neuralop_fno(cfg: NeuralopFnoConfig, problem):
    """The package's FNO on our inputs (grid channels already appended, so its own positional
    embedding is off), built like ours: no channel MLP, a 128-channel projection, the same
    retained modes. Ours keeps ``m`` rows of each sign × ``m`` rfft columns; the package counts
    ``n_modes`` over both signs and keeps ``n // 2 + 1`` rfft columns, so (2m, 2m − 2) is the
    same set of modes and the same number of weights. Non-periodic axes get its domain padding
    (a 1/8 fraction, ≈ our ⌈n/8⌉ + 1 points)."""
    from neuralop.models import FNO

    m = cfg.modes or problem.modes
    width = cfg.width or problem.width
    padding = [0.0 if p else 0.125 for p in problem.periodic]
    return FNO(
        n_modes=(2 * m, 2 * m - 2),
        in_channels=problem.in_channels,
        out_channels=problem.out_channels,
        hidden_channels=width,
        n_layers=cfg.layers,
        lifting_channel_ratio=1,
        projection_channel_ratio=128 / width,
        use_channel_mlp=False,
        domain_padding=padding if any(padding) else None,
        positional_embedding=None,
    )


def summarise(values: list[float]) -> dict[str, float]:
    """Mean, sample standard deviation and count of finite ``values``."""
    finite = [v for v in values if isinstance(v, float) and math.isfinite(v)]
    n = len(finite)
    mean = sum(finite) / n if n else math.nan
    std = math.sqrt(sum((v - mean) ** 2 for v in finite) / (n - 1)) if n > 1 else math.nan
    return {"mean": mean, "std": std, "n": n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="darcy")
    parser.add_argument("--scale", default="cpu")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--override", nargs="*", default=[], help="task field=value pairs")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    overrides = {}
    for item in args.override:
        key, _, value = item.partition("=")
        overrides[key] = json.loads(value)

    registry = get_registry()
    version = neuralop_available()
    methods = ["fno"]
    if version is None:
        print(
            "neuraloperator is NOT installed: running our FNO only; the side-by-side comparison "
            "is skipped (pip install neuraloperator to run it)."
        )
    else:
        key = ("pde_model", "neuralop_fno")
        # the pde plugin owns it for the record's code identity (nothing is saved beyond tmp)
        registry.owners[("method", key)] = registry.plugin_of("method", registry.method("fno"))
        registry.methods[key] = MethodSpec(
            name="neuralop_fno",
            slot="pde_model",
            config=NeuralopFnoConfig,
            build=build_neuralop_fno,
            summary=f"neuraloperator {version} FNO",
        )
        methods.append("neuralop_fno")

    runs: dict[str, list[dict]] = {method: [] for method in methods}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(
            results_dir=Path(tmp), progress=False, wandb=WandbSettings(enabled=False)
        )
        trainer = TrainerOptions(device=args.device, num_threads=args.threads)
        for seed in args.seeds:
            for method in methods:
                cell = make_cell(
                    registry,
                    args.task,
                    method,
                    seed=seed,
                    scale=args.scale,
                    task_overrides=overrides,
                    trainer=trainer,
                )
                record = run_cell(cell, registry, settings, force=True)
                runs[method].append(
                    {
                        "seed": seed,
                        "status": record.status,
                        **{k: record.metrics.get(k) for k in METRICS},
                        "train_seconds": record.train_seconds,
                        "device": record.device,
                        "error": record.error and record.error["message"],
                    }
                )
                task_cfg = record.config["task"]

    summary = {
        method: {k: summarise([row[k] for row in rows]) for k in METRICS}
        for method, rows in runs.items()
    }
    print(f"\n{'method':<14}" + "".join(f"{m:>24}" for m in METRICS))
    for method, row in summary.items():
        cells = "".join(f"{row[m]['mean']:>13.4g} ± {row[m]['std']:<8.2g}" for m in METRICS)
        print(f"{method:<14}{cells}")
    payload = {
        "benchmark": (
            "our FNO vs neuraloperator FNO: same data/protocol/budget, same architecture and "
            "modes (equal parameter counts), one run per seed"
        ),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "threads": args.threads,
        "task": args.task,
        "scale": args.scale,
        "seeds": args.seeds,
        "task_config": task_cfg,
        "neuraloperator": version or "not installed: comparison skipped",
        "summary": summary,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
