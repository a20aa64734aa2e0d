"""Formula arithmetic and subformula assignment of MS/MS peaks (numpy + RDKit).

A formula is an integer vector over :data:`ELEMENTS`. Ion m/z values include the electron mass
(``[M+H]+`` of M is ``mass(M + H) - m_e``); isotope peaks sit at ``+ j · 1.003355`` (the ¹³C-¹²C
spacing, not the neutron mass the GrAFF-MS reference code uses).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ELEMENTS = ("C", "H", "N", "O", "P", "S", "F", "Cl", "Br", "I")
H_INDEX = ELEMENTS.index("H")
ELECTRON_MASS = 0.000548579909
ISOTOPE_SPACING = 1.003354835  # 13C - 12C
# monoisotopic masses (same values as RDKit's periodic table, asserted in the tests)
MONO_MASS = np.array(
    [
        12.0,
        1.00782503223,
        14.00307400443,
        15.99491461957,
        30.97376199842,
        31.9720711744,
        18.99840316273,
        34.968852682,
        78.9183376,
        126.9044719,
    ]
)
VALENCE = np.array([4, 1, 3, 2, 3, 2, 1, 1, 1, 1])
ADDUCTS = {"[M+H]+": (+1, 1), "[M-H]-": (-1, -1)}  # charge sign, hydrogens added
_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*)")


def parse_formula(text: str) -> np.ndarray:
    """``"C8H10N4O2"`` → counts over :data:`ELEMENTS`; unknown elements raise ``ValueError``."""
    counts = np.zeros(len(ELEMENTS), dtype=np.int64)
    clean = text.strip().rstrip("+-")
    if not clean or "".join(m.group(0) for m in _TOKEN.finditer(clean)) != clean:
        raise ValueError(f"cannot parse formula {text!r}")
    for symbol, number in _TOKEN.findall(clean):
        if symbol not in ELEMENTS:
            raise ValueError(f"element {symbol} of {text!r} is outside {ELEMENTS}")
        counts[ELEMENTS.index(symbol)] += int(number) if number else 1
    return counts


def format_formula(counts: Sequence[int]) -> str:
    """Hill-order string of a count vector (C, H, then alphabetical)."""
    items = {e: int(n) for e, n in zip(ELEMENTS, counts, strict=True) if n}
    order = (["C", "H"] if "C" in items else []) + sorted(k for k in items if k not in ("C", "H"))
    if "C" not in items:
        order = sorted(items)
    return "".join(f"{e}{items[e] if items[e] > 1 else ''}" for e in order if e in items)


def formula_mass(counts: np.ndarray) -> np.ndarray | float:
    """Monoisotopic neutral mass of one formula ``(E,)`` or many ``(N, E)``."""
    return np.asarray(counts, dtype=np.float64) @ MONO_MASS


def ion_mz(counts: np.ndarray, charge: int) -> np.ndarray | float:
    """m/z of a singly charged ion whose elemental formula is ``counts`` (charge ±1)."""
    return formula_mass(counts) - charge * ELECTRON_MASS


def precursor_ion(neutral: np.ndarray, adduct: str) -> tuple[np.ndarray, int]:
    """Formula and charge of the precursor ion of ``neutral`` for ``[M+H]+`` / ``[M-H]-``."""
    charge, hydrogens = ADDUCTS[adduct]
    ion = np.array(neutral, dtype=np.int64).copy()
    ion[H_INDEX] += hydrogens
    if ion[H_INDEX] < 0:
        raise ValueError("[M-H]- of a molecule without hydrogen")
    return ion, charge


def rdbe(counts: np.ndarray) -> np.ndarray | float:
    """Ring-plus-double-bond equivalents 1 + Σ n_i (v_i - 2) / 2 (x.5 for even-electron ions)."""
    return 1.0 + np.asarray(counts, dtype=np.float64) @ ((VALENCE - 2) / 2.0)


def mol_formula(smiles: str) -> np.ndarray:
    """Neutral formula of a SMILES via RDKit (implicit hydrogens included)."""
    from rdkit import Chem
    from rdkit.Chem.rdMolDescriptors import CalcMolFormula

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"RDKit cannot parse {smiles!r}")
    formula = CalcMolFormula(mol)
    if "+" in formula or "-" in formula:
        raise ValueError(f"charged molecule {smiles!r} ({formula})")
    return parse_formula(formula)


@dataclass(frozen=True)
class SubformulaTable:
    """Every subformula of a precursor ion with RDBE ≥ -0.5, as a matrix and its ion m/z."""

    formulas: np.ndarray  # (N, E) int
    mz: np.ndarray  # (N,) float, sorted ascending


def enumerate_subformulas(
    precursor: np.ndarray, charge: int, max_combinations: int = 2_000_000
) -> SubformulaTable:
    """All formulas ``f ⊆ precursor`` (elementwise counts), non-empty, RDBE ≥ -0.5.

    The product over elements of ``(n_i + 1)`` is enumerated directly; precursors whose count
    exceeds ``max_combinations`` raise ``ValueError`` (callers skip those spectra).
    """
    precursor = np.asarray(precursor, dtype=np.int64)
    sizes = precursor + 1
    total = int(np.prod(sizes))
    if total > max_combinations:
        raise ValueError(f"{total} subformulas exceed the limit {max_combinations}")
    grids = np.meshgrid(*[np.arange(s, dtype=np.int16) for s in sizes], indexing="ij")
    formulas = np.stack([g.ravel() for g in grids], axis=1)
    keep = (formulas.sum(axis=1) > 0) & (rdbe(formulas) >= -0.5)
    # an ion needs at least one non-hydrogen atom
    keep &= (np.delete(formulas, H_INDEX, axis=1).sum(axis=1)) > 0
    formulas = formulas[keep]
    mz = ion_mz(formulas, charge)
    order = np.argsort(mz, kind="stable")
    return SubformulaTable(formulas[order], mz[order])


def tolerance_da(mz: float | np.ndarray, ppm: float, min_da: float) -> float | np.ndarray:
    """Matching tolerance: ``ppm`` of the m/z, but never below ``min_da``."""
    return np.maximum(np.asarray(mz) * ppm * 1e-6, min_da)


def annotate_peaks(
    peak_mz: np.ndarray,
    table: SubformulaTable,
    ppm: float,
    min_da: float,
    max_isotope: int = 2,
) -> list[list[tuple[int, int]]]:
    """For every peak, the ``(row of table, isotope j)`` whose m/z + j·Δ lies within tolerance.

    Several candidates may match a peak; none may match (unannotated peak).
    """
    out: list[list[tuple[int, int]]] = []
    for mz in np.asarray(peak_mz, dtype=np.float64):
        tol = float(tolerance_da(mz, ppm, min_da))
        hits: list[tuple[int, int]] = []
        for j in range(max_isotope + 1):
            target = mz - j * ISOTOPE_SPACING
            lo = np.searchsorted(table.mz, target - tol, side="left")
            hi = np.searchsorted(table.mz, target + tol, side="right")
            hits.extend((int(r), j) for r in range(lo, hi))
        out.append(hits)
    return out
