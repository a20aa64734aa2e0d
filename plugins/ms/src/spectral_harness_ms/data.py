"""MassBank subset: parse, filter, normalise covariates, annotate peaks, split by structure.

Handling (also stated in the board's note):
* adducts: only ``[M+H]+`` and ``[M-H]-`` (88 % of the spectra; the paper's choice too);
* instruments: low-resolution triple quadrupoles (``*-QQ``, unit-mass m/z) are dropped; QTOF and
  IT-TOF are annotated at ``ppm`` (default 20 ppm, never tighter than ``min_da``);
* elements ⊆ {C,H,N,O,P,S,F,Cl,Br,I}, precursor m/z ≤ ``max_precursor_mz``;
* collision energy: the free text is kept (``ce_text``); a number is parsed where the text allows
  (``"20 V"``, ``"45V"``, ``"15 eV"`` → 20/45/15; a ramp ``"30-50"`` → its mean 40, flagged);
  missing → the training median, flagged;
* peaks: above ``precursor + 2.5`` Da removed, the ``max_peaks`` most intense kept, peaks under
  ``min_rel_intensity`` of the base peak dropped, intensities normalised to sum 1;
* split: by the InChIKey first block, 80/10/10 with a seeded permutation of structures.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spectral_harness_ms.chem import (
    ADDUCTS,
    annotate_peaks,
    enumerate_subformulas,
    ion_mz,
    mol_formula,
    precursor_ion,
)

DATASET = "massbank_subset"
MGF = f"{DATASET}/massbank_subset.mgf"
CSV = f"{DATASET}/massbank_subset_metadata.csv"
LOW_RES = ("QQ",)
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:v|ev)?\s*$", re.IGNORECASE)
_RAMP = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*(?:v|ev)?\s*$", re.IGNORECASE)


def parse_collision_energy(text: str | None) -> tuple[float, bool]:
    """``(energy, is_ramp)`` from MassBank's free text; ``nan`` where no number can be read.

    ``"35  (nominal)"`` (normalised HCD energy) is read as 35 too: the number is kept, the unit
    differs between labs, which the instrument covariate lets a model account for.
    """
    if text is None:
        return math.nan, False
    text = str(text).strip()
    if not text or text.lower() in {"nan", "n/a"}:
        return math.nan, False
    text = re.sub(r"\(.*?\)", "", text).strip()
    if match := _NUMBER.match(text):
        return float(match.group(1)), False
    if match := _RAMP.match(text):
        return (float(match.group(1)) + float(match.group(2))) / 2.0, True
    if match := re.search(r"(\d+(?:\.\d+)?)", text):
        return float(match.group(1)), False
    return math.nan, False


def read_mgf(path: Path) -> list[dict]:
    """MGF blocks as dicts of their keys plus ``peaks`` (list of (m/z, intensity))."""
    spectra: list[dict] = []
    current: dict | None = None
    with open(path) as handle:
        for raw in handle:
            line = raw.strip()
            if line == "BEGIN IONS":
                current = {"peaks": []}
            elif line == "END IONS":
                if current is not None:
                    spectra.append(current)
                current = None
            elif current is not None and line:
                if line[0].isdigit():
                    mz, intensity = line.split()[:2]
                    current["peaks"].append((float(mz), float(intensity)))
                else:
                    key, _, value = line.partition("=")
                    current[key] = value
    return spectra


@dataclass
class Spectrum:
    """One filtered, annotated spectrum and its covariates."""

    accession: str
    smiles: str
    key: str  # InChIKey first block
    adduct: str
    instrument: str  # normalised instrument type + contributor
    ce: float  # nan where unknown
    ce_ramp: bool
    ce_text: str
    precursor: np.ndarray  # precursor ion formula
    charge: int
    precursor_mz: float  # theoretical, from the formula
    mz: np.ndarray  # peak m/z
    intensity: np.ndarray  # sums to 1
    # annotations, one row per (peak, candidate product-ion formula, isotope j)
    ann_peak: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ann_formula: np.ndarray = field(default_factory=lambda: np.zeros((0, 10), dtype=np.int64))
    ann_iso: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    split: str = ""
    low_res: bool = False

    @property
    def annotated(self) -> np.ndarray:
        """Per peak: has at least one formula annotation."""
        flags = np.zeros(len(self.mz), dtype=bool)
        flags[self.ann_peak] = True
        return flags


@dataclass
class MsDataset:
    """All kept spectra plus the bookkeeping of what was dropped and how much was annotated."""

    spectra: list[Spectrum]
    dropped: dict[str, int]
    checksum: str

    def split(self, name: str) -> list[Spectrum]:
        return [s for s in self.spectra if s.split == name]


def annotated_fraction(spectra: list[Spectrum]) -> float:
    """Mean fraction of a spectrum's intensity carried by peaks with ≥ 1 formula annotation."""
    covered = [float(s.intensity[s.annotated].sum()) for s in spectra]
    return float(np.mean(covered)) if covered else math.nan


def _instrument_name(instrument_type: str, contributor: str) -> str:
    kind = instrument_type.replace("LC-", "")
    return f"{kind}|{contributor}"


def preprocess_peaks(
    peaks: list[tuple[float, float]],
    precursor_mz: float,
    max_peaks: int,
    min_rel_intensity: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Clean a peak list (see module docstring); returns ``(mz, intensity summing to 1)``."""
    if not peaks:
        return np.zeros(0), np.zeros(0)
    arr = np.array(peaks, dtype=np.float64)
    arr = arr[(arr[:, 0] <= precursor_mz + 2.5) & (arr[:, 1] > 0)]
    if len(arr) == 0:
        return np.zeros(0), np.zeros(0)
    arr = arr[np.argsort(-arr[:, 1], kind="stable")][:max_peaks]
    arr = arr[arr[:, 1] >= min_rel_intensity * arr[0, 1]]
    arr = arr[np.argsort(arr[:, 0], kind="stable")]
    return arr[:, 0], arr[:, 1] / arr[:, 1].sum()


@dataclass(frozen=True)
class Filters:
    """What a spectrum must satisfy to be kept (the module docstring's handling)."""

    max_precursor_mz: float = 1000.0
    max_peaks: int = 100
    min_rel_intensity: float = 0.001
    include_low_res: bool = False


class Dropped(dict):
    """Counts of spectra dropped, by reason."""

    def add(self, reason: str) -> None:
        self[reason] = self.get(reason, 0) + 1


def build_spectrum(
    record: dict,
    filters: Filters,
    dropped: Dropped,
    formula_cache: dict[str, np.ndarray | None],
) -> Spectrum | None:
    """One kept :class:`Spectrum` from a record's fields, or ``None`` (its reason counted).

    ``record`` holds ``accession``, ``smiles``, ``inchikey`` (may be empty: computed from the
    SMILES), ``adduct``, ``instrument_type``, ``contributor``, ``collision_energy`` (free text)
    and ``peaks`` (``(m/z, intensity)`` pairs).
    """
    adduct = record.get("adduct") or ""
    if adduct not in ADDUCTS:
        dropped.add("adduct")
        return None
    itype = record.get("instrument_type") or ""
    low_res = any(tag in itype for tag in LOW_RES)
    if low_res and not filters.include_low_res:
        dropped.add("low_resolution_instrument")
        return None
    smiles = record.get("smiles") or ""
    if smiles not in formula_cache:
        try:
            formula_cache[smiles] = mol_formula(smiles)
        except ValueError:
            formula_cache[smiles] = None
    neutral = formula_cache[smiles]
    if neutral is None:
        dropped.add("elements_or_charge")
        return None
    ion, charge = precursor_ion(neutral, adduct)
    prec_mz = float(ion_mz(ion, charge))
    if prec_mz > filters.max_precursor_mz:
        dropped.add("precursor_mz")
        return None
    mz, intensity = preprocess_peaks(
        record["peaks"], prec_mz, filters.max_peaks, filters.min_rel_intensity
    )
    if len(mz) == 0:
        dropped.add("no_peaks")
        return None
    ce_text = str(record.get("collision_energy") or "")
    ce, ramp = parse_collision_energy(ce_text)
    return Spectrum(
        accession=record["accession"],
        smiles=smiles,
        key=(record.get("inchikey") or inchikey_of(smiles)).split("-")[0],
        adduct=adduct,
        instrument=_instrument_name(itype, record.get("contributor") or ""),
        ce=ce,
        ce_ramp=ramp,
        ce_text=ce_text,
        precursor=ion,
        charge=charge,
        precursor_mz=prec_mz,
        mz=mz,
        intensity=intensity,
        low_res=low_res,
    )


def inchikey_of(smiles: str) -> str:
    """The InChIKey RDKit computes for a SMILES (empty when it cannot)."""
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    return Chem.MolToInchiKey(mol) if mol is not None else ""


def load_massbank(data_dir: Path, filters: Filters | None = None) -> MsDataset:
    """Parse the MGF + metadata CSV and filter (annotation is separate: :func:`annotate`)."""
    filters = filters or Filters()
    mgf_path, csv_path = data_dir / MGF, data_dir / CSV
    with open(csv_path, newline="") as handle:
        meta = {row["accession"]: row for row in csv.DictReader(handle)}
    dropped = Dropped()
    spectra: list[Spectrum] = []
    formula_cache: dict[str, np.ndarray | None] = {}
    for block in read_mgf(mgf_path):
        record = {
            "accession": block["TITLE"],
            "smiles": block["SMILES"],
            "inchikey": block["INCHIKEY"],
            "adduct": block.get("PRECURSOR_TYPE", ""),
            "instrument_type": block.get("INSTRUMENT_TYPE", ""),
            "contributor": meta.get(block.get("TITLE", ""), {}).get("contributor", ""),
            "collision_energy": block.get("COLLISION_ENERGY"),
            "peaks": block["peaks"],
        }
        spectrum = build_spectrum(record, filters, dropped, formula_cache)
        if spectrum is not None:
            spectra.append(spectrum)
    digest = hashlib.sha256()
    for path in (mgf_path, csv_path):
        digest.update(path.read_bytes())
    return MsDataset(spectra, dict(dropped), digest.hexdigest())


Annotation = tuple[np.ndarray, np.ndarray, np.ndarray]


def annotate(spectra: list[Spectrum], ppm: float, min_da: float) -> dict[str, Annotation]:
    """Subformula annotation of every peak: ``accession → (peak, formula, isotope)`` rows.

    Candidates are the precursor ion's subformulas (RDBE ≥ -0.5) within ``ppm`` (at least
    ``min_da``; low-resolution instruments use 0.3 Da) plus 0, 1 or 2 ¹³C. Precursors with too
    many subformulas to enumerate stay unannotated (reported by the annotated fraction).
    """
    tables: dict[tuple, object] = {}
    out: dict[str, Annotation] = {}
    for s in spectra:
        key = (tuple(int(x) for x in s.precursor), s.charge)
        if key not in tables:
            try:
                tables[key] = enumerate_subformulas(s.precursor, s.charge)
            except ValueError:
                tables[key] = None
        table = tables[key]
        rows = np.zeros((0, 3), dtype=np.int64)
        if table is not None:
            hits = annotate_peaks(
                s.mz, table, 500.0 if s.low_res else ppm, 0.3 if s.low_res else min_da
            )
            rows = np.array(
                [(p, r, j) for p, peak in enumerate(hits) for r, j in peak], dtype=np.int64
            ).reshape(-1, 3)
        formulas = (
            table.formulas[rows[:, 1]].astype(np.int64)
            if table is not None
            else np.zeros((0, len(s.precursor)), dtype=np.int64)
        )
        out[s.accession] = (rows[:, 0].copy(), formulas, rows[:, 2].copy())
    return out


def apply_annotations(spectra: list[Spectrum], annotations: dict[str, Annotation]) -> None:
    for s in spectra:
        s.ann_peak, s.ann_formula, s.ann_iso = annotations[s.accession]


def assign_splits(
    dataset: MsDataset, seed: int = 0, fractions: tuple[float, float] = (0.8, 0.1)
) -> None:
    """Structure-disjoint train/val/test by InChIKey first block (seeded permutation)."""
    keys = sorted({s.key for s in dataset.spectra})
    order = np.random.default_rng(seed).permutation(len(keys))
    n_train = round(fractions[0] * len(keys))
    n_val = round(fractions[1] * len(keys))
    which = {}
    for rank, index in enumerate(order):
        which[keys[index]] = (
            "train" if rank < n_train else "val" if rank < n_train + n_val else "test"
        )
    for spectrum in dataset.spectra:
        spectrum.split = which[spectrum.key]


@dataclass(frozen=True)
class Covariates:
    """Encodes (adduct, instrument, collision energy) as a vector; vocabularies from training."""

    instruments: tuple[str, ...]
    ce_median: float

    @classmethod
    def fit(cls, train: list[Spectrum]) -> Covariates:
        ces = [s.ce for s in train if math.isfinite(s.ce)]
        return cls(tuple(sorted({s.instrument for s in train})), float(np.median(ces)))

    @property
    def dim(self) -> int:
        return len(ADDUCTS) + len(self.instruments) + 1 + 3

    def encode(self, adduct: str, instrument: str, ce: float, ce_ramp: bool) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        vec[list(ADDUCTS).index(adduct)] = 1.0
        if instrument in self.instruments:  # unseen instrument: all-zero one-hot
            vec[len(ADDUCTS) + self.instruments.index(instrument)] = 1.0
        base = len(ADDUCTS) + len(self.instruments)
        vec[base] = 1.0  # bias-like constant so an unseen instrument is not an all-zero block
        missing = not math.isfinite(ce)
        vec[base + 1] = (self.ce_median if missing else ce) / 50.0
        vec[base + 2] = float(ce_ramp)
        vec[base + 3] = float(missing)
        return vec

    def of(self, spectrum: Spectrum) -> np.ndarray:
        return self.encode(spectrum.adduct, spectrum.instrument, spectrum.ce, spectrum.ce_ramp)
