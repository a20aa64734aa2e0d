"""The ``ms_model`` slot contract: every real predictor passes its probe (on tiny spectra here; on
the problem ``ms_predict`` really hands over: tests/test_conformance.py), that problem holds
enough spectra for the probe, broken predictors fail it with one line naming what was expected
and what came back, and a broken method is a failed cell. Also the ranges of the MS task and
method configs (their presets: tests/test_conformance.py)."""

from __future__ import annotations

import random
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch

from harness import MethodConfig
from harness.config import apply_scale
from harness.plugins import Registry, get_registry
from harness.runner import TrainerOptions
from harness.specs import resolve
from harness.testing import (
    assert_contract_error,
    assert_failed_record,
    assert_refused,
    broken_method_record,
    build_on_task,
)
from spectral_harness_ms.chem import ion_mz, parse_formula, precursor_ion
from spectral_harness_ms.contract import PROBE_QUERIES, SLOT_SPEC, check
from spectral_harness_ms.data import Covariates, Spectrum
from spectral_harness_ms.methods import MsProblem, Query

METHODS = ("graff_ms", "neims", "nearest_neighbor")
MOLECULES = {  # SMILES, formula, two product-ion formulas
    "caffeine": ("CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "C8H10N4O2", ["C6H8N3O", "C5H8N3"]),
    "benzoic": ("OC(=O)c1ccccc1", "C7H6O2", ["C7H5O", "C6H5"]),
}


def _spectrum(name: str) -> Spectrum:
    smiles, formula, products = MOLECULES[name]
    ion, charge = precursor_ion(parse_formula(formula), "[M+H]+")
    formulas = np.array([parse_formula(p) for p in products])
    return Spectrum(
        accession=name,
        smiles=smiles,
        key=name.upper(),
        adduct="[M+H]+",
        instrument="ESI-QTOF|A",
        ce=20.0,
        ce_ramp=False,
        ce_text="20",
        precursor=ion,
        charge=charge,
        precursor_mz=float(ion_mz(ion, charge)),
        mz=np.array([float(ion_mz(f, charge)) for f in formulas]),
        intensity=np.array([0.6, 0.4]),
        ann_peak=np.arange(2),
        ann_formula=formulas.astype(np.int64),
        ann_iso=np.zeros(2, dtype=np.int64),
    )


def _problem(max_peaks: int = 50) -> MsProblem:
    train = [_spectrum("caffeine"), _spectrum("benzoic")]
    return MsProblem(train, train, Covariates.fit(train), 1, 4, max_peaks)


def _build(registry: Registry, method: str, problem: MsProblem, scale: str = "smoke") -> Any:
    spec = registry.method(method, SLOT_SPEC.name)
    return resolve(spec.build)(apply_scale(spec, spec.config(name=method), scale), problem)


def test_the_slot_is_registered_with_this_contract(registry):
    assert registry.slots["ms_model"] is SLOT_SPEC
    assert resolve(SLOT_SPEC.check) is check
    assert registry.task("ms_predict").slot == "ms_model"
    assert set(registry.methods_for_slot(SLOT_SPEC.name)) == set(METHODS)


@pytest.mark.parametrize("scale", ["smoke", "cpu"])
@pytest.mark.parametrize("method", METHODS)
def test_every_method_passes_the_check(registry, method, scale):
    check(_build(registry, method, _problem(), scale), _problem())


def test_the_probe_sees_real_peaks(registry):
    """The untrained neural predictors return non-empty spectra, so the check inspects peaks."""
    problem = _problem()
    for method in ("graff_ms", "neims"):
        predictor = _build(registry, method, problem)
        spectra = predictor.predict([Query.of(s) for s in problem.train])
        assert all(len(mz) > 0 for mz, _ in spectra), method
        check(predictor, problem)


def test_the_check_leaves_rngs_caches_and_weights_untouched(registry):
    problem = _problem()
    predictor = _build(registry, "graff_ms", problem)
    before = {k: v.clone() for k, v in predictor.model.state_dict().items()}
    states = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    check(predictor, problem)
    assert torch.equal(torch.get_rng_state(), states[0])
    assert np.array_equal(np.random.get_state()[1], states[1]) and random.getstate() == states[2]
    assert all(torch.equal(before[k], v) for k, v in predictor.model.state_dict().items())
    assert predictor._graphs == {}  # the probe's featurisations were cleared
    neims = _build(registry, "neims", problem)
    check(neims, problem)
    assert neims._fps == {}


class _Predictor:
    """A predictor whose ``predict`` returns ``spectra(queries)``."""

    def __init__(self, spectra) -> None:
        self.spectra = spectra

    def fit(self, ctx: Any) -> dict[str, float]:
        return {}

    def predict(self, queries):
        return self.spectra(queries)

    def clear_cache(self) -> None:
        pass


def _peaks(mz=(100.0, 150.5), intensity=(0.7, 0.3)) -> tuple[np.ndarray, np.ndarray]:
    return np.array(mz, dtype=np.float64), np.array(intensity, dtype=np.float64)


def _each(pair) -> _Predictor:
    return _Predictor(lambda queries: [pair for _ in queries])


# The slot's probe refuses (component, problem) in one line holding every fragment.
_probe_refuses = partial(assert_contract_error, SLOT_SPEC.name, registry=get_registry())


def test_a_valid_stand_in_passes():
    check(_each(_peaks()), _problem())
    check(_each(_peaks((), ())), _problem())  # an empty spectrum is allowed


def test_wrong_spectrum_counts_and_kinds_are_named():
    n = PROBE_QUERIES
    _probe_refuses(
        _Predictor(lambda q: [_peaks()] * (len(q) - 1)),
        _problem(),
        f"returned {n - 1} spectra for {n}",
    )
    _probe_refuses(
        _Predictor(lambda q: [_peaks()] * (len(q) + 1)),
        _problem(),
        f"returned {n + 1} spectra for {n}",
    )
    _probe_refuses(
        _Predictor(lambda q: np.zeros((len(q), 2))), _problem(), "predict returned a ndarray"
    )
    _probe_refuses(
        _Predictor(lambda q: None), _problem(), "predict returned a NoneType", "expected a sequence"
    )
    _probe_refuses(
        _each(_peaks()[0]),
        _problem(),
        "spectrum 0 is a ndarray",
        "expected an (mz, intensity) pair",
    )
    _probe_refuses(_each((*_peaks(), _peaks()[0])), _problem(), "spectrum 0 is a tuple")


def test_wrong_peak_shapes_are_named():
    mz, intensity = _peaks()
    _probe_refuses(
        _each((mz[:, None], intensity[:, None])),
        _problem(),
        "m/z shape (2, 1) and intensity shape (2, 1)",
        "expected two 1-D arrays of one shape (peaks,)",
    )
    _probe_refuses(
        _each((mz, intensity[:1])), _problem(), "m/z shape (2,) and intensity shape (1,)"
    )
    many = _peaks(np.arange(1.0, 52.0), np.full(51, 1 / 51))
    _probe_refuses(
        _each(many),
        _problem(),
        "spectrum 0 has 51 peaks",
        "expected at most 50 = problem.max_peaks",
    )
    _probe_refuses(_each(_peaks()), _problem(max_peaks=1), "has 2 peaks", "at most 1")


def test_wrong_dtypes_and_values_fail():
    mz, intensity = _peaks()
    _probe_refuses(
        _each((mz.astype(np.int64), intensity)),
        _problem(),
        "m/z dtype int64",
        "expected a floating",
    )
    _probe_refuses(_each((mz, intensity.astype(bool))), _problem(), "intensity dtype bool")
    _probe_refuses(
        _each((list(mz), intensity)), _problem(), "m/z is a list", "expected a numpy array"
    )
    _probe_refuses(_each((torch.from_numpy(mz), intensity)), _problem(), "m/z is a Tensor")
    _probe_refuses(
        _each((mz, np.array([np.nan, 0.3]))), _problem(), "non-finite", "expected all finite"
    )
    _probe_refuses(_each((np.array([100.0, np.inf]), intensity)), _problem(), "non-finite")
    _probe_refuses(
        _each((mz, np.array([0.7, -0.3]))), _problem(), "intensity from -0.3", "intensity >= 0"
    )
    _probe_refuses(
        _each((np.array([0.0, 150.0]), intensity)), _problem(), "m/z from 0", "expected m/z > 0"
    )


def test_wrong_component_types_fail():
    _probe_refuses(object(), _problem(), "build returned object without fit, predict, clear_cache")
    no_cache = _each(_peaks())
    no_cache.clear_cache = None
    _probe_refuses(
        no_cache, _problem(), "without clear_cache", "expected a predictor with fit(ctx)"
    )
    _probe_refuses(torch.nn.Linear(2, 1), _problem(), "build returned Linear without fit, predict")


def _column_peaks(cfg: MethodConfig, problem: MsProblem) -> _Predictor:
    mz, intensity = _peaks()
    return _each((mz[:, None], intensity[:, None]))


@pytest.mark.usefixtures("data_dir")
def test_a_broken_method_is_a_failed_cell_naming_the_shapes(settings):
    trainer = TrainerOptions(num_threads=1)
    record = broken_method_record("ms_predict", _column_peaks, settings=settings, trainer=trainer)
    assert_failed_record(
        record,
        "method 'broken_method'",
        "m/z shape (2, 1)",
        "expected two 1-D arrays of one shape (peaks,)",
    )


@pytest.mark.usefixtures("data_dir")
def test_the_real_problem_holds_enough_spectra_for_the_probe(registry, settings):
    """The probe asks for the first PROBE_QUERIES spectra of the problem's training set."""
    problem = build_on_task("ms_predict", "neims", registry=registry, settings=settings).problem
    assert len(problem.train) >= PROBE_QUERIES


@pytest.mark.parametrize(
    ("override", "value"),
    [
        ("epochs", 0),
        ("epochs", -5),
        ("batch_size", 0),
        ("max_train_spectra", -1),
        ("retrieval_queries", -2),
        ("retrieval_candidates", 1),
        ("split_seed", -1),
        ("ppm", -20.0),
        ("max_precursor_mz", 0.0),
        ("max_peaks", 0),
        ("min_rel_intensity", 1.5),
        ("min_da", float("nan")),
    ],
)
def test_out_of_range_task_values_are_one_line(registry, override, value):
    assert_refused("ms_predict", "neims", task_overrides={override: value}, registry=registry)


@pytest.mark.parametrize(
    ("method", "override", "value"),
    [
        ("graff_ms", "hidden", 0),
        ("graff_ms", "layers", 0),
        ("graff_ms", "vocab_size", -1),
        ("graff_ms", "dropout", 1.0),
        ("graff_ms", "lr", 0.0),
        ("graff_ms", "clip", -1.0),
        ("graff_ms", "min_probability", 1.0),
        ("neims", "width", 0),
        ("neims", "bin_width", 0.0),
        ("neims", "dropout", -0.1),
        ("neims", "weight_decay", -1e-5),
        ("nearest_neighbor", "fp_bits", 0),
        ("nearest_neighbor", "radius", -1),
    ],
)
def test_out_of_range_method_values_are_one_line(registry, method, override, value):
    assert_refused("ms_predict", method, method_overrides={override: value}, registry=registry)
