"""GrAFF-MS's compression claim on MassBank: how much training intensity a top-K formula
vocabulary explains, and what fraction of all observed formulas it is.

Also reports how much intensity subformula annotation explains at several ppm tolerances.
Usage: ``HARNESS_DATA_DIR=../shared/data python benchmarks/ms_vocabulary.py``; writes
``results/benchmarks/ms_vocabulary.json``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from spectral_harness_ms.data import (
    annotate,
    annotated_fraction,
    apply_annotations,
    assign_splits,
    load_massbank,
)
from spectral_harness_ms.vocab import build_vocabulary

SIZES = (100, 300, 1000, 2000, 5000, 10_000)
PPMS = (5.0, 10.0, 20.0)


def main() -> None:
    data_dir = Path(os.environ.get("HARNESS_DATA_DIR", "../shared/data"))
    start = time.perf_counter()
    dataset = load_massbank(data_dir)
    assign_splits(dataset, seed=0)
    train = dataset.split("train")
    annotation = {}
    for ppm in PPMS:
        apply_annotations(dataset.spectra, annotate(dataset.spectra, ppm, 0.002 * ppm / 20))
        annotation[f"{ppm:g}ppm"] = {
            "all": annotated_fraction(dataset.spectra),
            "train": annotated_fraction(train),
            "candidates_per_annotated_peak": sum(len(s.ann_peak) for s in train)
            / max(sum(int(s.annotated.sum()) for s in train), 1),
        }
    apply_annotations(dataset.spectra, annotate(dataset.spectra, 20.0, 0.002))  # task default
    vocab_rows = []
    for size in SIZES:
        vocab = build_vocabulary(train, size)
        vocab_rows.append(
            {
                "K": len(vocab),
                "train_intensity_covered": vocab.coverage,
                "fraction_of_observed_formulas": len(vocab) / vocab.unique_formulas,
                "observed_formulas": vocab.unique_formulas,
            }
        )
        print(
            f"K={len(vocab):>6}  covers {vocab.coverage:.3f} of train intensity  "
            f"= {len(vocab) / vocab.unique_formulas:.3%} of {vocab.unique_formulas} formulas"
        )
    for ppm, row in annotation.items():
        print(
            f"annotation at {ppm}: {row['train']:.3f} of train intensity, "
            f"{row['candidates_per_annotated_peak']:.2f} candidates per annotated peak"
        )
    result = {
        "dataset": "massbank_subset ([M+H]+/[M-H]-, QTOF/IT-TOF, split seed 0)",
        "train_spectra": len(train),
        "spectra": len(dataset.spectra),
        "dropped": dataset.dropped,
        "annotation": annotation,
        "vocabulary": vocab_rows,
        "seconds": time.perf_counter() - start,
        "machine": "2-core CPU shared with other jobs",
    }
    out = Path("results/benchmarks/ms_vocabulary.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
