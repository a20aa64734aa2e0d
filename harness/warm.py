"""The launching process learns what its forked cells import, so later cells inherit it.

A cell runs in a child forked from the launching process (:mod:`harness.isolation`) and inherits
every module the parent has imported; what the child imports itself (a task's lazily imported
image reader, a method's optional dependency) is lost when it exits and costs every cell again,
often more than the rest of the harness's overhead. After a cell, its child writes the names of
the modules it imported; the parent imports the same modules once, before the next fork.

Only modules of the Python installation and its packages are adopted (modules with a source
file); ones that fail to import in the parent are skipped silently and never retried: a cell
that imported them still can.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

_refused: set[str] = set()


class ImportLog:
    """A file in which a forked child lists the modules it imported beyond its parent's."""

    def __init__(self) -> None:
        self.before = frozenset(sys.modules)
        handle, name = tempfile.mkstemp(prefix="harness-imports-", suffix=".txt")
        os.close(handle)
        self.path = Path(name)

    def write(self) -> None:
        """In the child: record the modules imported since the log was made."""
        new = [name for name in sys.modules if name not in self.before and _adoptable(name)]
        with contextlib.suppress(OSError):
            self.path.write_text("\n".join(new), encoding="utf-8")

    def adopt(self) -> int:
        """In the parent: import what the child listed, remove the file; returns how many
        modules were imported."""
        try:
            names = self.path.read_text(encoding="utf-8").split()
        except OSError:
            names = []
        finally:
            self.path.unlink(missing_ok=True)
        return sum(1 for name in names if _import(name))


@contextlib.contextmanager
def learning_imports() -> Iterator[ImportLog]:
    """An :class:`ImportLog` for one forked cell; the parent adopts its imports at the end."""
    log = ImportLog()
    try:
        yield log
    finally:
        log.adopt()


def _adoptable(name: str) -> bool:
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    return bool(
        name != "__main__"
        and spec is not None
        and spec.origin
        and spec.has_location
        and os.path.isfile(spec.origin)
    )


def _import(name: str) -> bool:
    if name in sys.modules or name in _refused:
        return False
    try:
        importlib.import_module(name)
    except Exception:  # the parent cannot import it: the cells still can
        _refused.add(name)
        return False
    return True
