"""A user's own test spectra (``task.external_test=PATH``), read with matchms.

Formats, by the file's suffix: ``.mgf`` and ``.msp`` (matchms' loaders, with its metadata
harmonisation), ``.txt`` MassBank records (one or several records, each ended by ``//``; parsed
here into matchms spectra, since matchms has no MassBank-record loader). Each spectrum needs a
structure (``smiles``, or an ``inchi`` RDKit can read) and an adduct (``[M+H]+``/``[M-H]-``);
the instrument covariate comes from ``instrument_type`` and ``contributor`` (an unseen lab gets
an all-zero one-hot), the collision energy from ``collision_energy`` (free text, parsed as for
MassBank). The spectra then go through the MassBank subset's filters (:func:`build_spectrum`),
and the task removes those whose structure (InChIKey first block) the model trained on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spectral_harness_ms.data import Dropped, Filters, Spectrum, build_spectrum

FORMATS = {".mgf": "mgf", ".msp": "msp", ".txt": "massbank"}
_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
_PEAK_LINE = re.compile(r"^\s*(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s+(\S+)")
# MassBank record keys → matchms' harmonised metadata keys
_MASSBANK_KEYS = {
    "ACCESSION": "spectrum_id",
    "CH$NAME": "compound_name",
    "CH$SMILES": "smiles",
    "CH$IUPAC": "inchi",
    "AC$INSTRUMENT_TYPE": "instrument_type",
    "AC$INSTRUMENT": "instrument",
}
_MASSBANK_SUBKEYS = {
    ("CH$LINK", "INCHIKEY"): "inchikey",
    ("AC$MASS_SPECTROMETRY", "COLLISION_ENERGY"): "collision_energy",
    ("AC$MASS_SPECTROMETRY", "ION_MODE"): "ionmode",
    ("AC$MASS_SPECTROMETRY", "MS_TYPE"): "ms_level",
    ("MS$FOCUSED_ION", "PRECURSOR_TYPE"): "adduct",
    ("MS$FOCUSED_ION", "PRECURSOR_M/Z"): "precursor_mz",
}


@dataclass
class ExternalSet:
    """The kept spectra of a user's file and the bookkeeping of what was read and dropped."""

    spectra: list[Spectrum]
    read: int
    dropped: dict[str, int]


def file_format(path: Path) -> str:
    """``mgf``, ``msp`` or ``massbank`` from the suffix; anything else is refused."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(
            f"task.external_test={str(path)!r}: unknown suffix {path.suffix!r}; expected one of "
            f"{', '.join(FORMATS)} (MGF, MSP or MassBank record text)"
        )
    return kind


def read_spectra(path: Path) -> list[Any]:
    """Every spectrum of the file as a ``matchms.Spectrum`` (harmonised metadata)."""
    kind = file_format(path)
    if kind == "mgf":
        from matchms.importing import load_from_mgf

        return list(load_from_mgf(str(path)))
    if kind == "msp":
        from matchms.importing import load_from_msp

        return list(load_from_msp(str(path)))
    return read_massbank_records(path)


def read_massbank_records(path: Path) -> list[Any]:
    """MassBank record text (``KEY: value`` lines, ``PK$PEAK:`` then peak lines, ``//`` ends a
    record) as matchms spectra, their metadata under matchms' harmonised keys."""
    from matchms import Spectrum as MatchmsSpectrum

    out = []
    metadata: dict[str, Any] = {}
    peaks: list[tuple[float, float]] = []
    in_peaks = False
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.rstrip()
        if line.strip() == "//":
            if metadata or peaks:
                arr = np.array(sorted(peaks), dtype=np.float64).reshape(-1, 2)
                out.append(MatchmsSpectrum(mz=arr[:, 0], intensities=arr[:, 1], metadata=metadata))
            metadata, peaks, in_peaks = {}, [], False
            continue
        if in_peaks and line.startswith(" "):
            if match := _PEAK_LINE.match(line):
                peaks.append((float(match.group(1)), float(match.group(2))))
            continue
        in_peaks = False
        key, sep, value = line.partition(": ")
        if not sep:
            continue
        if key == "PK$PEAK":
            in_peaks = True
        elif key in _MASSBANK_KEYS:
            metadata.setdefault(_MASSBANK_KEYS[key], value.strip())
        else:
            sub, _, rest = value.strip().partition(" ")
            if (key, sub) in _MASSBANK_SUBKEYS:
                metadata[_MASSBANK_SUBKEYS[(key, sub)]] = rest.strip()
    return out


def smiles_of(metadata: dict[str, Any]) -> str:
    """The spectrum's SMILES, or one RDKit writes from its InChI; empty when neither reads."""
    smiles = str(metadata.get("smiles") or "").strip()
    if smiles and smiles.upper() not in {"N/A", "NA"}:
        return smiles
    inchi = str(metadata.get("inchi") or "").strip().strip('"')
    if inchi.startswith("InChI="):
        from rdkit import Chem

        mol = Chem.MolFromInchi(inchi)
        if mol is not None:
            return Chem.MolToSmiles(mol)
    return ""


def record_of(spectrum: Any, index: int) -> dict[str, Any]:
    """The fields :func:`build_spectrum` reads, from a matchms spectrum's metadata."""
    meta = spectrum.metadata
    name = meta.get("spectrum_id") or meta.get("title") or meta.get("compound_name") or ""
    inchikey = str(meta.get("inchikey") or "").strip()
    return {
        "accession": f"external:{index}:{name}",
        "smiles": smiles_of(meta),
        "inchikey": inchikey if _INCHIKEY.match(inchikey) else "",
        "adduct": str(meta.get("adduct") or "").strip(),
        "instrument_type": str(meta.get("instrument_type") or "").strip(),
        "contributor": str(meta.get("contributor") or "").strip(),
        "collision_energy": meta.get("collision_energy"),
        "peaks": list(
            zip(spectrum.peaks.mz.tolist(), spectrum.peaks.intensities.tolist(), strict=True)
        ),
    }


def load_external(path: Path, filters: Filters) -> ExternalSet:
    """Read a user's spectra file and keep what the MassBank subset's filters keep."""
    matchms_spectra = read_spectra(path)
    dropped = Dropped()
    kept: list[Spectrum] = []
    formula_cache: dict[str, np.ndarray | None] = {}
    for index, spectrum in enumerate(matchms_spectra):
        record = record_of(spectrum, index)
        if not record["smiles"]:
            dropped.add("no_structure")
            continue
        built = build_spectrum(record, filters, dropped, formula_cache)
        if built is not None:
            kept.append(built)
    return ExternalSet(kept, len(matchms_spectra), dict(dropped))


def remove_overlap(spectra: list[Spectrum], seen_keys: set[str]) -> tuple[list[Spectrum], int, int]:
    """Drop spectra whose structure (InChIKey first block) is in ``seen_keys``: the kept
    spectra, the spectra removed and the distinct structures removed."""
    kept = [s for s in spectra if s.key not in seen_keys]
    removed = [s for s in spectra if s.key in seen_keys]
    return kept, len(removed), len({s.key for s in removed})
