"""The ``ms_predict`` protocol: load and annotate MassBank, split by structure, train the slot's
predictor, then score cosine (0.01 / 0.1 Da, Hungarian), recall@k among two candidate sets and
prediction throughput on the held-out structures, or on a user's spectra file
(``task.external_test``) with the structures the model trained on removed."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from harness import ContentCache, RunContext, UserError
from spectral_harness_ms import MsTaskConfig
from spectral_harness_ms.data import (
    DATASET,
    Covariates,
    Filters,
    MsDataset,
    Spectrum,
    annotate,
    annotated_fraction,
    apply_annotations,
    assign_splits,
    load_massbank,
)
from spectral_harness_ms.external import load_external, remove_overlap
from spectral_harness_ms.methods import MsProblem, Query
from spectral_harness_ms.retrieval import (
    Library,
    large_candidates,
    nearest_candidates,
    retrieval_recall,
)
from spectral_harness_ms.scoring import cosine

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
    filters = filters_of(cfg)
    cache = ContentCache(cache_dir, "ms_massbank")
    key = {"data": checksum, "params": dataclasses.asdict(filters), "version": LOADER_VERSION}
    return cache.get_or_create(
        key, lambda: load_massbank(data_dir, filters), _pickle_save, _pickle_load
    )


def filters_of(cfg: MsTaskConfig) -> Filters:
    """The spectrum filters a task config asks for."""
    return Filters(cfg.max_precursor_mz, cfg.max_peaks, cfg.min_rel_intensity, cfg.include_low_res)


def annotate_cached(
    cfg: MsTaskConfig, spectra: list[Spectrum], checksum: str, cache_dir: Path
) -> None:
    """Annotate ``spectra`` in place (cached by data, parameters and the spectra chosen;
    ``checksum`` names the data they came from)."""
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


def candidates_per_annotated_peak(spectra: list[Spectrum]) -> float:
    """Annotation ambiguity: (formula, isotope) candidates per peak with at least one."""
    rows = sum(len(s.ann_peak) for s in spectra)
    peaks = sum(int(s.annotated.sum()) for s in spectra)
    return rows / peaks if peaks else float("nan")


def _subset(items: list[Spectrum], limit: int | None, seed: int) -> list[Spectrum]:
    if not limit or limit >= len(items):
        return items
    index = np.sort(np.random.default_rng(seed).choice(len(items), size=limit, replace=False))
    return [items[i] for i in index]


def external_test_set(
    cfg: MsTaskConfig, ctx: RunContext, seen: list[Spectrum]
) -> tuple[list[Spectrum], str, dict[str, float]]:
    """The user's spectra that pass the filters, minus structures in ``seen``; their checksum
    and the bookkeeping metrics (read, kept, overlap removed)."""
    entry = str(cfg.external_test)
    ctx.data.require(entry)
    checksum = ctx.data.checksum(entry)
    path = ctx.data.resolve(entry)
    ctx.record_data(f"external_test:{path.name}", checksum)
    try:
        found = load_external(path, filters_of(cfg))
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    kept, overlap_spectra, overlap_structures = remove_overlap(found.spectra, {s.key for s in seen})
    if not kept:
        raise UserError(
            f"task.external_test={entry!r}: none of its {found.read} spectra is left to test on "
            f"(dropped by the filters: {found.dropped or 'none'}; {overlap_spectra} overlap the "
            "training structures); it needs [M+H]+/[M-H]- spectra with a SMILES or InChI"
        )
    bookkeeping = {
        "external_spectra_read": float(found.read),
        "external_spectra_kept": float(len(found.spectra)),
        "external_overlap_spectra": float(overlap_spectra),
        "external_overlap_structures": float(overlap_structures),
    }
    return kept, checksum, bookkeeping


def run(cfg: MsTaskConfig, ctx: RunContext, build: Callable[[Any], Any]) -> dict[str, float]:
    """Train the slot's predictor on the structure-disjoint train split and score the test
    split, or the user's file when ``task.external_test`` is set."""
    data_dir = ctx.data.require(DATASET)
    checksum = ctx.data.checksum(DATASET)
    ctx.record_data(DATASET, checksum)
    dataset = load_dataset(cfg, data_dir, checksum, ctx.settings.cache_dir)
    assign_splits(dataset, cfg.split_seed)
    train = _subset(dataset.split("train"), cfg.max_train_spectra, cfg.split_seed)
    val = _subset(dataset.split("val"), cfg.max_test_spectra, cfg.split_seed)
    pool = dataset.split("train") + dataset.split("val")
    annotate_cached(cfg, train + val, checksum, ctx.settings.cache_dir)
    metrics: dict[str, float] = {}
    if cfg.external_test:
        test, test_checksum, bookkeeping = external_test_set(cfg, ctx, pool)
        test = _subset(test, cfg.max_test_spectra, cfg.split_seed)
        metrics.update(bookkeeping)
        annotate_cached(cfg, test, test_checksum, ctx.settings.cache_dir)
    else:
        test = _subset(dataset.split("test"), cfg.max_test_spectra, cfg.split_seed)
        annotate_cached(cfg, test, checksum, ctx.settings.cache_dir)
    problem = MsProblem(
        train=train,
        val=val,
        covariates=Covariates.fit(train),
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        max_peaks=cfg.max_peaks,
        library=tuple(sorted({s.smiles for s in dataset.spectra + test})),
    )
    predictor = build(problem)
    metrics.update(predictor.fit(ctx))

    with ctx.timer("eval"):
        metrics.update(score(cfg, ctx, predictor, test, dataset, pool))
    metrics.update(
        {
            "annotated_intensity": annotated_fraction(test),
            "annotated_intensity_train": annotated_fraction(train),
            "annotation_candidates_per_peak": candidates_per_annotated_peak(test),
            "annotation_candidates_per_peak_train": candidates_per_annotated_peak(train),
            "train_spectra": float(len(train)),
            "test_spectra": float(len(test)),
            "test_structures": float(len({s.key for s in test})),
        }
    )
    return metrics


def score(
    cfg: MsTaskConfig,
    ctx: RunContext,
    predictor: Any,
    test: list[Spectrum],
    dataset: MsDataset,
    pool: list[Spectrum],
) -> dict[str, float]:
    """Throughput, cosine at both tolerances (per spectrum kept as an artifact) and recall@k
    among the ``nearest`` and the ``large`` candidate sets (see :mod:`.retrieval`)."""
    predictor.clear_cache()
    queries = [Query.of(s) for s in test]
    start = time.perf_counter()
    predicted = predictor.predict(queries)
    ctx.synchronize()
    elapsed = time.perf_counter() - start
    metrics = {"spectra_per_s": len(test) / max(elapsed, 1e-9)}
    per_spectrum = {}
    for tol in TOLERANCES:
        scores = [cosine(p, (s.mz, s.intensity), tol) for p, s in zip(predicted, test, strict=True)]
        per_spectrum[f"cosine_{tol:g}".replace(".", "_")] = np.array(scores)
        metrics[f"cosine_{tol:g}"] = float(np.mean(scores))
    ctx.save_arrays("test_cosine", **per_spectrum)
    metrics["predicted_peaks_mean"] = float(np.mean([len(p[0]) for p in predicted]))
    ctx.log_metrics(0, dict(metrics))

    queries_used = _subset(test, cfg.retrieval_queries, cfg.split_seed + 1)
    library = Library.of(dataset.spectra + test)
    metrics.update(
        retrieval_recall(
            predictor,
            queries_used,
            lambda s: nearest_candidates(library, s, cfg.retrieval_candidates),
            "recall",
            "retrieval_candidates_mean",
            ctx,
        )
    )
    test_library, pool_library = Library.of(test), Library.of(pool)
    metrics.update(
        retrieval_recall(
            predictor,
            queries_used,
            lambda s: large_candidates(test_library, pool_library, s),
            "recall_large",
            "retrieval_large_candidates_mean",
            ctx,
        )
    )
    metrics["retrieval_queries"] = float(len(queries_used))
    return metrics
