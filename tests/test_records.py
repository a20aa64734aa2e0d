"""Records are whole or absent, even when the writer is killed; the store ignores temp files."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.records import RecordStore, RunRecord
from harness.storage import atomic_write_json


def _record(run_id: str = "abc", **extra) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        task="t",
        method="m",
        slot="s",
        seed=0,
        scale="smoke",
        status="ok",
        config_hash="h",
        metrics={"x": 1.0},
        primary_metric="x",
        goal="max",
        **extra,
    )


def test_roundtrip_and_listing(tmp_path):
    store = RecordStore(tmp_path)
    store.save(_record("a"))
    store.save(_record("b"))
    (tmp_path / "t" / "m" / ".a.json.123.tmp").write_text("{garbage")
    assert sorted(r.run_id for r in store.iter_records()) == ["a", "b"]
    assert store.load("t", "m", "a").metrics == {"x": 1.0}


def test_failed_write_keeps_the_previous_record(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    atomic_write_json(path, {"version": 1})

    def broken_dump(obj, handle, **kwargs):
        handle.write('{"version": 2, "trunc')
        raise OSError("disk full")

    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(OSError):
        atomic_write_json(path, {"version": 2})
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


WRITER = """
import sys
from pathlib import Path
from harness.storage import atomic_write_json
path = Path(sys.argv[1])
payload = {"blob": "x" * 2_000_000}
i = 0
while True:
    i += 1
    payload["i"] = i
    atomic_write_json(path, payload)
"""


def test_sigkill_mid_write_never_leaves_a_partial_record(tmp_path):
    path = tmp_path / "record.json"
    for delay in (0.3, 0.45, 0.6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if path.exists():
            data = json.loads(path.read_text())  # never a truncated file
            assert len(data["blob"]) == 2_000_000
    assert RecordStore(tmp_path).iter_records() is not None
    assert not any(p.suffix == ".json" and p != path for p in Path(tmp_path).iterdir())
