"""The board never pools numbers that are not of one protocol (issue 12, items 4, 5 and 14):
records of other code are left out by default and said to be, ``--all-versions`` shows them as
labelled rows of their own; CPU, CUDA and bf16 seeds are separate rows; rows of a user's own
file are a section of their own, titled with the file."""

from __future__ import annotations

import copy

import pytest

from harness.identity import code_identity
from harness.leaderboard import build_leaderboard
from harness.records import RecordStore, RunRecord
from harness.render import render

TASK = "inr_image"


def _rec(registry, method: str, seed: int, value: float, **fields) -> RunRecord:
    record = RunRecord(
        run_id=f"{method}-{seed}-{fields.get('trainer', {}).get('device_kind', 'cpu')}",
        task=TASK,
        method=method,
        slot="inr_init",
        seed=seed,
        scale="smoke",
        status="ok",
        config_hash="c1",
        metrics={"psnr": value},
        primary_metric="psnr",
        goal="max",
        code=code_identity(registry, TASK, method),
        trainer={"device_kind": "cpu", "amp": False},
    )
    for name, value in fields.items():
        setattr(record, name, value)
    return record


def _edited(code: dict) -> dict:
    """The code identity of the same plugin after an edit of its source."""
    other = copy.deepcopy(code)
    other["method"]["source"] = "0" * 16
    return other


def test_records_of_other_code_are_left_out_and_counted(registry):
    current = [_rec(registry, "siren", s, 20.0 + s) for s in range(2)]
    stale_code = _edited(current[0].code)
    older = [_rec(registry, "siren", s, 30.0, run_id=f"old{s}", code=stale_code) for s in range(3)]
    schema_1 = _rec(registry, "winner", 0, 40.0, code={}, schema=1)
    board = build_leaderboard([*current, *older, schema_1], registry)

    assert list(board.table["method"]) == ["siren"]
    assert board.table["n_seeds"].iat[0] == 2 and board.table["primary_mean"].iat[0] == 20.5
    assert board.notes and board.notes[0].startswith("left out 4 of 6 records")
    assert "--all-versions" in board.notes[0]
    text = render(board, "text")
    assert text.startswith("note: left out 4 of 6 records") and "winner" not in text
    assert "_Note: left out 4 of 6 records" in render(board, "md")


def test_all_versions_keeps_older_code_as_labelled_rows(registry):
    current = [_rec(registry, "siren", s, 20.0) for s in range(2)]
    stale = _edited(current[0].code)
    older = [_rec(registry, "siren", s, 30.0, run_id=f"old{s}", code=stale) for s in range(2)]
    schema_1 = _rec(registry, "winner", 0, 40.0, code={}, schema=1)
    board = build_leaderboard([*current, *older, schema_1], registry, all_versions=True)

    table = board.table.set_index("label")
    assert board.notes == ()
    assert len(table) == 3 and set(table["n_seeds"]) == {1, 2}
    (current_label,) = [label for label in table.index if label.startswith("siren [code ")]
    (older_label,) = [label for label in table.index if label.startswith("siren [other code ")]
    assert table.loc[current_label, "primary_mean"] == 20.0
    assert table.loc[older_label, "primary_mean"] == 30.0
    assert "winner [other code unknown]" in table.index
    assert not table.loc[older_label, "current"] and table.loc[current_label, "current"]


def test_cpu_cuda_and_bf16_seeds_are_never_pooled(registry):
    def on(kind: str, amp: bool, value: float) -> list[RunRecord]:
        trainer = {"device_kind": kind, "amp": amp}
        return [
            _rec(registry, "siren", s, value, trainer=trainer, run_id=f"{kind}{amp}{s}")
            for s in range(2)
        ]

    records = on("cpu", False, 20.0) + on("cuda", False, 21.0) + on("cuda", True, 19.0)
    table = build_leaderboard(records, registry).table.set_index("label")
    assert table["primary_mean"].to_dict() == {
        "siren [cpu]": 20.0,
        "siren [cuda]": 21.0,
        "siren [cuda+amp]": 19.0,
    }
    assert set(table["n_seeds"]) == {2}


def test_a_users_file_is_a_section_of_its_own_titled_with_the_file(registry):
    registered = [_rec(registry, "siren", s, 20.0) for s in range(2)]
    mine = {"/home/me/signals/mine.png": "ab" * 32}
    own = [
        _rec(registry, "siren", s, 50.0, user_data=mine, run_id=f"own{s}", config_hash="c2")
        for s in range(2)
    ]
    board = build_leaderboard([*registered, *own], registry)
    assert board.sections() == [
        (TASK, "smoke", "", ""),
        (TASK, "smoke", "", "mine.png@abababab"),
    ]
    assert board.section(TASK, "smoke", data="mine.png@abababab")["primary_mean"].iat[0] == 50.0
    assert "inr_image (scale=smoke, user data mine.png@abababab)" in render(board, "text")
    assert set(board.table["rank"]) == {1}  # each ranks only within its own section


def test_leaderboard_cli_all_versions(registry, settings, capsys):
    from harness.cli import main

    store = RecordStore(settings.runs_dir)
    store.save(_rec(registry, "siren", 0, 20.0))
    stale = _edited(code_identity(registry, TASK, "siren"))
    store.save(_rec(registry, "siren", 1, 30.0, run_id="old", code=stale))

    assert main(["leaderboard"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("note: left out 1 of 2 records") and "[other code" not in out
    assert main(["leaderboard", "--all-versions"]) == 0
    out = capsys.readouterr().out
    assert "siren [other code " in out and "note:" not in out


@pytest.mark.parametrize("fmt", ["csv", "html"])
def test_every_format_carries_the_code_and_runtime(registry, fmt):
    stale = _edited(code_identity(registry, TASK, "siren"))
    records = [_rec(registry, "siren", 0, 20.0), _rec(registry, "siren", 1, 2.0, code=stale)]
    text = render(build_leaderboard(records, registry), fmt)
    if fmt == "csv":
        assert "code,current,runtime" in text.splitlines()[0].replace('"', "")
    else:
        assert "Note: left out 1 of 2 records" in text
