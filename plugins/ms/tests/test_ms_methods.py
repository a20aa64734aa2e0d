"""Defining properties of the ``ms_model`` methods, on tiny inputs (no training)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spectral_harness_ms import (
    GRAFF_PRESETS,
    NEIMS_PRESETS,
    GraffConfig,
    NearestNeighborConfig,
    NeimsConfig,
)
from spectral_harness_ms.chem import ion_mz, parse_formula, precursor_ion
from spectral_harness_ms.data import Covariates, Spectrum
from spectral_harness_ms.graphs import featurize, laplacian_eigenpairs
from spectral_harness_ms.methods import (
    MsProblem,
    NearestNeighborPredictor,
    NeimsPredictor,
    Query,
    build_graff_ms,
)
from spectral_harness_ms.networks import NeimsNet, SignNet

MOLECULES = {  # SMILES, formula, product formulas observed
    "caffeine": ("CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "C8H10N4O2", ["C6H8N3O", "C5H8N3"]),
    "benzoic": ("OC(=O)c1ccccc1", "C7H6O2", ["C7H5O", "C6H5"]),
    "toluic": ("Cc1ccc(cc1)C(O)=O", "C8H8O2", ["C8H7O", "C7H7"]),
}


def _spectrum(name, ce=20.0, adduct="[M+H]+", instrument="ESI-QTOF|A"):
    smiles, formula, products = MOLECULES[name]
    ion, charge = precursor_ion(parse_formula(formula), adduct)
    formulas = np.array([parse_formula(p) for p in products])
    return Spectrum(
        accession=f"{name}-{ce}",
        smiles=smiles,
        key=name.upper(),
        adduct=adduct,
        instrument=instrument,
        ce=ce,
        ce_ramp=False,
        ce_text=str(ce),
        precursor=ion,
        charge=charge,
        precursor_mz=float(ion_mz(ion, charge)),
        mz=np.array([float(ion_mz(f, charge)) for f in formulas]),
        intensity=np.array([0.6, 0.4]),
        ann_peak=np.arange(2),
        ann_formula=formulas.astype(np.int64),
        ann_iso=np.zeros(2, dtype=np.int64),
    )


def _problem(train):
    return MsProblem(train, train, Covariates.fit(train), 1, 4, 50)


def test_laplacian_eigenvectors_are_orthonormal_and_skip_the_trivial_one():
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 0]])  # 4-cycle
    values, vectors = laplacian_eigenpairs(4, edges, 4)
    assert values[:3] == pytest.approx([1.0, 1.0, 2.0], abs=1e-6)
    assert vectors[:, :3].T @ vectors[:, :3] == pytest.approx(np.eye(3), abs=1e-6)
    assert values[3] == 0 and not vectors[:, 3].any()  # padded: only 3 non-trivial pairs


def test_signnet_is_invariant_to_eigenvector_signs():
    torch.manual_seed(0)
    net = SignNet(8, 16, dropout=0.0).eval()
    graph = featurize(MOLECULES["caffeine"][0], 4)
    vecs = torch.from_numpy(graph.eigvecs)
    vals = torch.from_numpy(np.broadcast_to(graph.eigvals, graph.eigvecs.shape).copy())
    mask = torch.from_numpy(np.broadcast_to(graph.eig_mask, graph.eigvecs.shape).copy())
    flip = torch.tensor([1.0, -1.0, -1.0, 1.0])
    with torch.no_grad():
        assert torch.allclose(net(vecs, vals, mask), net(vecs * flip, vals, mask), atol=1e-6)


def test_graff_predicts_only_subformulas_of_the_precursor():
    train = [_spectrum("caffeine"), _spectrum("benzoic")]
    predictor = build_graff_ms(GraffConfig(**GRAFF_PRESETS["smoke"]), _problem(train))
    query = Query.of(_spectrum("toluic"))
    mz, intensity = predictor.predict([query])[0]
    assert intensity.sum() == pytest.approx(1.0) and (mz <= query.precursor_mz + 2.5).all()
    # the vocabulary's entries that toluic acid cannot produce are masked
    from spectral_harness_ms.vocab import resolve_entries

    table = resolve_entries(predictor.vocab, np.array(query.precursor), query.charge)
    names = predictor.vocab.names()
    assert not table.valid[names.index("+C6H8N3O")]  # nitrogen-containing: not in toluic acid


def test_neims_reverse_head_is_anchored_at_the_precursor():
    torch.manual_seed(0)
    net = NeimsNet(in_dim=8, width=16, blocks=1, bins=50, dropout=0.0).eval()
    with torch.no_grad():
        net.forward_head.weight.zero_()
        net.forward_head.bias.fill_(-1.0)  # forward head predicts nothing
        net.gate.weight.zero_()
        net.gate.bias.fill_(-30.0)  # gate fully on the reverse head
        net.reverse_head.weight.zero_()
        net.reverse_head.bias.zero_()
        net.reverse_head.bias[3] = 1.0  # "3 bins below the precursor"
        x = torch.randn(2, 8)
        out = net(x, torch.tensor([20, 40]))
    assert out[0].argmax() == 17 and out[1].argmax() == 37
    assert not out[0, 21:].any() and not out[1, 41:].any()  # nothing above the precursor


def test_neims_bins_at_a_tenth_of_a_dalton():
    train = [_spectrum("caffeine"), _spectrum("benzoic")]
    predictor = NeimsPredictor(NeimsConfig(**NEIMS_PRESETS["smoke"]), _problem(train))
    target = predictor.binned(train[0])
    assert target.max() == 1.0
    assert target[int(train[0].mz[0] / 0.1)] == 1.0  # the 0.6 peak is the base peak


def test_nearest_neighbor_returns_the_most_similar_training_spectrum():
    from harness.context import RunContext

    train = [
        _spectrum("caffeine", ce=10.0),
        _spectrum("benzoic", ce=10.0),
        _spectrum("benzoic", ce=40.0),
    ]
    train[2].intensity = np.array([0.1, 0.9])
    predictor = NearestNeighborPredictor(NearestNeighborConfig(), _problem(train))
    ctx = RunContext.__new__(RunContext)
    ctx.seconds, ctx.time_limit_s, ctx.device = {"train": 0.0}, None, torch.device("cpu")
    predictor.fit(ctx)
    query = Query.of(_spectrum("toluic", ce=35.0))
    mz, intensity = predictor.predict([query])[0]
    assert np.array_equal(mz, train[2].mz)  # benzoic acid
    assert np.array_equal(intensity, train[2].intensity)  # its spectrum at the closest energy
    # a training molecule is never its own neighbour
    own = predictor.predict([Query.of(train[0])])[0]
    assert not np.array_equal(own[0], train[0].mz)
    # another adduct has no library: empty prediction
    assert len(predictor.predict([Query.of(_spectrum("toluic", adduct="[M-H]-"))])[0][0]) == 0
