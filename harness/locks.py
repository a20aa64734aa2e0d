"""Per-cell lock files: a cell runs once even when two sweeps share one results directory.

A lock is ``<run_id>.lock`` beside the record, created with ``O_CREAT | O_EXCL`` and holding the
owner's pid, host and start time. Its owner touches it while the cell runs (a heartbeat). A lock
is stale, and is broken, when its owner is a dead process of this host, or when a lock of another
host has not been touched for :data:`STALE_AFTER_S` (that host died or lost the filesystem).
Breaking a stale lock is serialised by an ``flock`` on a guard file, so two processes that find
the same stale lock do not both take the cell.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HEARTBEAT_S = 15.0
STALE_AFTER_S = 8 * HEARTBEAT_S


class CellLock:
    """The lock of one cell; ``acquire`` is non-blocking."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        self.held = False

    def acquire(self) -> bool:
        """Take the lock, breaking a stale one; ``False`` when a live owner holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._create():
            return True
        with _flocked(self.path.parent / ".locks.guard"):
            if self._create():
                return True
            if not is_stale(self.path):
                return False
            self.path.unlink(missing_ok=True)
            return self._create()

    def holder(self) -> dict[str, Any]:
        """The owner written in the lock file (empty if unreadable)."""
        return read_owner(self.path)

    def heartbeat(self) -> None:
        """Mark the lock as alive (owners call this while the cell runs)."""
        if self.held:
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def release(self) -> None:
        """Remove the lock if this process holds it."""
        if self.held and read_owner(self.path).get("pid") == self.owner["pid"]:
            self.path.unlink(missing_ok=True)
        self.held = False

    def _create(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as handle:
            json.dump(self.owner, handle)
        self.held = True
        return True


def read_owner(path: Path) -> dict[str, Any]:
    """The owner recorded in a lock file, or ``{}``."""
    try:
        owner = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


def is_stale(path: Path) -> bool:
    """Whether the lock at ``path`` belongs to nobody alive (see the module docstring)."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return True
    owner = read_owner(path)
    if owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int):
        return not pid_alive(owner["pid"])
    # Unreadable (a writer died between create and write) or another host's: trust the heartbeat.
    return age > STALE_AFTER_S


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _flocked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: O_EXCL alone still stops most double runs
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
