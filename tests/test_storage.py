"""harness.storage: stable hashes (they name run ids and cache entries) and atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.storage import atomic_write, atomic_write_json, stable_hash


def test_stable_hash_ignores_key_order_and_keeps_its_values():
    payload = {"b": [1, 2.5, None], "a": {"y": "x"}, "p": Path("/d")}
    reordered = {"p": Path("/d"), "a": {"y": "x"}, "b": [1, 2.5, None]}
    assert stable_hash(payload) == stable_hash(reordered)
    # Fixed values: a change here would re-key every stored record and cache entry.
    assert stable_hash(payload) == "316ab4b223a4a55d"
    assert stable_hash({"a": 1}, length=24) == "015abd7f5cc57a2dd94b7590"


def test_atomic_write_creates_missing_folders(tmp_path):
    path = tmp_path / "new" / "folder" / "value.bin"
    atomic_write(path, lambda tmp: tmp.write_bytes(b"whole"))
    assert path.read_bytes() == b"whole"
    assert [p.name for p in path.parent.iterdir()] == ["value.bin"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "value.json"
    atomic_write_json(path, {"version": 1})

    def broken(tmp: Path) -> None:
        tmp.write_text('{"version": 2, "trunc')
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, broken)
    assert json.loads(path.read_text()) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["value.json"]
