"""How often the reference code's inference-time double counting fires where it should.

At inference the reference GrAFF-MS code gives ``-log 2`` to an entry whose m/z equals another
entry's *as a float*: a product ``f`` at ``m/z(f)`` and a loss ``ℓ = P - f`` at
``m/z(P) - mass(ℓ)`` name the same ion, but the two floats need not be equal. In training the
code flags the same pair from the annotations (by formula). This script counts, over every
subformula ``f`` of the precursor ions of the MassBank subset's first ``--precursors`` kept
spectra, how often the two m/z are bitwise equal (what ``method.loss=reference`` reproduces).
Usage: ``HARNESS_DATA_DIR=../shared/data python benchmarks/ms_reference_hash.py``; writes
``results/benchmarks/ms_reference_hash.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from spectral_harness_ms.chem import enumerate_subformulas, formula_mass, ion_mz
from spectral_harness_ms.data import load_massbank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precursors", type=int, default=300)
    args = parser.parse_args()
    data_dir = Path(os.environ.get("HARNESS_DATA_DIR", "../shared/data"))
    start = time.perf_counter()
    dataset = load_massbank(data_dir)
    seen: set[tuple] = set()
    pairs = equal = 0
    for s in dataset.spectra:
        key = (tuple(int(x) for x in s.precursor), s.charge)
        if key in seen:
            continue
        seen.add(key)
        try:
            table = enumerate_subformulas(s.precursor, s.charge)
        except ValueError:
            continue
        product_mz = np.asarray(ion_mz(table.formulas, s.charge), dtype=np.float64)
        loss_mz = float(ion_mz(s.precursor, s.charge)) - np.asarray(
            formula_mass(np.asarray(s.precursor) - table.formulas), dtype=np.float64
        )
        pairs += len(product_mz)
        equal += int((product_mz == loss_mz).sum())
        if len(seen) >= args.precursors:
            break
    result = {
        "precursor_ions": len(seen),
        "product_loss_pairs": pairs,
        "bitwise_equal_mz": equal,
        "fraction_equal": equal / max(pairs, 1),
        "seconds": time.perf_counter() - start,
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))
    out = Path("results/benchmarks/ms_reference_hash.json")
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
