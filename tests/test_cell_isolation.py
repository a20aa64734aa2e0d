"""A cell that dies (sys.exit, os._exit, segfault, SIGKILL, a hang) becomes a record; the sweep
goes on; observers that fail never cost a record; two runners never run one cell twice."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import socket
import time

import pytest

from harness import hookimpl
from harness.locks import CellLock, is_stale
from harness.plugins import Registry, build_plugin_manager
from harness.records import RecordStore
from harness.runner import TrainerOptions, make_cell, run_cell

CRASHES = {
    "exits": ("crashed", "sys.exit(7)"),
    "hard_exit": ("crashed", "exited with code 9"),
    "segfault": ("crashed", "signal 11 (SIGSEGV)"),
    "self_kill": ("crashed", "signal 9 (SIGKILL) (out of memory?)"),
}


@pytest.mark.parametrize("method", sorted(CRASHES))
def test_a_dying_method_becomes_a_crashed_record(registry_with_plugins, settings, method):
    status, message = CRASHES[method]
    record = run_cell(
        make_cell(registry_with_plugins, "inr_image", method), registry_with_plugins, settings
    )
    assert record.status == status
    assert message in record.error["message"]
    # the last lines the process wrote are kept (for a segfault: Python's fault handler's)
    expected = {"exits": "sys.exit", "segfault": "in segfault"}
    assert expected.get(method, f"{method}:") in record.error["traceback"]
    stored = RecordStore(settings.runs_dir).load("inr_image", method, record.run_id)
    assert stored == record


def test_the_sweep_goes_on_after_a_crash(registry_with_plugins, settings):
    statuses = [
        run_cell(
            make_cell(registry_with_plugins, "inr_image", m), registry_with_plugins, settings
        ).status
        for m in ("self_kill", "siren", "hard_exit", "winner")
    ]
    assert statuses == ["crashed", "ok", "crashed", "ok"]
    assert len(list(RecordStore(settings.runs_dir).iter_records())) == 4


def test_a_hang_past_the_limit_is_killed_and_recorded_as_timeout(registry_with_plugins, settings):
    # One forward pass sleeps 60 s: the cooperative time check never runs, the parent kills it.
    cell = make_cell(
        registry_with_plugins,
        "inr_image",
        "slow_init",
        method_overrides={"sleep_s": 60.0},
        trainer=TrainerOptions(time_limit_s=1.0, timeout_grace_s=1.0),
    )
    started = time.monotonic()
    record = run_cell(cell, registry_with_plugins, settings)
    assert record.status == "timeout" and "wall-clock limit" in record.error["message"]
    assert time.monotonic() - started < 20
    # the parent measured the killed child's CPU time: it slept, so far less than the wall time
    assert record.cpu_seconds is not None and 0 <= record.cpu_seconds < record.wall_seconds


def test_in_process_cells_still_turn_sys_exit_into_a_record(registry_with_plugins, settings):
    cell = make_cell(
        registry_with_plugins, "inr_image", "exits", trainer=TrainerOptions(isolate=False)
    )
    record = run_cell(cell, registry_with_plugins, settings)
    assert record.status == "crashed" and "sys.exit(7)" in record.error["message"]


class _BrokenObserver:
    """An observer whose every hook raises, like a W&B mirror whose service was killed."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl
    def spectral_harness_run_start(self, run):
        self.calls.append("run_start")
        raise ConnectionError("wandb service is gone")

    @hookimpl
    def spectral_harness_log_metrics(self, run, step, metrics):
        raise ConnectionError("wandb service is gone")

    @hookimpl
    def spectral_harness_run_end(self, run, record):
        raise ConnectionError("wandb service is gone")


@pytest.mark.parametrize("isolate", [True, False])
def test_failing_observers_never_cost_the_record(settings, capfd, isolate):
    registry = Registry.from_plugin_manager(build_plugin_manager([_BrokenObserver()]))
    cell = make_cell(registry, "inr_image", "siren", trainer=TrainerOptions(isolate=isolate))
    record = run_cell(cell, registry, settings)
    assert record.status == "ok"
    err = capfd.readouterr().err
    assert "failed in spectral_harness_run_start (ConnectionError" in err
    assert "failed in spectral_harness_run_end" in err
    assert "failed in spectral_harness_log_metrics" in err


def test_a_cell_locked_by_a_live_process_is_not_run_again(registry, settings):
    cell = make_cell(registry, "inr_image", "siren")
    first = run_cell(cell, registry, settings)
    path = RecordStore(settings.runs_dir).path_for("inr_image", "siren", first.run_id)
    lock = CellLock(path.with_suffix(".lock"))
    other = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
    other.start()
    try:
        lock.owner["pid"] = other.pid  # held by another live process of this host
        assert lock.acquire()
        assert run_cell(cell, registry, settings, force=True) is None
        assert RecordStore(settings.runs_dir).load("inr_image", "siren", first.run_id) == first
    finally:
        other.kill()
        other.join()
    # its owner is dead now: the lock is stale and broken, and the cell runs
    assert is_stale(path.with_suffix(".lock"))
    assert run_cell(cell, registry, settings, force=True).attempt == 2
    assert not path.with_suffix(".lock").exists()


def test_stale_locks_of_other_hosts_are_broken_only_without_heartbeat(tmp_path):
    path = tmp_path / "cell.lock"
    path.write_text(json.dumps({"pid": 1, "host": socket.gethostname() + "-elsewhere"}))
    assert not is_stale(path) and not CellLock(path).acquire()
    old = time.time() - 3600
    os.utime(path, (old, old))
    assert is_stale(path) and CellLock(path).acquire()


def test_two_sweeps_at_once_run_each_cell_once(registry, settings):
    cells = [
        make_cell(registry, "inr_image", m, seed=s) for m in ("siren", "winner") for s in (0, 1)
    ]

    def sweep() -> None:
        for cell in cells:
            run_cell(cell, registry, settings)

    ctx = multiprocessing.get_context("fork")
    sweeps = [ctx.Process(target=sweep) for _ in range(2)]
    for p in sweeps:
        p.start()
    for p in sweeps:
        p.join(120)
    records = list(RecordStore(settings.runs_dir).iter_records())
    assert len(records) == 4 and all(r.status == "ok" and r.attempt == 1 for r in records)


def test_orphaned_temp_files_of_dead_writers_are_removed(registry, settings):
    cell = make_cell(registry, "inr_image", "siren")
    first = run_cell(cell, registry, settings)
    path = RecordStore(settings.runs_dir).path_for("inr_image", "siren", first.run_id)
    orphan = path.with_name(f".{path.name}.dead1234.tmp")
    orphan.write_text('{"half": ')
    run_cell(cell, registry, settings, force=True)
    assert not orphan.exists()


def test_a_full_disk_is_one_line_not_a_traceback(registry, settings, capfd, monkeypatch):
    def full(self, record):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(RecordStore, "save", full)
    trainer = TrainerOptions(isolate=False)
    assert (
        run_cell(make_cell(registry, "inr_image", "siren", trainer=trainer), registry, settings)
        is None
    )
    err = capfd.readouterr().err
    assert "could not write the record of inr_image/siren/seed0" in err
    assert "No space left on device" in err and "Traceback" not in err


def test_trainer_options_are_recorded_and_amp_and_device_enter_the_identity(registry, settings):
    cell = make_cell(registry, "inr_image", "siren", trainer=TrainerOptions(num_threads=1))
    record = run_cell(cell, registry, settings)
    assert record.trainer["num_threads"] == 1 and record.trainer["device_kind"] == "cpu"
    assert record.trainer["amp"] is False and record.trainer["time_limit_s"] == 3600.0
    amp = dataclasses.replace(cell, trainer=TrainerOptions(num_threads=1, amp=True))
    other = run_cell(amp, registry, settings)
    assert other.run_id != record.run_id and other.started_at >= record.started_at
    assert other.attempt == 1  # not skipped as "already ok"
    threads = dataclasses.replace(cell, trainer=TrainerOptions(num_threads=2))
    assert run_cell(threads, registry, settings).run_id == record.run_id
