"""Tell a test that failed because the data directory lacks a dataset, or the machine a program
a task runs, from one that failed for a reason of its own: the root ``conftest.py`` turns the
first kinds into a skip naming what is missing, so ``make test`` without the shared datasets (or
without, say, ``espeak-ng``) has skips, not failures."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from harness.specs import DatasetSpec

MISSING_DATASET = re.compile(r"dataset '([^']+)'(?: is missing|: \S+ is not in )")
MISSING_PROGRAM = re.compile(r"runs the program '([^']+)', which is not on PATH")


def incomplete_datasets(data_dir: Path, datasets: Mapping[str, DatasetSpec]) -> list[str]:
    """The registered datasets that lack a file in ``data_dir``, by name."""
    return sorted(
        name
        for name, spec in datasets.items()
        if any(not (data_dir / rel).is_file() for rel in spec.files)
    )


def missing_data_reason(
    text: str, data_dir: Path, datasets: Mapping[str, DatasetSpec]
) -> str | None:
    """Why a failure whose report reads ``text`` is only the data directory's lack of data, or
    ``None`` when it is not: it names a dataset that is incomplete in ``data_dir`` (``dataset
    'X' is missing``, the host's own message), or a path under ``data_dir`` that does not
    exist; or it names a program a task runs (the host's ``runs the program 'X', which is not
    on PATH``) that is still not on ``PATH``. With every dataset and program present, nothing is
    ever excused."""
    programs = [name for name in MISSING_PROGRAM.findall(text) if shutil.which(name) is None]
    if programs:
        return f"needs the program {', '.join(dict.fromkeys(programs))}, which is not on PATH"
    incomplete = incomplete_datasets(data_dir, datasets)
    if not incomplete:
        return None
    named = [name for name in MISSING_DATASET.findall(text) if name in incomplete]
    if named:
        return _reason(dict.fromkeys(named), data_dir)
    root = re.escape(str(data_dir).rstrip("/"))
    paths = [Path(p) for p in re.findall(root + r"/[^\s'\"():,]+", text)]
    absent = [str(p.relative_to(data_dir)) for p in paths if not p.exists()]
    if absent:
        return _reason(dict.fromkeys(absent), data_dir)
    return None


def _reason(names: Iterable[str], data_dir: Path) -> str:
    return (
        f"needs {', '.join(names)}, not in the data directory {data_dir} "
        "(set HARNESS_DATA_DIR to a folder with the shared datasets)"
    )
