"""Run a cell in a forked child process, so that whatever the method does, the sweep survives.

A method may call ``sys.exit``, segfault, be killed by the kernel's OOM killer or hang inside a C
kernel. In the child none of that reaches the launching process: the parent waits for the child,
forwards its output as it comes, keeps the last lines, and kills it once it is past its
wall-clock limit plus grace. ``fork`` (not ``spawn``) keeps the cost per cell at a few
milliseconds, because the child inherits the parent's imported modules.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

TAIL_BYTES = 16384
TAIL_LINES = 80
READER_GRACE_S = 1.0


@dataclass(frozen=True)
class ChildOutcome:
    """How a child ended: exit code or signal, whether the parent killed it for time, and the
    last lines it wrote to stdout/stderr."""

    exit_code: int | None
    signal: int | None
    killed_for_time: bool
    tail: list[str]
    seconds: float
    cpu_seconds: float | None = None  # user + system CPU of the child (and what it waited for)

    def describe(self) -> str:
        """One line: how the process ended."""
        if self.killed_for_time:
            return "killed by the harness: past its wall-clock limit plus grace"
        if self.signal is not None:
            name = signal.Signals(self.signal).name
            hint = " (out of memory?)" if self.signal == signal.SIGKILL else ""
            return f"killed by signal {self.signal} ({name}){hint}"
        return f"exited with code {self.exit_code}"


def run_isolated(
    target: Callable[[], int],
    *,
    deadline_s: float | None,
    heartbeat: Callable[[], None],
    heartbeat_s: float,
) -> ChildOutcome:
    """Run ``target`` in a forked child; its return value is the child's exit code.

    ``heartbeat`` is called every ``heartbeat_s`` while the child runs. A child still alive
    ``deadline_s`` seconds after it started is killed (``SIGKILL``). Ctrl-C in the parent kills
    the child and re-raises.
    """
    pipes = [os.pipe(), os.pipe()]
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        _child(target, [w for _, w in pipes], [r for r, _ in pipes])
    for _, w in pipes:
        os.close(w)
    tail = bytearray()
    lock = threading.Lock()
    readers = [
        threading.Thread(target=_forward, args=(r, stream, tail, lock), daemon=True)
        for (r, _), stream in zip(pipes, (sys.stdout, sys.stderr), strict=True)
    ]
    for reader in readers:
        reader.start()
    status: list[int] = []
    usage: list[float] = []
    done = threading.Event()

    def wait() -> None:
        _, code, rusage = os.wait4(pid, 0)
        usage.append(rusage.ru_utime + rusage.ru_stime)
        status.append(code)
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    killed = False
    try:
        while not done.wait(_next_wait(started, deadline_s, heartbeat_s)):
            heartbeat()
            if deadline_s is not None and time.monotonic() - started >= deadline_s:
                killed = True
                _kill(pid)
                done.wait()
    except BaseException:  # Ctrl-C or an error in the parent: never leave the child running
        _kill(pid)
        raise
    for reader in readers:
        # A daemon the child started may hold its pipes open: wait briefly, not for its end.
        reader.join(READER_GRACE_S)
    code = status[0]
    lines = bytes(tail).decode("utf-8", "replace").replace("\r", "\n").splitlines()
    return ChildOutcome(
        exit_code=os.waitstatus_to_exitcode(code) if os.WIFEXITED(code) else None,
        signal=os.WTERMSIG(code) if os.WIFSIGNALED(code) else None,
        killed_for_time=killed,
        tail=[line for line in lines if line.strip()][-TAIL_LINES:],
        seconds=time.monotonic() - started,
        cpu_seconds=usage[0],
    )


def _next_wait(started: float, deadline_s: float | None, heartbeat_s: float) -> float:
    if deadline_s is None:
        return heartbeat_s
    return max(0.0, min(heartbeat_s, started + deadline_s - time.monotonic()))


def _child(target: Callable[[], int], writers: list[int], readers: list[int]) -> None:
    code = 1
    try:
        for r in readers:
            os.close(r)
        os.dup2(writers[0], 1)
        os.dup2(writers[1], 2)
        for w in writers:
            os.close(w)
        # Write through the real descriptors, also where a test runner replaced sys.stdout.
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        _die_with_parent()
        import faulthandler

        if sys.__stderr__ is not None:  # None where Python started without a stderr
            faulthandler.enable(file=sys.__stderr__, all_threads=False)
        code = target()
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _forward(fd: int, stream: object, tail: bytearray, lock: threading.Lock) -> None:
    """Copy the child's output to our stream as it comes; keep the last bytes for the record."""
    with os.fdopen(fd, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            with lock:
                tail.extend(chunk)
                del tail[:-TAIL_BYTES]
            with contextlib.suppress(Exception):
                stream.write(chunk.decode("utf-8", "replace"))  # type: ignore[attr-defined]
                stream.flush()  # type: ignore[attr-defined]


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _die_with_parent() -> None:
    """Linux: the child gets SIGKILL if the parent dies, so no orphan writes a record later."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
