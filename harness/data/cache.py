"""A disk cache keyed by content: generated datasets, eigenpairs, pre-trained checkpoints.

The key is a hash of everything that determines the value (source checksum, generator name and
version, parameters, seed, resolution). Values are written atomically, and a file lock makes
concurrent launcher workers that need the same entry compute it once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from harness.storage import atomic_write, stable_hash

T = TypeVar("T")


def _torch_save(value: Any, path: Path) -> None:
    import torch

    torch.save(value, path)


def _torch_load(path: Path) -> Any:
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


class ContentCache:
    """Entries under ``<cache_dir>/<namespace>/<key>.pt``; ``hits``/``misses`` count lookups."""

    def __init__(self, cache_dir: Path, namespace: str) -> None:
        self.root = Path(cache_dir) / namespace
        self.hits = 0
        self.misses = 0

    def path(self, key_parts: dict[str, Any]) -> Path:
        """Where the entry for ``key_parts`` lives."""
        return self.root / f"{stable_hash(key_parts, length=24)}.pt"

    def get_or_create(
        self,
        key_parts: dict[str, Any],
        create: Callable[[], T],
        save: Callable[[T, Path], None] = _torch_save,
        load: Callable[[Path], T] = _torch_load,
    ) -> T:
        """The cached value for ``key_parts``, computing and storing it with ``create`` if absent.

        ``save``/``load`` default to ``torch.save`` and a weights-only ``torch.load`` (tensors,
        arrays of numbers, dicts, lists, strings).
        """
        path = self.path(key_parts)
        if path.is_file():
            self.hits += 1
            return load(path)
        self.root.mkdir(parents=True, exist_ok=True)
        with _locked(path.with_suffix(".lock")):
            if path.is_file():  # another worker made it while we waited
                self.hits += 1
                return load(path)
            self.misses += 1
            value = create()
            atomic_write(path, lambda tmp: save(value, tmp))
        return value


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no cross-process lock; atomic replace still keeps files whole
        yield
        return
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
