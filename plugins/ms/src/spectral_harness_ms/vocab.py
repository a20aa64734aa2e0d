"""GrAFF-MS's formula vocabulary, per-spectrum targets and the peak-marginal cross-entropy.

An *entry* of the vocabulary is a product-ion formula ``f`` or a neutral-loss formula ``ℓ``;
for a precursor ``P`` both name a product ion ``g`` (``g = f`` or ``g = P - ℓ``). The model gives
a logit ``a_v`` per entry and ``b_j`` per isotope ``j``; entry ``(v, j)`` has m/z
``mz(g_v) + j·Δ``. One rule is used in training *and* inference: entries that are invalid for
the precursor (``g ⊄ P``, empty, RDBE < -0.5) are masked, and when ``n`` valid entries name the
same ``g`` each gets ``-log n`` (the paper's "-log 2 when double counted", made index-based in
both phases, which removes the reference code's train/inference mismatch).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from spectral_harness_ms.chem import ELEMENTS, H_INDEX, ISOTOPE_SPACING, ion_mz, rdbe
from spectral_harness_ms.data import Spectrum

PRODUCT, LOSS = 0, 1
NUM_ISOTOPES = 3
UNCOVERED_LOG_PROB = -10.0
_KEY_WEIGHTS = np.random.default_rng(20230123).integers(
    1, 2**62, size=len(ELEMENTS), dtype=np.int64
)


def formula_keys(formulas: np.ndarray) -> np.ndarray:
    """A (collision-improbable) int64 hash per formula row, stable across processes."""
    with np.errstate(over="ignore"):
        return np.asarray(formulas, dtype=np.int64) @ _KEY_WEIGHTS


@dataclass(frozen=True)
class Vocabulary:
    """Top-K product and loss formulas of the *training* spectra by explained intensity."""

    formulas: np.ndarray  # (V, E) int
    kinds: np.ndarray  # (V,) PRODUCT / LOSS
    coverage: float  # mean fraction of a training spectrum's intensity the vocabulary can explain
    unique_formulas: int  # distinct product + loss formulas seen in training annotations
    source_accessions: frozenset[str]  # the spectra it was built from (leakage checks)
    train_targets: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.kinds)

    def names(self) -> list[str]:
        from spectral_harness_ms.chem import format_formula

        return [
            ("+" if k == PRODUCT else "-") + format_formula(f)
            for f, k in zip(self.formulas, self.kinds, strict=True)
        ]


def build_vocabulary(train: Sequence[Spectrum], size: int) -> Vocabulary:
    """Rank products and losses by summed intensity (split equally over a peak's annotations)."""
    rows, weights = [], []
    for spectrum in train:
        if len(spectrum.ann_peak) == 0:
            continue
        counts = np.bincount(spectrum.ann_peak, minlength=len(spectrum.mz))
        share = spectrum.intensity[spectrum.ann_peak] / counts[spectrum.ann_peak]
        products = spectrum.ann_formula
        losses = np.asarray(spectrum.precursor)[None, :] - products
        n = len(products)
        rows.append(
            np.concatenate(
                [np.c_[np.zeros(n, np.int64), products], np.c_[np.ones(n, np.int64), losses]]
            )
        )
        weights.append(np.concatenate([share, share]))
    if not rows:
        raise ValueError("no annotated training peaks to build a vocabulary from")
    entries, inverse = np.unique(np.concatenate(rows), axis=0, return_inverse=True)
    credit = np.bincount(inverse.ravel(), weights=np.concatenate(weights))
    order = np.lexsort((np.arange(len(credit)), -credit))[:size]
    vocab = Vocabulary(
        entries[order, 1:].copy(),
        entries[order, 0].copy(),
        math.nan,
        len(entries),
        frozenset(s.accession for s in train),
    )
    targets = {s.accession: spectrum_targets(vocab, s) for s in train}
    covered = [t.covered_intensity for t in targets.values()]
    return dataclasses.replace(vocab, coverage=float(np.mean(covered)), train_targets=targets)


@dataclass(frozen=True)
class EntryTable:
    """The vocabulary resolved for one precursor: valid entries, their ion formula and m/z."""

    valid: np.ndarray  # (V,) bool
    correction: np.ndarray  # (V,) float: -log(#valid entries naming the same ion), 0 if invalid
    keys: np.ndarray  # (V,) int64 key of the named product ion
    mz: np.ndarray  # (V,) m/z of the monoisotopic entry


def resolve_entries(vocab: Vocabulary, precursor: np.ndarray, charge: int) -> EntryTable:
    """Which entries a precursor can produce, and the double-counting correction."""
    precursor = np.asarray(precursor, dtype=np.int64)
    ions = np.where(vocab.kinds[:, None] == PRODUCT, vocab.formulas, precursor - vocab.formulas)
    heavy = np.delete(ions, H_INDEX, axis=1).sum(axis=1)
    valid = (
        (ions >= 0).all(axis=1)
        & (ions <= precursor).all(axis=1)
        & (heavy > 0)
        & (rdbe(ions) >= -0.5)
    )
    keys = formula_keys(ions)
    correction = np.zeros(len(vocab), dtype=np.float64)
    if valid.any():
        _, inverse, counts = np.unique(keys[valid], return_inverse=True, return_counts=True)
        correction[valid] = -np.log(counts[inverse])
    return EntryTable(valid, correction, keys, np.asarray(ion_mz(ions, charge), dtype=np.float64))


@dataclass(frozen=True)
class SpectrumTargets:
    """What the peak-marginal loss needs for one spectrum."""

    valid: np.ndarray  # (V,) bool
    correction: np.ndarray  # (V,)
    pair_peak: np.ndarray  # (P,) index of the peak
    pair_entry: np.ndarray  # (P,) flat index v * NUM_ISOTOPES + j
    weights: np.ndarray  # (peaks,) normalised intensity
    covered: np.ndarray  # (peaks,) bool: some valid entry explains the peak
    covered_intensity: float


def spectrum_targets(vocab: Vocabulary, spectrum: Spectrum) -> SpectrumTargets:
    """Map each annotated peak to every valid (entry, isotope) that explains it."""
    table = resolve_entries(vocab, spectrum.precursor, spectrum.charge)
    valid_index = np.flatnonzero(table.valid)
    order = np.argsort(table.keys[valid_index], kind="stable")
    sorted_keys, sorted_entries = table.keys[valid_index][order], valid_index[order]
    ann_keys = formula_keys(spectrum.ann_formula)
    lo = np.searchsorted(sorted_keys, ann_keys, side="left")
    hi = np.searchsorted(sorted_keys, ann_keys, side="right")
    count = hi - lo
    which = np.repeat(np.arange(len(ann_keys)), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    entry = sorted_entries[lo[which] + offset]
    peak = spectrum.ann_peak[which]
    flat = entry * NUM_ISOTOPES + spectrum.ann_iso[which]
    pairs = np.unique(np.stack([peak, flat], axis=1), axis=0).reshape(-1, 2)
    weights = np.asarray(spectrum.intensity, dtype=np.float64)
    covered = np.zeros(len(weights), dtype=bool)
    covered[pairs[:, 0]] = True
    return SpectrumTargets(
        table.valid,
        table.correction,
        pairs[:, 0].copy(),
        pairs[:, 1].copy(),
        weights,
        covered,
        float(weights[covered].sum()),
    )


def entry_log_probs(
    formula_logits: torch.Tensor,
    isotope_logits: torch.Tensor,
    valid: torch.Tensor,
    correction: torch.Tensor,
) -> torch.Tensor:
    """``log softmax`` over every valid (entry, isotope): ``(B, V * NUM_ISOTOPES)``.

    ``logit(v, j) = a_v + b_j + correction_v``; invalid entries get ``-inf``.
    """
    logits = formula_logits + correction
    logits = logits.masked_fill(~valid, float("-inf"))
    joint = logits[:, :, None] + isotope_logits[:, None, :]
    return torch.log_softmax(joint.reshape(joint.shape[0], -1), dim=-1)


def peak_marginal_loss(
    log_probs: torch.Tensor, targets: Sequence[SpectrumTargets], device: torch.device
) -> torch.Tensor:
    """``mean_b  -Σ_p y_p · log q(p)``, ``log q(p) = logsumexp`` over the entries explaining
    ``p``; a peak no valid entry explains contributes ``log ε = -10``."""
    width = log_probs.shape[1]
    flat, segment, weights, uncovered = [], [], [], []
    offset = 0
    for b, t in enumerate(targets):
        flat.append(t.pair_entry + b * width)
        segment.append(t.pair_peak + offset)
        weights.append(t.weights)
        uncovered.append(float(t.weights[~t.covered].sum()))
        offset += len(t.weights)
    flat_t = torch.from_numpy(np.concatenate(flat)).to(device)
    seg_t = torch.from_numpy(np.concatenate(segment)).to(device)
    w_t = torch.from_numpy(np.concatenate(weights)).to(device=device, dtype=log_probs.dtype)
    values = log_probs.reshape(-1)[flat_t]
    peak_max = torch.full((offset,), float("-inf"), device=device, dtype=values.dtype)
    peak_max = peak_max.scatter_reduce(0, seg_t, values, reduce="amax", include_self=True)
    safe_max = torch.where(torch.isfinite(peak_max), peak_max, torch.zeros_like(peak_max))
    sums = torch.zeros(offset, device=device, dtype=values.dtype)
    sums = sums.index_add(0, seg_t, torch.exp(values - safe_max[seg_t]))
    has = sums > 0
    log_q = torch.where(has, safe_max + torch.log(sums.clamp_min(1e-300)), torch.zeros_like(sums))
    covered_term = -(w_t * log_q * has).sum()
    uncovered_term = -UNCOVERED_LOG_PROB * sum(uncovered)
    return (covered_term + uncovered_term) / len(targets)


def decode_spectrum(
    log_probs: np.ndarray,
    table: EntryTable,
    min_probability: float,
    max_peaks: int,
    min_mz: float = 0.0,
    max_mz: float = math.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Entries above ``min_probability`` → peaks; equal m/z (to 1e-4) merged, renormalised."""
    probs = np.exp(log_probs.reshape(-1, NUM_ISOTOPES))
    v, j = np.nonzero((probs > min_probability) & table.valid[:, None])
    if len(v) == 0:
        return np.zeros(0), np.zeros(0)
    mz = table.mz[v] + j * ISOTOPE_SPACING
    p = probs[v, j]
    keep = (mz >= min_mz) & (mz <= max_mz)
    mz, p = mz[keep], p[keep]
    rounded = np.round(mz, 4)
    unique, inverse = np.unique(rounded, return_inverse=True)
    merged = np.zeros(len(unique))
    np.add.at(merged, inverse, p)
    order = np.argsort(-merged, kind="stable")[:max_peaks]
    order = np.sort(order)
    total = merged[order].sum()
    if total <= 0:
        return np.zeros(0), np.zeros(0)
    return unique[order], merged[order] / total
