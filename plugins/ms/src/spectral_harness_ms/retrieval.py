"""Structure retrieval: rank candidate structures by the cosine of their predicted spectrum.

Two candidate sets per query (a measured spectrum of a test structure):

* ``nearest``: the true structure and ``count - 1`` library structures, its isomers first,
  then the nearest in neutral monoisotopic mass (the library is every structure of the
  MassBank subset, all splits, plus the test structures);
* ``large``: every test structure, plus every structure of the training pool (train and
  validation splits) with the query's molecular formula (isomers the model may have seen).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from spectral_harness_ms.chem import ADDUCTS, H_INDEX, formula_mass, ion_mz, precursor_ion
from spectral_harness_ms.data import Spectrum
from spectral_harness_ms.scoring import Peaks, cosine

if TYPE_CHECKING:
    from harness import RunContext

KS = (1, 5, 10)
Candidate = tuple[str, str, np.ndarray]  # (InChIKey first block, SMILES, neutral formula)


def neutral_formula(s: Spectrum) -> np.ndarray:
    """The neutral molecule's formula of a spectrum's precursor ion."""
    neutral = np.array(s.precursor, dtype=np.int64)
    neutral[H_INDEX] -= ADDUCTS[s.adduct][1]
    return neutral


@dataclass(frozen=True)
class Library:
    """Distinct structures (first spectrum of each InChIKey block wins) with their formulas."""

    keys: tuple[str, ...]
    smiles: tuple[str, ...]
    formulas: np.ndarray  # (N, E)

    @classmethod
    def of(cls, spectra: Iterable[Spectrum]) -> Library:
        """The structures of ``spectra``, in order of first appearance."""
        found: dict[str, tuple[str, np.ndarray]] = {}
        for s in spectra:
            found.setdefault(s.key, (s.smiles, neutral_formula(s)))
        keys = tuple(found)
        formulas = np.array([found[k][1] for k in keys], dtype=np.int64).reshape(len(keys), -1)
        return cls(keys, tuple(found[k][0] for k in keys), formulas)

    def candidate(self, index: int) -> Candidate:
        """Row ``index`` as ``(key, smiles, formula)``."""
        return self.keys[index], self.smiles[index], self.formulas[index]

    @property
    def masses(self) -> np.ndarray:
        """Neutral monoisotopic masses."""
        return np.asarray(formula_mass(self.formulas), dtype=np.float64)


def nearest_candidates(library: Library, query: Spectrum, count: int) -> list[Candidate]:
    """The truth, then ``count - 1`` library structures: isomers first, then nearest in mass."""
    formula = neutral_formula(query)
    same = (library.formulas == formula).all(axis=1)
    gap = np.abs(library.masses - float(formula_mass(formula)))
    order = np.lexsort((gap, ~same))
    others = [library.candidate(int(i)) for i in order if library.keys[i] != query.key]
    return [(query.key, query.smiles, formula), *others[: count - 1]]


def large_candidates(test: Library, pool: Library, query: Spectrum) -> list[Candidate]:
    """The truth, every other test structure, and the pool's isomers of the truth."""
    formula = neutral_formula(query)
    isomers = np.flatnonzero((pool.formulas == formula).all(axis=1))
    chosen = [(query.key, query.smiles, formula)]
    seen = {query.key}
    for candidate in [
        *(test.candidate(i) for i in range(len(test.keys))),
        *(pool.candidate(int(i)) for i in isomers),
    ]:
        if candidate[0] not in seen:
            seen.add(candidate[0])
            chosen.append(candidate)
    return chosen


def _ask(query: Spectrum, candidate: Candidate) -> Any:
    from spectral_harness_ms.methods import Query

    key, smiles, neutral = candidate
    ion, charge = precursor_ion(neutral, query.adduct)
    return Query(
        smiles,
        key,
        query.adduct,
        query.instrument,
        query.ce,
        query.ce_ramp,
        tuple(int(x) for x in ion),
        charge,
        float(ion_mz(ion, charge)),
    )


def _cache_key(q: Any) -> tuple:
    return (q.smiles, q.adduct, q.instrument, repr(q.ce), q.ce_ramp)


def retrieval_recall(
    predictor: Any,
    queries: Sequence[Spectrum],
    candidates_of: Callable[[Spectrum], list[Candidate]],
    prefix: str,
    size_name: str,
    ctx: RunContext | None = None,
) -> dict[str, float]:
    """``{prefix}_at_k`` for k in (1, 5, 10): the true structure (always the first candidate)
    ranked within the top k by 0.1 Da cosine; ties count against the truth. ``size_name``: the
    mean number of candidates. Predictions are made once per (structure, adduct, instrument,
    energy) and reused across queries."""
    predicted: dict[tuple, Peaks] = {}
    hits = dict.fromkeys(KS, 0)
    sizes = []
    for s in queries:
        if ctx is not None:
            ctx.check_time()
        asks = [_ask(s, c) for c in candidates_of(s)]
        todo = list({_cache_key(q): q for q in asks if _cache_key(q) not in predicted}.values())
        for q, p in zip(todo, predictor.predict(todo) if todo else [], strict=True):
            predicted[_cache_key(q)] = p
        observed = (s.mz, s.intensity)
        scores = np.array([cosine(predicted[_cache_key(q)], observed, 0.1) for q in asks])
        rank = 1 + int((scores[1:] >= scores[0]).sum())
        sizes.append(len(asks))
        for k in KS:
            hits[k] += int(rank <= k)
    n = max(len(queries), 1)
    out = {f"{prefix}_at_{k}": hits[k] / n for k in KS}
    out[size_name] = float(np.mean(sizes)) if sizes else 0.0
    return out
