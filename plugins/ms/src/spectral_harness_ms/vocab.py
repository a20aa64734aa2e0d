"""GrAFF-MS's formula vocabulary, per-spectrum targets and the peak-marginal cross-entropy.

An *entry* of the vocabulary is a product-ion formula ``f`` or a neutral-loss formula ``ℓ``;
for a precursor ``P`` both name a product ion ``g`` (``g = f`` or ``g = P - ℓ``). The model gives
a logit ``a_v`` per entry and ``b_j`` per isotope ``j``; entry ``(v, j)`` has m/z
``mz(g_v) + j·Δ``. One rule is used in training *and* inference: entries that are invalid for
the precursor (``g ⊄ P``, empty, RDBE < -0.5) are masked, and when ``n`` valid entries name the
same ``g`` each gets ``-log n`` (the paper's "-log 2 when double counted", made index-based in
both phases, which removes the reference code's train/inference mismatch).

``loss=reference`` keeps the reference code's semantics instead (``reference_*`` below): one
softmax over every entry plus a pad entry (index 0), nothing masked; in training ``-log 2`` on
the entries of this spectrum's annotations that matched both a product and a loss entry, and a
missing side of an annotation points at the pad (its log-probability lowered by 10); at inference
``-log 2`` on entries whose m/z equals another entry's as floats (product ``m/z(f)`` vs
``m/z(P) - mass(ℓ)``), and every entry in the m/z window becomes a peak, valid or not.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from spectral_harness_ms.chem import (
    ELEMENTS,
    H_INDEX,
    ISOTOPE_SPACING,
    formula_mass,
    ion_mz,
    rdbe,
)
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
    flat = [t.pair_entry + b * width for b, t in enumerate(targets)]
    values = log_probs.reshape(-1)[torch.from_numpy(np.concatenate(flat)).to(device)]
    return _peak_loss(values, [t.pair_peak for t in targets], [t.weights for t in targets], device)


def _peak_loss(
    values: torch.Tensor,
    peaks: Sequence[np.ndarray],
    weights: Sequence[np.ndarray],
    device: torch.device,
) -> torch.Tensor:
    """``-Σ_p y_p log q(p)`` averaged over spectra, ``log q(p)`` the logsumexp of the
    ``values`` whose row names peak ``p`` (``peaks[b]``: the peak of each of spectrum b's
    rows); a peak without rows gets ``log ε``."""
    segment, offset = [], 0
    for rows, w in zip(peaks, weights, strict=True):
        segment.append(rows + offset)
        offset += len(w)
    seg_t = torch.from_numpy(np.concatenate(segment)).to(device)
    w_t = torch.from_numpy(np.concatenate(weights)).to(device=device, dtype=values.dtype)
    peak_max = torch.full((offset,), float("-inf"), device=device, dtype=values.dtype)
    peak_max = peak_max.scatter_reduce(0, seg_t, values, reduce="amax", include_self=True)
    safe_max = torch.where(torch.isfinite(peak_max), peak_max, torch.zeros_like(peak_max))
    sums = torch.zeros(offset, device=device, dtype=values.dtype)
    sums = sums.index_add(0, seg_t, torch.exp(values - safe_max[seg_t]))
    has = sums > 0
    log_q = torch.where(
        has, safe_max + torch.log(sums.clamp_min(1e-300)), torch.full_like(sums, UNCOVERED_LOG_PROB)
    )
    return -(w_t * log_q).sum() / len(weights)


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


# ------------------------------------------------------------ the reference code's semantics

PAD_LOG_PENALTY = -10.0


@dataclass(frozen=True)
class ReferenceTargets:
    """The reference code's indexing of one spectrum (entry ``v`` is column ``v + 1``; 0 = pad)."""

    product: np.ndarray  # (R,) flat column of the product side, (v + 1) * NUM_ISOTOPES + j
    loss: np.ndarray  # (R,) flat column of the loss side (pad: j)
    peak: np.ndarray  # (R,) peak of each annotation row
    double_counted: np.ndarray  # (V + 1,) bool
    weights: np.ndarray  # (peaks,) normalised intensity


def _lookup(vocab: Vocabulary, kind: int) -> dict[int, int]:
    index = np.flatnonzero(vocab.kinds == kind)
    return dict(zip(formula_keys(vocab.formulas[index]).tolist(), index.tolist(), strict=True))


def reference_targets(vocab: Vocabulary, spectrum: Spectrum) -> ReferenceTargets:
    """Each annotation ``(peak, product f, isotope j)`` names the product entry ``f`` and the
    loss entry ``P - f`` where the vocabulary has them (pad otherwise; rows with neither are
    dropped); an entry is double counted when a row of this spectrum names both sides."""
    products, losses = _lookup(vocab, PRODUCT), _lookup(vocab, LOSS)
    ann = np.asarray(spectrum.ann_formula, dtype=np.int64).reshape(-1, len(ELEMENTS))
    prod = np.array([products.get(k, -1) for k in formula_keys(ann).tolist()], np.int64) + 1
    lost = np.asarray(spectrum.precursor, dtype=np.int64)[None, :] - ann
    loss = np.array([losses.get(k, -1) for k in formula_keys(lost).tolist()], np.int64) + 1
    keep = (prod > 0) | (loss > 0)
    prod, loss, iso = prod[keep], loss[keep], np.asarray(spectrum.ann_iso)[keep]
    double = np.zeros(len(vocab) + 1, dtype=bool)
    double[prod] |= loss > 0
    double[loss] |= prod > 0
    double[0] = False
    return ReferenceTargets(
        prod * NUM_ISOTOPES + iso,
        loss * NUM_ISOTOPES + iso,
        np.asarray(spectrum.ann_peak)[keep],
        double,
        np.asarray(spectrum.intensity, dtype=np.float64),
    )


def reference_log_probs(
    formula_logits: torch.Tensor, isotope_logits: torch.Tensor, double_counted: torch.Tensor
) -> torch.Tensor:
    """``log softmax`` over every (entry incl. pad, isotope), nothing masked:
    ``logit(v, j) = a_v + b_j - log 2 · double_counted_v``; ``(B, (V + 1) * NUM_ISOTOPES)``."""
    logits = formula_logits - double_counted.to(formula_logits.dtype) * math.log(2.0)
    joint = logits[:, :, None] + isotope_logits[:, None, :]
    return torch.log_softmax(joint.reshape(joint.shape[0], -1), dim=-1)


def reference_loss(
    log_probs: torch.Tensor, targets: Sequence[ReferenceTargets], device: torch.device
) -> torch.Tensor:
    """The reference peak-marginal loss: per row ``logsumexp`` of its product and loss sides
    (pad columns lowered by 10), per peak ``logsumexp`` over rows, ``log ε`` for a peak without
    rows; ``-Σ y_p log q(p)`` averaged over the batch."""
    width = log_probs.shape[1]
    flat = log_probs.reshape(-1)
    sides = []
    for column in ("product", "loss"):
        index = np.concatenate([getattr(t, column) + b * width for b, t in enumerate(targets)])
        pad = np.concatenate([getattr(t, column) < NUM_ISOTOPES for t in targets])
        penalty = torch.from_numpy(pad * PAD_LOG_PENALTY).to(device=device, dtype=flat.dtype)
        sides.append(flat[torch.from_numpy(index).to(device)] + penalty)
    values = torch.logsumexp(torch.stack(sides), dim=0)
    return _peak_loss(values, [t.peak for t in targets], [t.weights for t in targets], device)


def reference_entry_table(vocab: Vocabulary, precursor: np.ndarray, charge: int) -> EntryTable:
    """Inference as in the reference code: every entry is kept (``valid`` all true), its m/z is
    ``m/z(f)`` for a product and ``m/z(P) - mass(ℓ)`` for a loss, and an entry whose m/z equals
    another's *as a float* is double counted (``correction = -log 2``)."""
    products = vocab.kinds == PRODUCT
    mz = np.where(
        products,
        np.asarray(ion_mz(vocab.formulas, charge), dtype=np.float64),
        float(ion_mz(np.asarray(precursor), charge)) - formula_mass(vocab.formulas),
    )
    _, inverse, counts = np.unique(mz, return_inverse=True, return_counts=True)
    correction = np.where(counts[inverse] > 1, -math.log(2.0), 0.0)
    ions = np.where(products[:, None], vocab.formulas, np.asarray(precursor) - vocab.formulas)
    return EntryTable(np.ones(len(vocab), dtype=bool), correction, formula_keys(ions), mz)
