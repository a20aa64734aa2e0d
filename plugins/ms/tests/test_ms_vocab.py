"""GrAFF-MS vocabulary (train-only, no leakage), double counting and the peak-marginal loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from spectral_harness_ms.chem import ion_mz, parse_formula, precursor_ion
from spectral_harness_ms.data import Spectrum
from spectral_harness_ms.vocab import (
    LOSS,
    PRODUCT,
    UNCOVERED_LOG_PROB,
    SpectrumTargets,
    Vocabulary,
    build_vocabulary,
    decode_spectrum,
    entry_log_probs,
    peak_marginal_loss,
    resolve_entries,
    spectrum_targets,
)


def _spectrum(accession, neutral, peaks, split="train"):
    """A spectrum whose peaks are annotated with the given product formulas (isotope 0)."""
    ion, charge = precursor_ion(parse_formula(neutral), "[M+H]+")
    formulas = [parse_formula(f) for f, _ in peaks]
    weights = np.array([w for _, w in peaks], dtype=float)
    return Spectrum(
        accession=accession,
        smiles="C",
        key=accession,
        adduct="[M+H]+",
        instrument="ESI-QTOF|X",
        ce=20.0,
        ce_ramp=False,
        ce_text="20",
        precursor=ion,
        charge=charge,
        precursor_mz=float(ion_mz(ion, charge)),
        mz=np.array([float(ion_mz(f, charge)) for f in formulas]),
        intensity=weights / weights.sum(),
        ann_peak=np.arange(len(formulas)),
        ann_formula=np.array(formulas, dtype=np.int64),
        ann_iso=np.zeros(len(formulas), dtype=np.int64),
        split=split,
    )


def _names(vocab: Vocabulary) -> set[str]:
    return set(vocab.names())


def test_vocabulary_is_built_from_training_spectra_only():
    train = [
        _spectrum("a", "C8H10N4O2", [("C6H8N3O", 0.7), ("C8H11N4O2", 0.3)]),
        _spectrum("b", "C7H6O2", [("C7H5O", 1.0)]),
    ]
    test = _spectrum("t", "C6H12O6", [("C5H9O4", 1.0)], split="test")
    vocab = build_vocabulary(train, size=100)
    names = _names(vocab)
    assert "+C6H8N3O" in names and "-C2H3NO" in names
    assert "+C5H9O4" not in names and "-CH4O2" not in names  # only the test spectrum has them
    assert vocab.source_accessions == {"a", "b"}
    assert test.accession not in vocab.source_accessions
    # ranking by explained intensity: benzoic acid's only peak (1.0) comes first
    assert set(vocab.names()[:2]) == {"+C7H5O", "-H2O"}
    assert set(vocab.names()[-2:]) == {"+C8H11N4O2", "-"}
    assert vocab.coverage == pytest.approx(1.0)


def test_vocabulary_on_real_split_has_no_test_leakage(massbank_split):
    train, test = massbank_split
    vocab = build_vocabulary(train, size=500)
    assert vocab.source_accessions.isdisjoint(s.accession for s in test)
    assert {s.key for s in train}.isdisjoint(s.key for s in test)
    seen = set()
    for s in train:
        for f in s.ann_formula:
            seen.add((PRODUCT, tuple(f)))
            seen.add((LOSS, tuple(np.asarray(s.precursor) - f)))
    for f, k in zip(vocab.formulas, vocab.kinds, strict=True):
        assert (int(k), tuple(f)) in seen
    assert 0 < vocab.coverage <= 1 and len(vocab) / vocab.unique_formulas < 0.5


def test_double_counted_entries_get_minus_log_two():
    # product C6H8N3O and loss C2H3NO name the same ion for caffeine [M+H]+
    formulas = np.array([parse_formula("C6H8N3O"), parse_formula("C2H3NO"), parse_formula("Br")])
    vocab = Vocabulary(formulas, np.array([PRODUCT, LOSS, PRODUCT]), 1.0, 3, frozenset())
    ion, charge = precursor_ion(parse_formula("C8H10N4O2"), "[M+H]+")
    table = resolve_entries(vocab, ion, charge)
    assert table.valid.tolist() == [True, True, False]  # Br is not in caffeine
    assert table.correction[:2] == pytest.approx([-math.log(2), -math.log(2)])
    assert table.mz[0] == pytest.approx(table.mz[1]) == pytest.approx(138.06619, abs=1e-5)


def test_peak_marginal_loss_matches_hand_computation():
    targets = SpectrumTargets(
        valid=np.array([True, True, False]),
        correction=np.zeros(3),
        pair_peak=np.array([0, 0]),
        pair_entry=np.array([0 * 3 + 0, 1 * 3 + 0]),  # peak 0 ← (v0, j0) and (v1, j0)
        weights=np.array([0.7, 0.3]),
        covered=np.array([True, False]),  # peak 1 has no valid entry
        covered_intensity=0.7,
    )
    a = torch.tensor([[1.0, 2.0, 5.0]])
    b = torch.tensor([[0.0, -1.0, -2.0]])
    log_probs = entry_log_probs(a, b, torch.tensor([[True, True, False]]), torch.zeros(1, 3))
    loss = peak_marginal_loss(log_probs, [targets], torch.device("cpu"))
    z = sum(math.exp(x) for x in (1, 0, -1, 2, 1, 0))  # entry 2 masked
    expected = -0.7 * math.log((math.exp(1) + math.exp(2)) / z) - 0.3 * UNCOVERED_LOG_PROB
    assert float(loss) == pytest.approx(expected, rel=1e-6)
    assert torch.exp(log_probs).sum() == pytest.approx(1.0)


def test_targets_and_decoding_use_the_same_entries():
    s = _spectrum("a", "C8H10N4O2", [("C6H8N3O", 0.7), ("C8H11N4O2", 0.3)])
    vocab = build_vocabulary([s], size=10)
    t = spectrum_targets(vocab, s)
    assert t.covered.all() and t.covered_intensity == pytest.approx(1.0)
    # each peak is explained by its product entry and its loss entry
    assert np.bincount(t.pair_peak).tolist() == [2, 2]
    table = resolve_entries(vocab, s.precursor, s.charge)
    uniform = np.log(np.full(len(vocab) * 3, 1.0 / (len(vocab) * 3)))
    mz, intensity = decode_spectrum(uniform, table, 1e-6, 100)
    assert intensity.sum() == pytest.approx(1.0)
    assert len(np.unique(np.round(mz, 4))) == len(mz)  # duplicates merged
    assert np.isclose(mz, s.mz[0], atol=1e-4).any() and np.isclose(mz, s.mz[1], atol=1e-4).any()


@pytest.fixture(scope="module")
def massbank_split(data_dir):
    """A few hundred real spectra, annotated, split by structure."""
    from spectral_harness_ms.data import annotate, apply_annotations, assign_splits, load_massbank

    dataset = load_massbank(data_dir)
    assign_splits(dataset, seed=0)
    train = dataset.split("train")[:300]
    test = dataset.split("test")[:60]
    apply_annotations(train + test, annotate(train + test, 20.0, 0.002))
    return train, test
