"""Reference numbers for the sr_x4 board: plain bicubic ×4 upsampling on the same test images,
with the same metrics (HaarPSI, FSIMc, VSI, MS-GMSD, Y-PSNR/SSIM, band magnitude RMSE,
spectral-profile distance), overall and per test set; ``--images N`` keeps the first N images of
each set, as ``task.test_images`` does (the CPU board: 20).

    HARNESS_DATA_DIR=../shared/data .venv/bin/python benchmarks/sr_bicubic_reference.py --images 20
writes results/leaderboards/sr/bicubic_reference.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from spectral_harness_sr import set_label
from spectral_harness_sr.datasets import DATASETS
from spectral_harness_sr.images import dataset_images, load_rgb
from spectral_harness_sr.task import evaluate_sr

OUT = Path("results/leaderboards/sr/bicubic_reference.json")


class Bicubic(nn.Module):
    """×4 bicubic interpolation (the classic SR baseline), clamped to [0, 1]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=4, mode="bicubic", align_corners=False).clamp(0, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["sr_set5", "sr_set14", "sr_bsd100"])
    parser.add_argument("--images", type=int, default=None, help="first N images of each set")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data_dir = Path(os.environ.get("HARNESS_DATA_DIR", "../shared/data"))
    specs = {d.name: d for d in DATASETS}
    tests = {
        set_label(name): [
            (p.stem, load_rgb(p))
            for p in dataset_images(data_dir, list(specs[name].files))[: args.images]
        ]
        for name in args.sets
    }
    start = time.perf_counter()
    metrics, _ = evaluate_sr(Bicubic(), tests, torch.device("cpu"), crop=0)
    result = {
        "what": "bicubic x4 upsampling of the bicubic-downscaled test images",
        "sets": args.sets,
        "images_per_set": args.images,
        "metrics": metrics,
        "seconds": round(time.perf_counter() - start, 2),
        "machine": f"{platform.machine()} CPU, 1 torch thread (2-core shared VM)",
    }
    print(json.dumps(result, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
