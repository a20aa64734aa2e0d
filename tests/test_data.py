"""Data directory, downloads refused offline, checksums, and the content-hash cache."""

import pytest

from harness.cli import main
from harness.data.cache import ContentCache
from harness.data.store import DataStore, file_sha256
from harness.errors import DataMissingError
from harness.specs import DatasetSpec, RemoteFile


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
    assert not list(tmp_path.glob("toy/*"))  # no partial file left behind


def test_checksum_is_stable_and_memoised(tmp_path):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "a.txt").write_text("a")
    (tmp_path / "toy" / "b.txt").write_text("b")
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
