"""The ``ms_predict`` protocol: load and annotate MassBank, split by structure, train the slot's
predictor, then score cosine (0.01 / 0.1 Da, Hungarian), recall@k among candidate structures and
prediction throughput on the held-out structures."""

from __future__ import annotations

import hashlib
import pickle
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harness import ContentCache, RunContext
from spectral_harness_ms import MsTaskConfig
from spectral_harness_ms.chem import ADDUCTS, H_INDEX, formula_mass, ion_mz, precursor_ion
from spectral_harness_ms.data import (
    DATASET,
    Covariates,
    MsDataset,
    Spectrum,
    annotate,
    annotated_fraction,
    apply_annotations,
    assign_splits,
    load_massbank,
)
from spectral_harness_ms.methods import MsProblem, Query

LOADER_VERSION = 3
TOLERANCES = (0.01, 0.1)


def _pickle_save(value: Any, path: Path) -> None:
    with open(path, "wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _pickle_load(path: Path) -> Any:
    with open(path, "rb") as handle:
        return pickle.load(handle)  # our own cache entry, written by _pickle_save


def load_dataset(cfg: MsTaskConfig, data_dir: Path, checksum: str, cache_dir: Path) -> MsDataset:
    """The parsed, filtered dataset (cached by data checksum and loader parameters)."""
    params = dict(
        max_precursor_mz=cfg.max_precursor_mz,
        max_peaks=cfg.max_peaks,
        min_rel_intensity=cfg.min_rel_intensity,
        include_low_res=cfg.include_low_res,
    )
    cache = ContentCache(cache_dir, "ms_massbank")
    key = {"data": checksum, "params": params, "version": LOADER_VERSION}
    return cache.get_or_create(
        key, lambda: load_massbank(data_dir, **params), _pickle_save, _pickle_load
    )


def annotate_cached(
    cfg: MsTaskConfig, spectra: list[Spectrum], checksum: str, cache_dir: Path
) -> None:
    """Annotate ``spectra`` in place (cached by data, parameters and the spectra chosen)."""
    chosen = sorted(s.accession for s in spectra)
    key = {
        "data": checksum,
        "ppm": cfg.ppm,
        "min_da": cfg.min_da,
        "max_peaks": cfg.max_peaks,
        "min_rel_intensity": cfg.min_rel_intensity,
        "include_low_res": cfg.include_low_res,
        "spectra": hashlib.sha256("\n".join(chosen).encode()).hexdigest(),
        "version": LOADER_VERSION,
    }
    cache = ContentCache(cache_dir, "ms_annotations")
    found = cache.get_or_create(
        key, lambda: annotate(spectra, cfg.ppm, cfg.min_da), _pickle_save, _pickle_load
    )
    apply_annotations(spectra, found)


def matchms_spectrum(mz: np.ndarray, intensity: np.ndarray) -> Any:
    from matchms import Spectrum as MatchmsSpectrum

    order = np.argsort(mz, kind="stable")
    return MatchmsSpectrum(
        mz=np.asarray(mz, dtype=np.float64)[order],
        intensities=np.asarray(intensity, dtype=np.float64)[order],
        metadata={},
        metadata_harmonization=False,
    )


def cosine(
    predicted: tuple[np.ndarray, np.ndarray], observed: tuple[np.ndarray, np.ndarray], tol: float
) -> float:
    """matchms ``CosineHungarian`` (intensity power 1, m/z power 0); 0 for an empty spectrum."""
    from matchms.similarity import CosineHungarian

    if len(predicted[0]) == 0 or len(observed[0]) == 0:
        return 0.0
    score = CosineHungarian(tolerance=tol).pair(
        matchms_spectrum(*observed), matchms_spectrum(*predicted)
    )
    return float(score["score"])


def neutral_formula(s: Spectrum) -> np.ndarray:
    neutral = np.array(s.precursor, dtype=np.int64)
    neutral[H_INDEX] -= ADDUCTS[s.adduct][1]
    return neutral


def candidate_structures(
    dataset: MsDataset, true_key: str, count: int
) -> list[tuple[str, str, np.ndarray]]:
    """``count`` library structures for a query: the true one, its isomers, then the nearest in
    neutral monoisotopic mass (the whole dataset is the library, every split)."""
    library = _library(dataset)
    keys = list(library)
    true_formula = library[true_key][1]
    masses = np.array([float(formula_mass(library[k][1])) for k in keys])
    same = np.array([np.array_equal(library[k][1], true_formula) for k in keys])
    gap = np.abs(masses - float(formula_mass(true_formula)))
    order = np.lexsort((gap, ~same))  # isomers first, then by mass gap
    chosen = [true_key, *[keys[i] for i in order if keys[i] != true_key][: count - 1]]
    return [(k, library[k][0], library[k][1]) for k in chosen]


_LIBRARIES: dict[int, dict[str, tuple[str, np.ndarray]]] = {}


def _library(dataset: MsDataset) -> dict[str, tuple[str, np.ndarray]]:
    if id(dataset) not in _LIBRARIES:
        _LIBRARIES.clear()
        lib: dict[str, tuple[str, np.ndarray]] = {}
        for s in dataset.spectra:
            lib.setdefault(s.key, (s.smiles, neutral_formula(s)))
        _LIBRARIES[id(dataset)] = lib
    return _LIBRARIES[id(dataset)]


def retrieval_recall(
    predictor: Any,
    dataset: MsDataset,
    queries: Sequence[Spectrum],
    count: int,
    ks: tuple[int, ...] = (1, 5, 10),
    ctx: RunContext | None = None,
) -> dict[str, float]:
    """Rank candidate structures by the cosine (0.1 Da) of their predicted spectrum (under the
    query's adduct, instrument and energy) to the observed one; ties count against the truth."""
    hits = {k: 0 for k in ks}
    candidates_seen = []
    for s in queries:
        if ctx is not None:
            ctx.check_time()
        cands = candidate_structures(dataset, s.key, count)
        asks = []
        for key, smiles, neutral in cands:
            ion, charge = precursor_ion(neutral, s.adduct)
            asks.append(
                Query(
                    smiles,
                    key,
                    s.adduct,
                    s.instrument,
                    s.ce,
                    s.ce_ramp,
                    tuple(int(x) for x in ion),
                    charge,
                    float(ion_mz(ion, charge)),
                )
            )
        predicted = predictor.predict(asks)
        scores = np.array([cosine(p, (s.mz, s.intensity), 0.1) for p in predicted])
        rank = 1 + int((scores[1:] >= scores[0]).sum())
        candidates_seen.append(len(cands))
        for k in ks:
            hits[k] += int(rank <= k)
    n = max(len(queries), 1)
    out = {f"recall_at_{k}": hits[k] / n for k in ks}
    out["retrieval_candidates_mean"] = float(np.mean(candidates_seen)) if candidates_seen else 0.0
    out["retrieval_queries"] = float(len(queries))
    return out


def _subset(items: list[Spectrum], limit: int | None, seed: int) -> list[Spectrum]:
    if not limit or limit >= len(items):
        return items
    index = np.sort(np.random.default_rng(seed).choice(len(items), size=limit, replace=False))
    return [items[i] for i in index]


def run(cfg: MsTaskConfig, ctx: RunContext, build: Callable[[Any], Any]) -> dict[str, float]:
    """Train the slot's predictor on the structure-disjoint train split and score the test."""
    data_dir = ctx.data.require(DATASET)
    checksum = ctx.data.checksum(DATASET)
    ctx.record_data(DATASET, checksum)
    dataset = load_dataset(cfg, data_dir, checksum, ctx.settings.cache_dir)
    assign_splits(dataset, cfg.split_seed)
    train = _subset(dataset.split("train"), cfg.max_train_spectra, cfg.split_seed)
    val = _subset(dataset.split("val"), cfg.max_test_spectra, cfg.split_seed)
    test = _subset(dataset.split("test"), cfg.max_test_spectra, cfg.split_seed)
    annotate_cached(cfg, train + val + test, checksum, ctx.settings.cache_dir)
    problem = MsProblem(
        train=train,
        val=val,
        covariates=Covariates.fit(train),
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        max_peaks=cfg.max_peaks,
        library=tuple(sorted({s.smiles for s in dataset.spectra})),
    )
    predictor = build(problem)
    extra = predictor.fit(ctx)

    with ctx.timer("eval"):
        predictor.clear_cache()
        queries = [Query.of(s) for s in test]
        start = time.perf_counter()
        predicted = predictor.predict(queries)
        ctx.synchronize()
        elapsed = time.perf_counter() - start
        metrics: dict[str, float] = {"spectra_per_s": len(test) / max(elapsed, 1e-9)}
        for tol in TOLERANCES:
            scores = [
                cosine(p, (s.mz, s.intensity), tol) for p, s in zip(predicted, test, strict=True)
            ]
            metrics[f"cosine_{tol:g}"] = float(np.mean(scores))
        ctx.log_metrics(0, {k: v for k, v in metrics.items()})
        retrieval_set = _subset(test, cfg.retrieval_queries, cfg.split_seed + 1)
        metrics.update(
            retrieval_recall(predictor, dataset, retrieval_set, cfg.retrieval_candidates, ctx=ctx)
        )
    metrics.update(
        {
            "annotated_intensity": annotated_fraction(test),
            "annotated_intensity_train": annotated_fraction(train),
            "train_spectra": float(len(train)),
            "test_spectra": float(len(test)),
            "test_structures": float(len({s.key for s in test})),
            "predicted_peaks_mean": float(np.mean([len(p[0]) for p in predicted])),
        }
    )
    metrics.update(extra)
    return metrics
