"""Our FNO side by side with the ``neuraloperator`` package's FNO: same data, same protocol,
same budget (epochs, batches, optimiser, seed), one run each; accuracy and speed.

    HARNESS_DATA_DIR=../shared/data .venv/bin/python benchmarks/pde_fno_vs_neuralop.py \
        [--task darcy] [--scale cpu] [--seed 0] [--threads 1] [--override epochs=4 ...]

Both models go through the harness runner (``make_cell``/``run_cell``), so the loop, the
normaliser, the relative-L2 loss and the evaluation are literally the same code; the package's
FNO is registered in-process as an extra ``pde_model`` method (nothing is written to the
project's registry or leaderboard: records go to a temporary results folder).
Without the package installed, our FNO still runs and the script says clearly that the
comparison was skipped. Numbers land in ``results/benchmarks/pde_fno_vs_neuralop.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
    """neuraloperator's FNO at our FNO's size. neuraloperator counts ``n_modes`` over both signs
    of a frequency (its 24 ≈ the FNO paper's 12 per side), so it gets 2 × our modes."""

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
    embedding is switched off); non-periodic axes get its domain padding (≈ ours)."""
    from neuralop.models import FNO

    modes = 2 * (cfg.modes or problem.modes)
    padding = [0.0 if p else 0.125 for p in problem.periodic]
    kwargs = dict(
        n_modes=(modes, modes),
        in_channels=problem.in_channels,
        out_channels=problem.out_channels,
        hidden_channels=cfg.width or problem.width,
        n_layers=cfg.layers,
        domain_padding=padding if any(padding) else None,
    )
    try:
        return FNO(**kwargs, positional_embedding=None)
    except TypeError:  # older releases have no positional_embedding argument
        return FNO(**kwargs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="darcy")
    parser.add_argument("--scale", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
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
        registry.methods[("pde_model", "neuralop_fno")] = MethodSpec(
            name="neuralop_fno",
            slot="pde_model",
            config=NeuralopFnoConfig,
            build=build_neuralop_fno,
            summary=f"neuraloperator {version} FNO",
        )
        methods.append("neuralop_fno")

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(
            results_dir=Path(tmp), progress=False, wandb=WandbSettings(enabled=False)
        )
        trainer = TrainerOptions(device=args.device, num_threads=args.threads)
        for method in methods:
            cell = make_cell(
                registry,
                args.task,
                method,
                seed=args.seed,
                scale=args.scale,
                task_overrides=overrides,
                trainer=trainer,
            )
            record = run_cell(cell, registry, settings, force=True)
            results[method] = {
                "status": record.status,
                **{k: record.metrics.get(k) for k in METRICS},
                "train_seconds": record.train_seconds,
                "device": record.device,
                "error": record.error and record.error["message"],
            }
            task_cfg = record.config["task"]

    print(f"\n{'method':<14}" + "".join(f"{m:>20}" for m in METRICS))
    for method, row in results.items():
        cells = "".join(
            f"{row[m]:>20.4g}" if isinstance(row[m], float) else f"{row[m]!s:>20}" for m in METRICS
        )
        print(f"{method:<14}{cells}   [{row['status']}]")
    payload = {
        "benchmark": "our FNO vs neuraloperator FNO, same data/protocol/budget, one run each",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "threads": args.threads,
        "task": args.task,
        "scale": args.scale,
        "seed": args.seed,
        "task_config": task_cfg,
        "neuraloperator": version or "not installed: comparison skipped",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
