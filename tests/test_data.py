"""Data directory, downloads refused offline, checksums, and the content-hash cache."""

import hashlib
import json
import os
import shutil
import time
import types
from pathlib import Path

import pytest

from harness.cli import _data_check, main
from harness.data import store as data_store
from harness.data.cache import ContentCache
from harness.data.store import DataStore
from harness.errors import DataCorruptError, DataMissingError
from harness.specs import DatasetSpec, RemoteFile
from harness.storage import file_sha256
from spectral_harness_inr.datasets import DATASETS as INR_DATASETS
from spectral_harness_inr.datasets import KODAK_SHA256

BACH = "siren_audio/gt_bach.wav"


def _spec(url: str = "") -> dict[str, DatasetSpec]:
    return {"toy": DatasetSpec("toy", {"toy/a.txt": RemoteFile(url), "toy/b.txt": RemoteFile(url)})}


def test_missing_files_are_named_with_where_they_were_looked_for(tmp_path):
    store = DataStore(tmp_path, tmp_path / "cache", _spec(), allow_download=False)
    with pytest.raises(DataMissingError) as info:
        store.require("toy")
    message = str(info.value)
    assert "toy/a.txt" in message and str(tmp_path) in message and "HARNESS_DATA_DIR" in message
    assert "\n" not in message


def test_a_failed_download_is_one_clear_line(tmp_path):
    store = DataStore(tmp_path, tmp_path / "cache", _spec("http://127.0.0.1:9/nothing"))
    with pytest.raises(DataMissingError, match="downloading it failed"):
        store.require("toy")
    assert not (tmp_path / "toy").exists()  # no partial file, and no empty folder, left behind


def test_a_download_is_verified_and_swapped_in_whole(tmp_path):
    upstream = tmp_path / "upstream.txt"
    upstream.write_text("toy data")
    digest = hashlib.sha256(b"toy data").hexdigest()
    good = {"toy": DatasetSpec("toy", {"toy/a.txt": RemoteFile(upstream.as_uri(), digest)})}
    DataStore(tmp_path / "data", tmp_path / "cache", good).require("toy")
    assert (tmp_path / "data" / "toy" / "a.txt").read_text() == "toy data"
    wrong = {"toy": DatasetSpec("toy", {"toy/b.txt": RemoteFile(upstream.as_uri(), "0" * 64)})}
    with pytest.raises(DataMissingError, match="checksum mismatch"):
        DataStore(tmp_path / "data", tmp_path / "cache", wrong).require("toy")
    assert sorted(p.name for p in (tmp_path / "data" / "toy").iterdir()) == ["a.txt"]


def test_checksum_is_stable_and_memoised(tmp_path):
    _write(tmp_path / "toy" / "a.txt", b"a")
    _write(tmp_path / "toy" / "b.txt", b"b")
    store = DataStore(tmp_path, tmp_path / "cache", _spec())
    assert store.require("toy") == tmp_path
    first = store.checksum("toy")
    assert (tmp_path / "cache" / "checksums.json").is_file()
    assert store.checksum("toy") == first
    (tmp_path / "toy" / "b.txt").write_text("changed")
    assert store.checksum("toy") != first
    assert len(file_sha256(tmp_path / "toy" / "a.txt")) == 64


def test_content_cache_computes_once(tmp_path):
    import torch

    cache = ContentCache(tmp_path, "demo")
    calls = []

    def create():
        calls.append(1)
        return {"x": torch.arange(3)}

    first = cache.get_or_create({"n": 3, "seed": 0}, create)
    second = cache.get_or_create({"seed": 0, "n": 3}, create)  # key order does not matter
    assert torch.equal(first["x"], second["x"]) and len(calls) == 1
    assert (cache.hits, cache.misses) == (1, 1)
    cache.get_or_create({"n": 4, "seed": 0}, create)
    assert len(calls) == 2


@pytest.mark.needs_data()
def test_data_check_lists_the_shared_datasets(data_dir, capsys):
    assert main(["data", "check"]) == 0
    out = capsys.readouterr().out
    assert "✓ siren_audio" in out and "✓ kodak24" in out


def test_one_file_of_a_dataset_can_be_required_alone(tmp_path):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "a.txt").write_text("a")
    store = DataStore(tmp_path, tmp_path / "cache", _spec(), allow_download=False)
    assert store.require("toy/a.txt") == tmp_path
    assert store.missing_files("toy") == ["toy/b.txt"]
    with pytest.raises(DataMissingError, match="not a file of dataset 'toy'"):
        store.require("toy/c.txt")


OLD_NS = 1_600_000_000 * 10**9  # a modification time long past (memoisable, not "racy")


def _write(path, content: bytes, mtime_ns: int = OLD_NS):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def _siren_store(data_dir, **kwargs) -> DataStore:
    return DataStore(data_dir, data_dir / "cache", {s.name: s for s in INR_DATASETS}, **kwargs)


def _truncated_bach(data_dir, real_data_dir):
    original = (real_data_dir / BACH).read_bytes()
    return _write(data_dir / BACH, original[: len(original) // 2])


def test_a_truncated_registered_file_is_one_line_naming_both_hashes(tmp_path, data_dir):
    target = _truncated_bach(tmp_path, data_dir)
    expected = INR_DATASETS[0].files[BACH].sha256
    for offline in (True, False):
        with pytest.raises(DataCorruptError) as info:
            _siren_store(tmp_path, allow_download=not offline).require(BACH)
        message = str(info.value)
        assert str(target) in message and expected in message and file_sha256(target) in message
        assert "replace it with the original" in message and "\n" not in message
        assert ("downloaded again" in message) is not offline
    with pytest.raises(DataCorruptError):  # the dataset's name checks the same file
        _siren_store(tmp_path).checksum("siren_audio")


def test_data_check_marks_a_corrupt_file(tmp_path, data_dir, monkeypatch, capsys):
    _truncated_bach(tmp_path, data_dir)
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path))
    assert main(["data", "check"]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if "siren_audio" in x)
    assert line.startswith("✗") and "corrupt" in line and INR_DATASETS[0].files[BACH].sha256 in line


def test_data_check_says_which_files_have_no_registered_hash(tmp_path, monkeypatch, capsys):
    _write(tmp_path / "toy" / "a.txt", b"a")
    _write(tmp_path / "toy" / "b.txt", b"b")
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path))
    files = {**_spec()["toy"].files, "toy/b.txt": RemoteFile("", hashlib.sha256(b"b").hexdigest())}
    spec = DatasetSpec("toy", files)
    assert _data_check(types.SimpleNamespace(datasets={"toy": spec})) == 0
    out = capsys.readouterr().out
    assert "✓ toy                  2/2 files, sha256 verified 1/2 (1 with no registered" in out
    assert f"data directory: {tmp_path} (from HARNESS_DATA_DIR)" in out


def test_a_second_require_reads_no_file_again(tmp_path, data_dir, monkeypatch):
    for name in ("kodim19.png", "kodim20.png"):
        shutil.copy(data_dir / "kodak24" / name, tmp_path / name)
        _write(tmp_path / "kodak24" / name, (tmp_path / name).read_bytes())
    store = DataStore(tmp_path, tmp_path / "cache", {s.name: s for s in INR_DATASETS})
    store.require("kodak24/kodim19.png")
    store.checksum("kodak24/kodim20.png")
    calls = []
    monkeypatch.setattr(data_store, "file_sha256", lambda path: calls.append(path) or "x")
    for fresh in (store, DataStore(tmp_path, tmp_path / "cache", store.datasets)):
        fresh.require("kodak24/kodim19.png")
        assert fresh.checksum("kodak24/kodim20.png") == KODAK_SHA256["kodim20.png"]
    assert calls == []


def test_a_file_modified_just_now_is_hashed_again_by_the_next_store(tmp_path, monkeypatch):
    path = tmp_path / "toy" / "a.txt"
    path.parent.mkdir()
    path.write_text("fresh")  # mtime now: a rewrite within the clock's tick could go unseen
    store = DataStore(tmp_path, tmp_path / "cache", _spec())
    digest = store.checksum("toy/a.txt")
    calls = []
    real = data_store.file_sha256
    monkeypatch.setattr(data_store, "file_sha256", lambda p: calls.append(p) or real(p))
    assert store.checksum("toy/a.txt") == digest and calls == []  # this store trusts itself
    assert DataStore(tmp_path, tmp_path / "cache", _spec()).checksum("toy/a.txt") == digest
    assert len(calls) == 1


def test_checksum_of_one_registered_file_is_that_files_sha256(data_dir):
    store = _siren_store(data_dir)
    store.cache_dir = Path(os.environ["HARNESS_CACHE_DIR"])  # the data dir is read-only
    path = data_dir / "kodak24" / "kodim19.png"
    assert store.checksum("kodak24/kodim19.png") == file_sha256(path) == KODAK_SHA256["kodim19.png"]


def test_dataset_checksum_keeps_its_formula(tmp_path):
    """Records store it: the same files must give the same value as before (resume)."""
    _write(tmp_path / "toy" / "a.txt", b"a")
    _write(tmp_path / "toy" / "b.txt", b"b")
    lines = "".join(f"toy/{n}.txt:{hashlib.sha256(n.encode()).hexdigest()}\n" for n in "ab")
    digest = DataStore(tmp_path, tmp_path / "cache", _spec()).checksum("toy")
    assert digest == hashlib.sha256(lines.encode()).hexdigest()


def test_other_bytes_of_the_same_size_and_mtime_change_the_checksum(tmp_path):
    path = _write(tmp_path / "toy" / "a.txt", b"aaaa")
    _write(tmp_path / "toy" / "b.txt", b"b")

    def checksums() -> tuple[str, str]:
        store = DataStore(tmp_path, tmp_path / "cache", _spec())
        return store.checksum("toy/a.txt"), store.checksum("toy")

    seen = [checksums()]
    # replaced by another file (new inode), its size and mtime made identical
    _write(tmp_path / "other", b"bbbb")
    os.replace(tmp_path / "other", path)
    seen.append(checksums())
    # rewritten in place (same inode), size and mtime restored: only the ctime tells
    time.sleep(0.05)  # past the file-system clock's tick
    _write(path, b"cccc")
    seen.append(checksums())
    assert [a for a, _ in seen] == [
        hashlib.sha256(x).hexdigest() for x in (b"aaaa", b"bbbb", b"cccc")
    ]
    assert len({whole for _, whole in seen}) == 3


def test_the_memo_tolerates_damage_old_entries_and_an_unwritable_cache(tmp_path):
    path = _write(tmp_path / "toy" / "a.txt", b"a")
    memo = tmp_path / "cache" / "checksums.json"
    memo.parent.mkdir()
    stat = path.stat()
    memo.write_text(json.dumps({f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}": "0" * 64}))
    expected = file_sha256(path)
    assert DataStore(tmp_path, memo.parent, _spec()).checksum("toy/a.txt") == expected
    assert all(isinstance(v, dict) for v in json.loads(memo.read_text()).values())
    memo.write_text("{trunc")
    assert DataStore(tmp_path, memo.parent, _spec()).checksum("toy/a.txt") == expected
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert DataStore(tmp_path, blocked / "cache", _spec()).checksum("toy/a.txt") == expected


def test_user_files_are_told_apart_from_registered_entries(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    store = DataStore(tmp_path / "data", tmp_path / "cache", _spec())
    for entry in ("toy", "toy/a.txt", "toy/c.txt"):
        assert not store.is_user_file(entry)
    for entry in ("my.wav", "./toy/a.txt", "sub/x.png", str(tmp_path / "x"), "~/x.png"):
        assert store.is_user_file(entry)
    assert store.resolve("toy/a.txt") == tmp_path / "data" / "toy" / "a.txt"
    assert store.resolve("sub/../my.wav") == tmp_path / "my.wav"
    assert store.resolve("~/x.png") == tmp_path / "home" / "x.png"


def test_a_users_file_is_required_and_checksummed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = DataStore(tmp_path / "data", tmp_path / "cache", _spec(), allow_download=False)
    _write(tmp_path / "mine.bin", b"my signal")
    assert store.missing_files("mine.bin") == []
    assert store.require("mine.bin") == tmp_path / "data"
    assert store.checksum("mine.bin") == hashlib.sha256(b"my signal").hexdigest()
    assert store.checksum(str(tmp_path / "mine.bin")) == store.checksum("mine.bin")
    with pytest.raises(DataMissingError) as info:
        store.require("toyy")  # a misspelt dataset or a missing file: both are said
    message = str(info.value)
    assert str(tmp_path / "toyy") in message and "does not exist" in message and "toy" in message
    (tmp_path / "folder").mkdir()
    with pytest.raises(DataMissingError, match="is not a regular file"):
        store.checksum("folder")
    assert store.missing_files("nothing.wav") == ["nothing.wav"]


def test_data_check_never_downloads(tmp_path, monkeypatch, capsys):
    _write(tmp_path / "toy" / "a.txt", b"a")
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HARNESS_OFFLINE")
    files = {"toy/a.txt": RemoteFile("https://example.invalid/a.txt", "")}
    files["toy/b.txt"] = RemoteFile("https://example.invalid/b.txt", "")

    def refuse(*args):
        raise AssertionError("data check downloaded")

    monkeypatch.setattr(DataStore, "_download", refuse)
    registry = types.SimpleNamespace(datasets={"toy": DatasetSpec("toy", files)})
    assert _data_check(registry) == 1
    assert "✗ toy                  1/2 files (missing e.g. toy/b.txt)" in capsys.readouterr().out


def test_one_default_data_directory(tmp_path, monkeypatch):
    from harness import settings

    monkeypatch.delenv("HARNESS_DATA_DIR")
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(settings, "SHARED_DATA", tmp_path / "shared" / "data")
    assert settings.default_data_dir() == tmp_path / "cache" / "data"
    assert "no shared/data beside the checkout" in settings.data_dir_origin()
    (tmp_path / "shared" / "data").mkdir(parents=True)
    assert settings.default_data_dir() == tmp_path / "shared" / "data"
    assert "beside the checkout" in settings.data_dir_origin()
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path / "mine"))
    assert settings.default_data_dir() == tmp_path / "mine"
    assert settings.data_dir_origin() == "from HARNESS_DATA_DIR"


def test_make_test_and_a_hand_run_look_in_the_same_place(monkeypatch):
    """``make test`` exports ``<checkout>/../shared/data``; without it a hand run finds the same
    folder (where it exists)."""
    from harness import settings

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "HARNESS_DATA_DIR ?= $(abspath ../shared/data)" in makefile
    assert Path(__file__).resolve().parents[2] / "shared" / "data" == settings.SHARED_DATA


def test_only_a_missing_dataset_excuses_a_failure(tmp_path):
    from harness.data.missing import missing_data_reason

    toy = _spec()
    assert missing_data_reason("dataset 'toy' is missing toy/a.txt", tmp_path, toy) == (
        f"needs toy, not in the data directory {tmp_path} "
        "(set HARNESS_DATA_DIR to a folder with the shared datasets)"
    )
    text = f"FileNotFoundError: [Errno 2] No such file or directory: '{tmp_path}/toy/b.txt'"
    assert "needs toy/b.txt, not in" in missing_data_reason(text, tmp_path, toy)
    assert missing_data_reason("AssertionError: assert 1 == 2", tmp_path, toy) is None
    _write(tmp_path / "toy" / "a.txt", b"a")
    _write(tmp_path / "toy" / "b.txt", b"b")
    # with every dataset present nothing is excused, even a message that names one
    assert missing_data_reason("dataset 'toy' is missing toy/a.txt", tmp_path, toy) is None
    assert missing_data_reason(text.replace("b.txt", "c.txt"), tmp_path, toy) is None
