"""Storage primitives every store of the harness builds on: stable hashes and atomic writes.

The lowest layer of the host: it imports nothing from ``harness``, so any module (records, data
store, content cache, run identity, plugins through ``harness.stable_hash``) can use it without
pulling in the plugin manager or Hydra.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def stable_hash(payload: Any, length: int = 16) -> str:
    """A short sha256 of a JSON-serialisable payload, independent of key order."""
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Create ``path`` with ``write(tmp)`` so that it is either the old file or the whole new one.

    ``write`` fills a temporary file in the same directory (named ``.<name>.<random>.tmp``, which
    readers of a directory skip); it is fsynced, then ``os.replace`` swaps it in (atomic on POSIX
    and Windows), so a process killed mid-write never leaves a truncated file behind. On any
    failure the temporary file is removed and the error propagates.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; honour the umask instead
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as JSON (sorted keys, indent 1) with :func:`atomic_write`."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1, sort_keys=True, default=str)

    atomic_write(path, write)


def _umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    # Opened for writing: Windows refuses to flush a handle opened read-only.
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
