"""``method.loss=reference``: the reference code's softmax, pad entry, double counting and loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from spectral_harness_ms import GRAFF_PRESETS, GraffConfig
from spectral_harness_ms.chem import ion_mz, parse_formula, precursor_ion
from spectral_harness_ms.data import Covariates, Spectrum
from spectral_harness_ms.methods import MsProblem, Query, build_graff_ms
from spectral_harness_ms.vocab import (
    LOSS,
    PAD_LOG_PENALTY,
    PRODUCT,
    UNCOVERED_LOG_PROB,
    Vocabulary,
    reference_entry_table,
    reference_log_probs,
    reference_loss,
    reference_targets,
)

CAFFEINE = "C8H10N4O2"


def _caffeine(products: list[str], intensity: list[float]) -> Spectrum:
    ion, charge = precursor_ion(parse_formula(CAFFEINE), "[M+H]+")
    formulas = np.array([parse_formula(p) for p in products], dtype=np.int64)
    return Spectrum(
        accession="caffeine",
        smiles="CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
        key="RYYVLZVUVIJVGH",
        adduct="[M+H]+",
        instrument="ESI-QTOF|X",
        ce=20.0,
        ce_ramp=False,
        ce_text="20",
        precursor=ion,
        charge=charge,
        precursor_mz=float(ion_mz(ion, charge)),
        mz=np.array([float(ion_mz(f, charge)) for f in formulas]),
        intensity=np.asarray(intensity, dtype=float),
        ann_peak=np.arange(len(products)),
        ann_formula=formulas,
        ann_iso=np.zeros(len(products), dtype=np.int64),
    )


# entry 0: product C6H8N3O; entry 1: loss C2H3NO (names the same ion of caffeine [M+H]+);
# entry 2: product C5H8N3 (no loss entry for it); entry 3: product Br (not in caffeine)
VOCAB = Vocabulary(
    np.array([parse_formula(f) for f in ("C6H8N3O", "C2H3NO", "C5H8N3", "Br")]),
    np.array([PRODUCT, LOSS, PRODUCT, PRODUCT]),
    1.0,
    4,
    frozenset(),
)


def test_targets_index_both_sides_and_flag_double_counting_from_the_annotations():
    s = _caffeine(["C6H8N3O", "C5H8N3", "C3H3"], [0.5, 0.3, 0.2])
    t = reference_targets(VOCAB, s)
    # C3H3 is in neither vocabulary: its row is dropped, its peak is uncovered
    assert t.peak.tolist() == [0, 1]
    assert t.product.tolist() == [1 * 3, 3 * 3]  # columns v + 1, isotope 0
    assert t.loss.tolist() == [2 * 3, 0]  # C5H8N3's loss side points at the pad
    assert t.double_counted.tolist() == [False, True, True, False, False]


def test_no_annotation_naming_both_sides_means_no_double_counting():
    t = reference_targets(VOCAB, _caffeine(["C5H8N3"], [1.0]))
    assert not t.double_counted.any()  # entries 0 and 1 collide, but no annotation names them


def test_reference_loss_matches_hand_computation_with_pad_and_nothing_masked():
    s = _caffeine(["C6H8N3O", "C5H8N3", "C3H3"], [0.5, 0.3, 0.2])
    t = reference_targets(VOCAB, s)
    a = torch.tensor([[0.5, 1.0, 2.0, 0.0, 3.0]])  # pad, then the 4 entries (Br not masked)
    b = torch.tensor([[0.0, -1.0, -2.0]])
    log_probs = reference_log_probs(a, b, torch.from_numpy(t.double_counted[None]))
    assert torch.exp(log_probs).sum() == pytest.approx(1.0)
    logits = a[0].numpy() - math.log(2) * t.double_counted
    joint = logits[:, None] + b[0].numpy()[None, :]
    log_z = np.log(np.exp(joint).sum())
    lp = joint - log_z  # (5, 3)
    peak0 = np.logaddexp(lp[1, 0], lp[2, 0])  # product entry 0 and loss entry 1
    peak1 = np.logaddexp(lp[3, 0], lp[0, 0] + PAD_LOG_PENALTY)  # product entry 2 and the pad
    expected = -(0.5 * peak0 + 0.3 * peak1 + 0.2 * UNCOVERED_LOG_PROB)
    loss = reference_loss(log_probs, [t], torch.device("cpu"))
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def test_inference_keeps_every_entry_and_hashes_mz_as_floats():
    ion, charge = precursor_ion(parse_formula(CAFFEINE), "[M+H]+")
    table = reference_entry_table(VOCAB, ion, charge)
    assert table.valid.all()  # Br is kept: the reference masks nothing
    precursor_mz = float(ion_mz(ion, charge))
    assert table.mz[1] == precursor_mz - float(np.dot(parse_formula("C2H3NO"), _masses()))
    assert table.mz[0] == pytest.approx(table.mz[1], abs=1e-9)
    # the correction applies only where the two routes give the same float
    same = table.mz[0] == table.mz[1]
    assert table.correction[:2].tolist() == ([-math.log(2)] * 2 if same else [0.0, 0.0])
    assert table.correction[2:].tolist() == [0.0, 0.0]


def _masses() -> np.ndarray:
    from spectral_harness_ms.chem import MONO_MASS

    return MONO_MASS


def test_graff_with_the_reference_loss_has_a_pad_output_and_trains_a_step():
    train = [_caffeine(["C6H8N3O", "C5H8N3"], [0.6, 0.4])]
    problem = MsProblem(train, train, Covariates.fit(train), 1, 4, 50)
    cfg = GraffConfig(**GRAFF_PRESETS["smoke"], loss="reference", min_probability=0.0)
    predictor = build_graff_ms(cfg, problem)
    masked = build_graff_ms(GraffConfig(**GRAFF_PRESETS["smoke"]), problem)
    assert predictor.model.formula_head.out_features == masked.model.formula_head.out_features + 1
    loss = predictor.loss(train)
    loss.backward()
    assert math.isfinite(loss.item()) and loss.item() > 0
    mz, intensity = predictor.predict([Query.of(train[0])])[0]
    assert intensity.sum() == pytest.approx(1.0) and (mz > 0).all()
