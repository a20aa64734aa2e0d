"""Records are read defensively (issue 12, items 8 and 12): a file of the wrong shape, a copy, a
stray or a record at another cell's path is skipped with one warning line naming it, never
counted as a seed and never trusted by resume."""

from __future__ import annotations

import json
import shutil

import pytest

from harness.leaderboard import build_leaderboard
from harness.records import RecordError, RecordStore, RunRecord, parse_record, read_record
from harness.runner import make_cell, run_cell


def _record(run_id: str = "a", task: str = "t", method: str = "m", **extra) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        task=task,
        method=method,
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


class Warnings(list):
    """Collects the store's warning lines."""

    def __call__(self, message: str) -> None:
        assert "\n" not in message, "a warning is one line"
        self.append(message)


def _store(tmp_path) -> tuple[RecordStore, Warnings]:
    warnings = Warnings()
    return RecordStore(tmp_path, warn=warnings), warnings


def _payload(**changes) -> dict:
    return {**_record().to_dict(), **changes}


MALFORMED = {
    "a list": ([1, 2], "not an object"),
    "metrics a list": (_payload(metrics=[1.0]), "metrics is a list"),
    "metric a string": (_payload(metrics={"x": "1.0"}), "metric 'x'"),
    "unknown status": (_payload(status="great"), "status is 'great'"),
    "seed a string": (_payload(seed="1"), "seed is '1'"),
    "seed a bool": (_payload(seed=True), "seed is True"),
    "device a string": (_payload(device="cpu"), "device is 'cpu'"),
    "newer schema": (_payload(schema=4), "schema 4 is not one this harness reads"),
    "artifact outside its folder": (
        _payload(artifacts={"curves": {"file": "../x.json", "sha256": "0"}}),
        "artifact .curves.",
    ),
    "schema a string": (_payload(schema="2"), "schema '2'"),
    "negative cpu seconds": (_payload(cpu_seconds=-1.0), "cpu_seconds is -1.0"),
    "cpu seconds a string": (_payload(cpu_seconds="3"), "cpu_seconds is '3'"),
    "no run id": ({k: v for k, v in _payload().items() if k != "run_id"}, "no run_id"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_record_is_refused_with_the_reason(name):
    payload, reason = MALFORMED[name]
    with pytest.raises(RecordError, match=reason):
        parse_record(payload)


def test_a_truncated_or_binary_file_is_refused(tmp_path):
    whole = json.dumps(_record().to_dict())
    (tmp_path / "cut.json").write_text(whole[: len(whole) // 2])
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RecordError, match=r"not valid JSON .*truncated"):
        read_record(tmp_path / "cut.json")
    with pytest.raises(RecordError, match="cannot be read"):
        read_record(tmp_path / "bin.json")


def test_a_record_made_before_cpu_seconds_were_measured_reads_as_unmeasured():
    older = {k: v for k, v in _payload().items() if k != "cpu_seconds"}
    assert parse_record(older).cpu_seconds is None
    assert parse_record(_payload(cpu_seconds=2.5)).cpu_seconds == 2.5


def test_schema_1_records_are_migrated_with_unknown_code():
    old = {k: v for k, v in _payload(schema=1).items() if k not in ("code", "trainer")}
    del old["user_data"]
    record = parse_record(old)
    assert record.schema == 1 and record.code == {} and record.trainer == {}
    assert parse_record({k: v for k, v in old.items() if k != "schema"}).schema == 1


def test_bad_files_are_skipped_with_one_warning_each_and_the_good_ones_count(tmp_path):
    store, warnings = _store(tmp_path)
    store.save(_record("good"))
    folder = tmp_path / "t" / "m"
    for n, name in enumerate(sorted(MALFORMED)):
        payload, _ = MALFORMED[name]
        if isinstance(payload, dict) and "run_id" in payload:
            payload = {**payload, "run_id": f"bad{n}"}
        (folder / f"bad{n}.json").write_text(json.dumps(payload))
    (folder / "cut.json").write_text('{"run_id": "cut", "task": "t", "met')
    (folder / ".good.json.123.tmp").write_text("{partial")  # a writer's temp file: not read

    assert [r.run_id for r in store.iter_records()] == ["good"]
    assert len(warnings) == len(MALFORMED) + 1
    assert all(w.startswith(f"ignoring {folder}/") for w in warnings)


def test_copies_and_strays_never_become_extra_seeds(tmp_path):
    store, warnings = _store(tmp_path)
    path = store.save(_record("a"))
    store.save(_record("b", method="other"))
    (path.parent / "backup").mkdir()
    shutil.copy(path, path.parent / "backup" / "a.json")
    shutil.copy(path, path.parent / "a copy.json")
    (tmp_path / "backup").mkdir()
    shutil.copy(path, tmp_path / "backup" / "a.json")
    shutil.copy(path, tmp_path / "a.json")

    records = list(store.iter_records())
    assert sorted(r.run_id for r in records) == ["a", "b"]
    board = build_leaderboard(records)
    assert list(board.table.set_index("method").loc[["m"], "n_seeds"]) == [1]
    assert len(warnings) == 4
    assert sum("stray file" in w for w in warnings) == 3
    assert any("a copy.json: its content is the record of t/m/a" in w for w in warnings)


def test_a_forged_run_id_is_counted_once(tmp_path):
    store, warnings = _store(tmp_path)
    store.save(_record("a"))
    store.save(_record("a", task="u"))  # hand-edited copy under another task, same run id
    assert len(list(store.iter_records())) == 1
    assert warnings == [
        f"ignoring {tmp_path}/u/m/a.json: run id a is already counted from {tmp_path}/t/m/a.json"
    ]


def test_iter_records_of_one_task_reads_that_task_only(tmp_path):
    store, warnings = _store(tmp_path)
    store.save(_record("a"))
    store.save(_record("b", task="u"))
    assert [r.run_id for r in store.iter_records("u")] == ["b"]
    assert list(store.iter_records("missing")) == [] and warnings == []


def test_load_refuses_a_record_at_another_cells_path(tmp_path):
    store, warnings = _store(tmp_path)
    winner = store.save(_record("w", method="winner"))
    siren_path = store.path_for("t", "siren", "s")
    siren_path.parent.mkdir(parents=True)
    shutil.copy(winner, siren_path)
    assert store.load("t", "siren", "s") is None
    assert store.load("t", "winner", "w") is not None
    assert warnings == [
        f"ignoring {siren_path}: its content is the record of t/winner/w, not of t/siren/s "
        "(a copied or moved file?); the cell will run again"
    ]


def test_resume_reruns_a_cell_whose_record_is_malformed_or_not_its_own(registry, settings, capsys):
    siren = make_cell(registry, "inr_image", "siren")
    winner = make_cell(registry, "inr_image", "winner")
    first = run_cell(siren, registry, settings)
    store = RecordStore(settings.runs_dir)
    path = store.path_for("inr_image", "siren", first.run_id)

    path.write_text('{"run_id": "' + first.run_id + '", "metrics": [')  # truncated
    second = run_cell(siren, registry, settings)
    assert second.status == "ok" and second.attempt == 1
    assert f"warning: ignoring {path}: it is not valid JSON" in capsys.readouterr().err

    won = run_cell(winner, registry, settings)
    shutil.copy(store.path_for("inr_image", "winner", won.run_id), path)
    third = run_cell(siren, registry, settings)
    assert third.method == "siren" and third.run_id == first.run_id
    assert "its content is the record of inr_image/winner/" in capsys.readouterr().err
    assert store.load("inr_image", "siren", first.run_id) == third
