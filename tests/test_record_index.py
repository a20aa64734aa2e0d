"""The records' index (harness/index.py) is derived: whatever happens to it or to the JSON files
beside it (damage, deletion, edits, copies, a stranger's index, two writers, a writer killed),
every reader gets what reading the JSON files gives, with the same warnings."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import index as index_module
from harness.index import INDEX_DIR, INDEX_NAME, RACY_NS, table_of_records
from harness.leaderboard import build_leaderboard
from harness.records import RecordStore, RunRecord


def _record(run_id: str, task: str = "t", method: str = "m", x: float = 1.0) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        task=task,
        method=method,
        slot="s",
        seed=int(run_id.strip("abcdefghijklmnopqrstuvwxyz") or 0),
        scale="smoke",
        status="ok",
        config_hash="h",
        metrics={"x": x, "y": 2 * x},
        primary_metric="x",
        goal="max",
        code={"task": {"plugin": "p", "source": "1"}, "method": {"plugin": "q", "source": "2"}},
        trainer={"device_kind": "cpu", "amp": False},
        config={"task": {"n": 1}, "method": {"k": 2}},
    )


class Warnings(list):
    def __call__(self, message: str) -> None:
        assert "\n" not in message, "a warning is one line"
        self.append(message)


def _store(runs: Path) -> tuple[RecordStore, Warnings]:
    warnings = Warnings()
    return RecordStore(runs, warn=warnings), warnings


def _forget_connections() -> None:
    """What a new process sees: no connection kept open."""
    for con in index_module._OPEN.values():
        con.close()
    index_module._OPEN.clear()


@pytest.fixture(autouse=True)
def fresh_connections():
    _forget_connections()
    yield
    _forget_connections()


class Reads:
    """Counts the record files read from disk."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[Path] = []
        real = index_module.read_record

        def counting(path: Path) -> RunRecord:
            self.paths.append(path)
            return real(path)

        monkeypatch.setattr(index_module, "read_record", counting)


def _backdate(runs: Path) -> None:
    """Make every file and folder old enough to be trusted (not within RACY_NS)."""
    old = time.time_ns() - 10 * RACY_NS
    for path in [*runs.rglob("*"), runs]:
        if INDEX_DIR not in path.parts:
            os.utime(path, ns=(old, old), follow_symlinks=False)


def _filled(tmp_path: Path, n: int = 6) -> tuple[RecordStore, Warnings]:
    store, warnings = _store(tmp_path / "runs")
    for i in range(n):
        store.save(_record(f"r{i}", method=f"m{i % 2}", x=float(i)))
    _backdate(store.runs_dir)
    return store, warnings


def _ids(store: RecordStore, task: str | None = None) -> list[str]:
    return [r.run_id for r in store.iter_records(task)]


def test_the_index_gives_what_the_files_give_and_reads_no_unchanged_file(tmp_path, monkeypatch):
    store, warnings = _filled(tmp_path)
    first = list(store.iter_records())
    reads = Reads(monkeypatch)
    assert list(store.iter_records()) == first and reads.paths == []
    assert [r.run_id for r in first] == ["r0", "r2", "r4", "r1", "r3", "r5"]  # path order
    from_index = build_leaderboard(store.runs_table())
    in_memory = build_leaderboard(first)
    assert from_index.table.equals(in_memory.table) and from_index.runs.equals(in_memory.runs)
    assert from_index.configs == in_memory.configs and reads.paths == []
    assert table_of_records(first).columns == store.runs_table().columns
    assert warnings == []


def test_a_record_written_by_the_store_is_indexed_as_it_is_written(tmp_path, monkeypatch):
    store, _ = _filled(tmp_path)
    list(store.iter_records())
    monkeypatch.setattr(index_module, "RACY_NS", 0)  # else a file this new is read once more
    store.save(_record("new", x=9.0))
    reads = Reads(monkeypatch)
    assert "new" in _ids(store) and reads.paths == []
    assert store.load("t", "m", "new").metrics["x"] == 9.0 and reads.paths == []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty page"])
def test_a_damaged_index_is_one_warning_and_rebuilt(tmp_path, damage):
    store, warnings = _filled(tmp_path, n=40)
    expected = _ids(store)
    _forget_connections()
    path = store.runs_dir / INDEX_DIR / INDEX_NAME
    whole = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all" * 100)
    elif damage == "truncated":
        path.write_bytes(whole[: len(whole) // 3])
    else:
        path.write_bytes(whole[:4096] + b"\x00" * (len(whole) - 4096))
    assert _ids(store) == expected
    assert len(warnings) == 1 and "record index" in warnings[0] and "rebuilding" in warnings[0]
    warnings.clear()
    _forget_connections()
    assert _ids(store) == expected and warnings == []


def test_a_deleted_record_is_no_longer_counted(tmp_path):
    store, _ = _filled(tmp_path)
    list(store.iter_records())
    store.path_for("t", "m0", "r2").unlink()
    assert "r2" not in _ids(store)
    assert store.load("t", "m0", "r2") is None
    shutil.rmtree(store.runs_dir / "t" / "m1")
    assert _ids(store) == ["r0", "r4"]
    assert build_leaderboard(store.runs_table()).table["n_seeds"].tolist() == [2]


def _edit(path: Path, x: float, how: str) -> None:
    payload = json.loads(path.read_text())
    payload["metrics"]["x"] = x
    text = json.dumps(payload, indent=1, sort_keys=True)
    if how == "in place":
        path.write_text(text)
    else:  # as the harness, git and most editors save: a new file renamed over the old one
        tmp = path.with_name(".edit.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)


@pytest.mark.parametrize("how", ["replaced", "in place"])
def test_an_edited_record_is_read_again(tmp_path, how):
    """Replaced: in a folder trusted for its age. In place: soon after it was written (its
    folder is still too new to be trusted; see the next test for an old one)."""
    store, _ = _filled(tmp_path)
    if how == "in place":
        store.save(_record("r2", method="m0", x=2.0))
    list(store.iter_records())
    path = store.path_for("t", "m0", "r2")
    _edit(path, 42.0, how)
    assert store.load("t", "m0", "r2").metrics["x"] == 42.0  # resume stats the file itself
    _edit(path, 43.0, how)
    (record,) = [r for r in store.iter_records() if r.run_id == "r2"]
    assert record.metrics["x"] == 43.0


def test_an_old_in_place_edit_is_seen_once_its_folder_changes(tmp_path):
    """The documented trade-off: a board trusts a folder whose mtime is unchanged."""
    store, _ = _filled(tmp_path)
    list(store.iter_records())
    path = store.path_for("t", "m0", "r2")
    _edit(path, 42.0, "in place")
    _backdate(store.runs_dir)
    assert store.load("t", "m0", "r2").metrics["x"] == 42.0
    store.save(_record("another", method="m0"))  # the folder changes
    (record,) = [r for r in store.iter_records() if r.run_id == "r2"]
    assert record.metrics["x"] == 42.0


def test_an_edited_record_that_breaks_is_warned_and_skipped(tmp_path):
    store, warnings = _filled(tmp_path)
    list(store.iter_records())
    path = store.path_for("t", "m0", "r2")
    broken = path.with_name(".broken.tmp")
    broken.write_text('{"run_id": "r2", "metrics": [')
    os.replace(broken, path)
    for _ in range(2):  # warned on every read, as reading the files does
        warnings.clear()
        assert "r2" not in _ids(store)
        assert warnings == [
            f"ignoring {path}: it is not valid JSON " + warnings[0].split("JSON ")[1]
        ]
    warnings.clear()
    assert store.load("t", "m0", "r2") is None
    assert warnings[0].endswith("the cell will run again")


def test_copies_and_strays_are_warned_on_every_read_and_never_counted(tmp_path):
    store, warnings = _filled(tmp_path)
    list(store.iter_records())
    path = store.path_for("t", "m0", "r2")
    shutil.copy(path, path.parent / "r2 copy.json")
    (store.runs_dir / "backup").mkdir()
    shutil.copy(path, store.runs_dir / "backup" / "r2.json")
    (store.runs_dir / "u" / "m0").mkdir(parents=True)
    forged = json.loads(path.read_text()) | {"task": "u"}
    (store.runs_dir / "u" / "m0" / "r2.json").write_text(json.dumps(forged))
    for _ in range(2):
        warnings.clear()
        assert sorted(_ids(store)) == ["r0", "r1", "r2", "r3", "r4", "r5"]
        assert len(warnings) == 3
        assert any("r2 copy.json: its content is the record of t/m0/r2" in w for w in warnings)
        assert any(w.startswith(f"ignoring stray file {store.runs_dir}/backup/") for w in warnings)
        assert any("run id r2 is already counted from" in w for w in warnings)
    warnings.clear()
    assert _ids(store, "u") == ["r2"] and warnings == []  # one task's records: counted there


def test_an_index_copied_from_another_results_folder_is_rebuilt(tmp_path):
    store, _ = _filled(tmp_path)
    list(store.iter_records())
    other, warnings = _store(tmp_path / "other" / "runs")
    other.save(_record("mine", task="v"))
    _forget_connections()
    shutil.copy(store.index.path, other.index.path)
    assert _ids(other) == ["mine"]
    assert len(warnings) == 1 and "another results folder" in warnings[0]


def test_a_copied_results_folder_reads_its_own_files(tmp_path):
    store, _ = _filled(tmp_path)
    list(store.iter_records())
    shutil.copytree(store.runs_dir, tmp_path / "copy", copy_function=shutil.copy2)
    copy, warnings = _store(tmp_path / "copy")
    _edit(copy.path_for("t", "m0", "r2"), 7.0, "replaced")
    (record,) = [r for r in copy.iter_records() if r.run_id == "r2"]
    assert record.metrics["x"] == 7.0 and len(warnings) == 1  # "another results folder"


WRITER = """
import sys
from pathlib import Path
from harness.records import RecordStore, RunRecord
store = RecordStore(Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    store.save(RunRecord(run_id=f"{sys.argv[2]}{i}", task="t", method=sys.argv[2], slot="s",
                         seed=i, scale="smoke", status="ok", config_hash="h",
                         metrics={"x": float(i)}, primary_metric="x", goal="max"))
"""


def test_two_writers_at_once_lose_nothing(tmp_path):
    runs = tmp_path / "runs"
    store, warnings = _store(runs)
    store.save(_record("seed"))
    list(store.iter_records())  # the index exists before the writers start
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(runs), name, "60"])
        for name in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    with sqlite3.connect(store.index.path) as con:  # every writer indexed its own records
        indexed = con.execute("SELECT count(*) FROM files WHERE kind = 'record'").fetchone()
    assert indexed == (121,)
    found = _ids(store)
    assert len(found) == 121 and len(set(found)) == 121 and warnings == []


KILLED = """
import sys
from pathlib import Path
from harness.records import RecordStore
store = RecordStore(Path(sys.argv[1]))
print("ready", flush=True)
while True:
    list(store.iter_records())  # a rebuild from the files, written in transactions
    store.index.path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(store.index.path) + suffix).unlink(missing_ok=True)
    from harness import index
    for con in index._OPEN.values():
        con.close()
    index._OPEN.clear()
"""


def test_a_writer_killed_mid_write_leaves_a_usable_index(tmp_path):
    store, warnings = _filled(tmp_path, n=300)
    expected = _ids(store)
    for delay in (0.5, 1.0, 1.5):
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED, str(store.runs_dir)], stdout=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _forget_connections()
        assert _ids(store) == expected
    assert not any("damaged" in w for w in warnings)


def test_a_folder_that_cannot_hold_an_index_is_read_from_the_files(tmp_path, monkeypatch):
    store, warnings = _filled(tmp_path)
    _forget_connections()
    shutil.rmtree(store.runs_dir / INDEX_DIR)

    connect = sqlite3.connect

    def refuse(target, *args, **kwargs):
        if target == ":memory:":
            return connect(target, *args, **kwargs)
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(index_module.sqlite3, "connect", refuse)
    assert _ids(store) == ["r0", "r2", "r4", "r1", "r3", "r5"] and warnings == []
    store.save(_record("more"))  # the record is written; only the index write is skipped
    assert "more" in _ids(store)
    assert store.load("t", "m", "more") is not None
    assert not (store.runs_dir / INDEX_DIR / INDEX_NAME).exists()


def test_the_index_is_never_part_of_the_committed_records(tmp_path):
    store, _ = _filled(tmp_path)
    list(store.iter_records())
    ignore = (store.runs_dir / INDEX_DIR / ".gitignore").read_text()
    assert ignore.splitlines()[-1] == "*"
    assert not list((store.runs_dir / INDEX_DIR).glob("*.json"))


def test_a_record_beside_its_artifacts_and_a_stray_in_a_folder_without_one(tmp_path):
    store, warnings = _filled(tmp_path)
    folder = store.artifact_dir("t", "m0", "r0")
    folder.mkdir()
    (folder / "curves.json").write_text("{}")
    orphan = store.runs_dir / "t" / "m0" / "gone"
    orphan.mkdir()
    (orphan / "curves.json").write_text("{}")
    assert len(_ids(store)) == 6
    assert warnings == [
        f"ignoring stray file {orphan}/curves.json: records live at "
        f"{store.runs_dir}/<task>/<method>/<run_id>.json"
    ]


def _with_metrics(run_id: str, method: str, metrics: dict[str, float]) -> RunRecord:
    record = _record(run_id, method=method)
    record.metrics = metrics
    record.primary_metric = next(iter(metrics), "x")
    return record


# Names SQLite's JSON path cannot address as they are stored (a quote, a backslash) or that
# it would read as a path (dots, brackets), non-ASCII ones, and values JSON cannot hold.
ODD_METRICS = [
    {"x": 1.0, "λ_max": 2.5, "probe/metric": 3},
    {'say "hi"': 1.0, "back\\slash": -2.0, "x": float("nan")},
    {"a.b": float("inf"), "c[0]": float("-inf"), "x": 0.5, "tab\there": 7.0},
    {"only_here": 4.0},
    {},
]


def test_the_board_reads_every_metric_as_the_records_hold_it(tmp_path):
    store, warnings = _store(tmp_path / "runs")
    records = [
        _with_metrics(f"r{i}", f"m{i % 2}", metrics) for i, metrics in enumerate(ODD_METRICS)
    ]
    for record in records:
        store.save(record)
    expected = table_of_records(store.iter_records()).columns  # the files, each read
    found = store.runs_table().columns
    assert list(found) == list(expected)  # the same metrics, in order of first appearance
    for name, column in expected.items():
        assert repr(found[name]) == repr(column), name  # repr: NaN equals NaN, 3 stays an int
    assert warnings == []


def test_a_copied_record_adds_no_metric_column_of_its_own(tmp_path):
    store, warnings = _store(tmp_path / "runs")
    store.save(_with_metrics("r0", "m0", {"x": 1.0}))
    copy = store.runs_dir / "t" / "m1" / "r0.json"
    copy.parent.mkdir()
    payload = json.loads((store.runs_dir / "t" / "m0" / "r0.json").read_text())
    payload["method"], payload["metrics"] = "m1", {"x": 1.0, "extra": 2.0}
    copy.write_text(json.dumps(payload))
    table = store.runs_table()
    assert table.columns["method"] == ["m0"] and "metric:extra" not in table.columns
    assert len(warnings) == 1 and "run id r0 is already counted" in warnings[0]


def test_resume_reads_many_records_of_a_folder_as_it_reads_each(tmp_path):
    store, warnings = _filled(tmp_path)
    ids = ["r0", "r2", "missing", "r4"]  # the records of method m0, and one never stored
    each = [store.resume_facts("t", "m0", run_id) for run_id in ids]
    many = store.resume_facts_many("t", "m0", ids)
    assert many == each and each[2] is None
    assert many[0] == {
        "status": "ok",
        "code": index_module.code_of(_record("r0")),
        "data": {},
        "user_data": {},
    }
    # an in-place edit keeps the folder's mtime: the file's own stamp tells it apart
    path = store.runs_dir / "t" / "m0" / "r2.json"
    payload = json.loads(path.read_text())
    payload["status"] = "failed"
    path.write_text(json.dumps(payload))
    assert [f and f["status"] for f in store.resume_facts_many("t", "m0", ["r0", "r2"])] == [
        "ok",
        "failed",
    ]
    path.write_text("{ not json")
    assert store.resume_facts_many("t", "m0", ["r2"]) == [None]
    assert len(warnings) == 1 and warnings[0].endswith("the cell will run again")
