"""Formula arithmetic, subformula annotation and collision-energy parsing of the ``ms`` family."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spectral_harness_ms.chem import (
    ELEMENTS,
    MONO_MASS,
    annotate_peaks,
    enumerate_subformulas,
    format_formula,
    ion_mz,
    parse_formula,
    precursor_ion,
)
from spectral_harness_ms.data import parse_collision_energy


def test_monoisotopic_masses_match_rdkit():
    from rdkit.Chem import GetPeriodicTable

    table = GetPeriodicTable()
    for element, mass in zip(ELEMENTS, MONO_MASS, strict=True):
        assert mass == pytest.approx(table.GetMostCommonIsotopeMass(element), abs=2e-6)


@pytest.mark.parametrize(
    ("neutral", "adduct", "mz"),
    [
        ("C8H10N4O2", "[M+H]+", 195.087652),  # caffeine
        ("C7H6O2", "[M-H]-", 121.029503),  # benzoic acid
        ("C6H12O6", "[M+H]+", 181.070665),  # hexose
        ("C2H3Cl3O2", "[M-H]-", 162.912586),  # chloral hydrate
    ],
)
def test_exact_masses_of_known_ions(neutral, adduct, mz):
    ion, charge = precursor_ion(parse_formula(neutral), adduct)
    assert ion_mz(ion, charge) == pytest.approx(mz, abs=2e-6)


def test_ion_mass_agrees_with_rdkit_exact_mass():
    from rdkit import Chem
    from rdkit.Chem.Descriptors import ExactMolWt

    from spectral_harness_ms.chem import mol_formula

    smiles = "CN1C=NC2=C1C(=O)N(C(=O)N2C)C"
    ion, charge = precursor_ion(mol_formula(smiles), "[M+H]+")
    assert ion_mz(ion, charge) == pytest.approx(
        ExactMolWt(Chem.MolFromSmiles(smiles)) + 1.00727646, abs=1e-6
    )


def test_formula_round_trip():
    for text in ("C8H10N4O2", "C2H3Cl3O2", "CH4", "C48H80O40", "C10H14BrN5O7P"):
        assert format_formula(parse_formula(text)) == text
    with pytest.raises(ValueError):
        parse_formula("C6H6Xe")


def _names(peak_mz, precursor, adduct, ppm=10.0):
    ion, charge = precursor_ion(parse_formula(precursor), adduct)
    table = enumerate_subformulas(ion, charge)
    hits = annotate_peaks(np.array([peak_mz]), table, ppm, 0.001)[0]
    return {(format_formula(table.formulas[r]), j) for r, j in hits}


def test_enumerator_finds_hand_checked_annotations():
    # caffeine [M+H]+ fragments (CO loss then CH3NCO loss) and gamma-cyclodextrin's hexose
    # oxonium ion at m/z 163.0601 (MassBank MSBNK-EPA-ENTACT_AGILENT000001)
    assert ("C6H8N3O", 0) in _names(138.06619, "C8H10N4O2", "[M+H]+")
    assert ("C5H8N3", 0) in _names(110.07127, "C8H10N4O2", "[M+H]+")
    assert ("C6H11O5", 0) in _names(163.0601, "C48H80O40", "[M+H]+")
    # the 13C isotope of the caffeine precursor
    assert ("C8H11N4O2", 1) in _names(196.09101, "C8H10N4O2", "[M+H]+")
    # benzoate: decarboxylation product C6H5- of [M-H]-
    assert ("C6H5", 0) in _names(77.03967, "C7H6O2", "[M-H]-")


# C, H, N, O, P, S free (≤ 7^6 subformulas); halogens absent, so enumeration stays small
formulas = st.tuples(
    st.integers(1, 8), st.integers(1, 12), *[st.integers(0, 3) for _ in range(4)]
).map(lambda c: [*c, 0, 0, 0, 0])


@settings(max_examples=25, deadline=None)
@given(formulas, st.floats(20.0, 400.0), st.sampled_from(["[M+H]+", "[M-H]-"]))
def test_enumerator_never_leaves_the_precursor(counts, peak, adduct):
    ion, charge = precursor_ion(np.array(counts), adduct)
    table = enumerate_subformulas(ion, charge)
    assert (table.formulas <= ion).all() and (table.formulas >= 0).all()
    for row, j in annotate_peaks(np.array([peak]), table, 20.0, 0.002)[0]:
        assert (table.formulas[row] <= ion).all()
        error = abs(table.mz[row] + j * 1.003354835 - peak)
        assert error <= max(peak * 20e-6, 0.002) + 1e-9


def test_enumerator_refuses_huge_precursors():
    with pytest.raises(ValueError, match="exceed"):
        enumerate_subformulas(np.array([40, 60, 5, 10, 2, 2, 3, 3, 1, 1]), 1)


@pytest.mark.parametrize(
    ("text", "value", "ramp"),
    [
        ("20", 20.0, False),
        ("20 V", 20.0, False),
        ("45V", 45.0, False),
        ("15 eV", 15.0, False),
        ("30-50", 40.0, True),
        ("35  (nominal)", 35.0, False),
    ],
)
def test_collision_energy_text(text, value, ramp):
    assert parse_collision_energy(text) == (value, ramp)


def test_missing_collision_energy_is_nan():
    value, ramp = parse_collision_energy("")
    assert math.isnan(value) and not ramp
