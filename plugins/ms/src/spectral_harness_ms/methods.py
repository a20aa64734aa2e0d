"""The ``ms_model`` slot: each method builds a predictor (below) for an :class:`MsProblem`.

Contract: ``fit(ctx)`` trains on ``problem.train`` (selecting on ``problem.val``) and returns
extra metrics; ``predict(queries)`` returns one ``(m/z, intensity)`` pair per query;
``clear_cache()`` drops memoised featurisations (so throughput is measured from SMILES).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from harness import count_parameters, fit
from spectral_harness_ms import GraffConfig, NearestNeighborConfig, NeimsConfig
from spectral_harness_ms.contract import MsProblem
from spectral_harness_ms.data import Spectrum
from spectral_harness_ms.graphs import ATOM_DIM, BOND_DIM, MolGraph, featurize
from spectral_harness_ms.networks import GraffNet, NeimsNet
from spectral_harness_ms.vocab import (
    NUM_ISOTOPES,
    EntryTable,
    Vocabulary,
    build_vocabulary,
    decode_spectrum,
    entry_log_probs,
    peak_marginal_loss,
    reference_entry_table,
    reference_log_probs,
    reference_loss,
    reference_targets,
    resolve_entries,
    spectrum_targets,
)

if TYPE_CHECKING:
    from harness import RunContext

Peaks = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Query:
    """What a prediction is asked for: a molecule, its precursor ion and the covariates."""

    smiles: str
    key: str
    adduct: str
    instrument: str
    ce: float
    ce_ramp: bool
    precursor: tuple[int, ...]
    charge: int
    precursor_mz: float

    @classmethod
    def of(cls, s: Spectrum) -> Query:
        return cls(
            s.smiles,
            s.key,
            s.adduct,
            s.instrument,
            s.ce,
            s.ce_ramp,
            tuple(int(x) for x in s.precursor),
            s.charge,
            s.precursor_mz,
        )


def train_neural(
    ctx: RunContext,
    model: torch.nn.Module,
    problem: MsProblem,
    loss_of: Callable[[list[Spectrum]], torch.Tensor],
    *,
    lr: float,
    weight_decay: float,
    clip: float,
) -> dict[str, float]:
    """Minibatch Adam over the training spectra, validation loss every epoch, best restored.

    Generic "epochs of shuffled minibatches + select on validation loss" helper on top of
    :func:`harness.train.fit`; it belongs in the host once a second family needs it.
    """
    train = problem.train
    per_epoch = max(1, math.ceil(len(train) / problem.batch_size))
    steps = per_epoch * problem.epochs
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    rng = np.random.default_rng(int(torch.initial_seed()) % 2**32)
    order: list[int] = []

    def step(i: int) -> torch.Tensor:
        nonlocal order
        if (i - 1) % per_epoch == 0:
            order = rng.permutation(len(train)).tolist()
        k = (i - 1) % per_epoch
        batch = [train[j] for j in order[k * problem.batch_size : (k + 1) * problem.batch_size]]
        if len(batch) == 1 and len(train) > 1:  # batch norm cannot train on a single sample
            batch.append(train[order[0]])
        model.train()
        with ctx.autocast():
            loss = loss_of(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        return loss.detach()

    @torch.no_grad()
    def evaluate() -> dict[str, float]:
        model.eval()
        total, count = 0.0, 0
        for start in range(0, len(problem.val), 256):
            chunk = problem.val[start : start + 256]
            total += float(loss_of(chunk)) * len(chunk)
            count += len(chunk)
        return {"val_loss": total / max(count, 1)}

    result = fit(
        ctx,
        model,
        step,
        evaluate,
        steps=steps,
        eval_every=per_epoch,
        select="val_loss",
        goal="min",
        log_every=min(10, per_epoch),
    )
    model.eval()
    return {
        "val_loss": result.metrics["val_loss"],
        "best_step": float(result.best_step),
        "train_steps_per_s": result.steps_per_second,
        "params": float(count_parameters(model)),
    }


class NeuralPredictor(ABC):
    """What the neural predictors share: ``fit`` trains ``model`` on the cell's device with
    :func:`train_neural`, on the subclass's ``loss`` and ``cfg``'s optimiser settings."""

    cfg: GraffConfig | NeimsConfig
    problem: MsProblem
    model: torch.nn.Module
    device: torch.device

    @abstractmethod
    def loss(self, batch: list[Spectrum]) -> torch.Tensor:
        """The training loss of a batch of spectra."""

    def fit(self, ctx: RunContext) -> dict[str, float]:
        """Train on ``problem.train``, select on ``problem.val``; the metrics of training."""
        self.device = ctx.device
        self.model.to(ctx.device)
        return train_neural(
            ctx,
            self.model,
            self.problem,
            self.loss,
            lr=self.cfg.lr,
            weight_decay=self.cfg.weight_decay,
            clip=self.cfg.clip,
        )


# ------------------------------------------------------------------------------------ GrAFF-MS


class GraffPredictor(NeuralPredictor):
    """GrAFF-MS: vocabulary from the training split, GINE+SignNet encoder, peak-marginal loss
    (``cfg.loss``: our masked softmax, or the reference code's semantics with a pad entry)."""

    def __init__(self, cfg: GraffConfig, problem: MsProblem) -> None:
        self.cfg = cfg
        self.problem = problem
        self.reference = cfg.loss == "reference"
        self.vocab: Vocabulary = build_vocabulary(problem.train, self.cfg.vocab_size)
        self._targets: dict[str, Any] = {} if self.reference else dict(self.vocab.train_targets)
        self.model = GraffNet(
            ATOM_DIM,
            BOND_DIM,
            problem.covariates.dim,
            len(self.vocab) + int(self.reference),
            self.cfg.hidden,
            self.cfg.layers,
            self.cfg.phi_dim,
            self.cfg.decoder,
            self.cfg.dropout,
        )
        self.device = torch.device("cpu")
        self._graphs: dict[str, MolGraph] = {}

    def clear_cache(self) -> None:
        self._graphs.clear()

    def _graph(self, smiles: str) -> MolGraph:
        if smiles not in self._graphs:
            self._graphs[smiles] = featurize(smiles, self.cfg.eig_k)
        return self._graphs[smiles]

    def _batch(self, queries: Sequence[Query]) -> dict[str, torch.Tensor]:
        graphs = [self._graph(q.smiles) for q in queries]
        sizes = [g.x.shape[0] for g in graphs]
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        batch = np.repeat(np.arange(len(graphs)), sizes)
        vecs = np.concatenate([g.eigvecs for g in graphs])
        vals = np.concatenate([np.broadcast_to(g.eigvals, g.eigvecs.shape) for g in graphs])
        mask = np.concatenate([np.broadcast_to(g.eig_mask, g.eigvecs.shape) for g in graphs])
        cov = np.stack(
            [
                self.problem.covariates.encode(q.adduct, q.instrument, q.ce, q.ce_ramp)
                for q in queries
            ]
        )
        arrays = {
            "x": np.concatenate([g.x for g in graphs]),
            "edge_index": np.concatenate(
                [g.edge_index + o for g, o in zip(graphs, offsets, strict=True)], axis=1
            ),
            "edge_attr": np.concatenate([g.edge_attr for g in graphs]),
            "eigvecs": vecs,
            "eigvals": vals,
            "eig_mask": mask,
            "batch": batch,
            "cov": cov,
        }
        return {
            k: torch.from_numpy(np.ascontiguousarray(v)).to(self.device) for k, v in arrays.items()
        }

    def _prefetch_graphs(self, ctx: RunContext) -> None:
        """Featurise every structure once per machine (disk cache keyed by SMILES and k)."""
        import hashlib
        import pickle

        from harness import ContentCache

        smiles = sorted(
            {s.smiles for s in self.problem.train + self.problem.val} | set(self.problem.library)
        )
        digest = hashlib.sha256("\n".join(smiles).encode()).hexdigest()

        def save(value: Any, path: Any) -> None:
            with open(path, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)

        def load(path: Any) -> Any:
            with open(path, "rb") as handle:
                return pickle.load(handle)  # our own cache entry

        cache = ContentCache(ctx.settings.cache_dir, "ms_graphs")
        graphs = cache.get_or_create(
            {"smiles": digest, "k": self.cfg.eig_k, "version": 1},
            lambda: {smi: featurize(smi, self.cfg.eig_k) for smi in smiles},
            save,
            load,
        )
        self._graphs.update(graphs)

    def _spectrum_targets(self, s: Spectrum) -> Any:
        if s.accession not in self._targets:
            make = reference_targets if self.reference else spectrum_targets
            self._targets[s.accession] = make(self.vocab, s)
        return self._targets[s.accession]

    def _log_probs(
        self, queries: Sequence[Query], targets: Sequence[Any] | None = None
    ) -> tuple[torch.Tensor, list[EntryTable] | None]:
        """Log-probabilities over (entry, isotope) columns: with ``targets`` as in training,
        without them as at inference (with the entry tables to decode them)."""
        a, b = self.model(self._batch(queries))
        tables = None
        if self.reference:
            if targets is None:
                tables = [
                    reference_entry_table(self.vocab, np.array(q.precursor), q.charge)
                    for q in queries
                ]
                double = np.stack([np.r_[False, t.correction < 0] for t in tables])
            else:
                double = np.stack([t.double_counted for t in targets])
            log_probs = reference_log_probs(
                a.float(), b.float(), torch.from_numpy(double).to(self.device)
            )
            return log_probs, tables
        if targets is None:
            tables = [resolve_entries(self.vocab, np.array(q.precursor), q.charge) for q in queries]
            rows: Sequence[Any] = tables
        else:
            rows = targets
        log_probs = entry_log_probs(
            a.float(),
            b.float(),
            torch.from_numpy(np.stack([t.valid for t in rows])).to(self.device),
            torch.from_numpy(np.stack([t.correction for t in rows])).to(self.device, torch.float32),
        )
        return log_probs, tables

    def loss(self, batch: list[Spectrum]) -> torch.Tensor:
        targets = [self._spectrum_targets(s) for s in batch]
        log_probs, _ = self._log_probs([Query.of(s) for s in batch], targets)
        if self.reference:
            return reference_loss(log_probs, targets, self.device)
        return peak_marginal_loss(log_probs, targets, self.device)

    def fit(self, ctx: RunContext) -> dict[str, float]:
        self._prefetch_graphs(ctx)
        metrics = super().fit(ctx)
        return {
            **metrics,
            "vocab_size": float(len(self.vocab)),
            "vocab_coverage": self.vocab.coverage,
            "vocab_fraction_of_formulas": len(self.vocab) / max(self.vocab.unique_formulas, 1),
        }

    @torch.no_grad()
    def predict(self, queries: Sequence[Query]) -> list[Peaks]:
        self.model.eval()
        out: list[Peaks] = []
        for start in range(0, len(queries), 256):
            chunk = queries[start : start + 256]
            log_probs, tables = self._log_probs(chunk)
            lp = log_probs.cpu().numpy()
            if self.reference:  # drop the pad's columns; keep only peaks at positive m/z
                lp = lp[:, NUM_ISOTOPES:]
            for q, row, table in zip(chunk, lp, tables, strict=True):
                out.append(
                    decode_spectrum(
                        row,
                        table,
                        self.cfg.min_probability,
                        self.problem.max_peaks,
                        min_mz=np.nextafter(0.0, 1.0) if self.reference else 0.0,
                        max_mz=q.precursor_mz + 2.5,
                    )
                )
        return out


def build_graff_ms(cfg: GraffConfig, problem: MsProblem) -> GraffPredictor:
    return GraffPredictor(cfg, problem)


# ---------------------------------------------------------------------------------------- NEIMS


def morgan_counts(smiles: str, radius: int, bits: int) -> np.ndarray:
    """Morgan count fingerprint (log1p-scaled) of a SMILES."""
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=bits)
    counts = generator.GetCountFingerprintAsNumPy(Chem.MolFromSmiles(smiles))
    return np.log1p(counts.astype(np.float32))


class NeimsPredictor(NeuralPredictor):
    """NEIMS: binned spectrum from a Morgan count fingerprint, forward + reverse heads."""

    def __init__(self, cfg: NeimsConfig, problem: MsProblem) -> None:
        self.cfg = cfg
        self.problem = problem
        self.bins = round(self.cfg.max_mz / self.cfg.bin_width)
        self.model = NeimsNet(
            self.cfg.fp_bits + problem.covariates.dim,
            self.cfg.width,
            self.cfg.blocks,
            self.bins,
            self.cfg.dropout,
        )
        centers = (np.arange(self.bins) + 0.5) * self.cfg.bin_width
        self.weights = torch.from_numpy((centers / self.cfg.max_mz).astype(np.float32))
        self.centers = centers
        self.device = torch.device("cpu")
        self._fps: dict[str, np.ndarray] = {}

    def clear_cache(self) -> None:
        self._fps.clear()

    def _features(self, queries: Sequence[Query]) -> tuple[torch.Tensor, torch.Tensor]:
        rows = []
        for q in queries:
            if q.smiles not in self._fps:
                self._fps[q.smiles] = morgan_counts(q.smiles, self.cfg.radius, self.cfg.fp_bits)
            rows.append(
                np.concatenate(
                    [
                        self._fps[q.smiles],
                        self.problem.covariates.encode(q.adduct, q.instrument, q.ce, q.ce_ramp),
                    ]
                )
            )
        prec = [min(int(q.precursor_mz / self.cfg.bin_width), self.bins - 1) for q in queries]
        return (
            torch.from_numpy(np.stack(rows)).to(self.device),
            torch.tensor(prec, dtype=torch.long, device=self.device),
        )

    def binned(self, s: Spectrum) -> np.ndarray:
        """Max-normalised binned target intensities."""
        target = np.zeros(self.bins, dtype=np.float32)
        index = np.clip((s.mz / self.cfg.bin_width).astype(int), 0, self.bins - 1)
        np.add.at(target, index, s.intensity.astype(np.float32))
        return target / max(float(target.max()), 1e-12)

    def loss(self, batch: list[Spectrum]) -> torch.Tensor:
        features, prec = self._features([Query.of(s) for s in batch])
        target = torch.from_numpy(np.stack([self.binned(s) for s in batch])).to(self.device)
        prediction = self.model(features, prec)
        return (self.weights.to(self.device) * (prediction - target) ** 2).sum(dim=1).mean()

    @torch.no_grad()
    def predict(self, queries: Sequence[Query]) -> list[Peaks]:
        self.model.eval()
        out: list[Peaks] = []
        for start in range(0, len(queries), 256):
            chunk = queries[start : start + 256]
            prediction = self.model(*self._features(chunk)).cpu().numpy()
            for row in prediction:
                peak = row.max()
                if peak <= 0:
                    out.append((np.zeros(0), np.zeros(0)))
                    continue
                index = np.flatnonzero(row >= self.cfg.min_rel_intensity * peak)
                index = index[np.argsort(-row[index], kind="stable")][: self.problem.max_peaks]
                index = np.sort(index)
                out.append((self.centers[index], row[index] / row[index].sum()))
        return out


def build_neims(cfg: NeimsConfig, problem: MsProblem) -> NeimsPredictor:
    return NeimsPredictor(cfg, problem)


# ----------------------------------------------------------------------------- nearest neighbour


class NearestNeighborPredictor:
    """The spectrum of the most Tanimoto-similar training molecule with the same adduct (its
    spectrum with the same instrument and closest collision energy where there is a choice).
    A query molecule that is itself in the training set is never its own neighbour."""

    def __init__(self, cfg: NearestNeighborConfig, problem: MsProblem) -> None:
        self.cfg = cfg
        self.problem = problem
        self._library: dict[str, tuple[list[str], list[Any], dict[str, list[Spectrum]]]] = {}
        self._fps: dict[str, Any] = {}

    def clear_cache(self) -> None:
        self._fps.clear()

    def _fp(self, smiles: str) -> Any:
        from rdkit import Chem
        from rdkit.Chem import rdFingerprintGenerator

        if smiles not in self._fps:
            generator = rdFingerprintGenerator.GetMorganGenerator(
                radius=self.cfg.radius, fpSize=self.cfg.fp_bits
            )
            self._fps[smiles] = generator.GetFingerprint(Chem.MolFromSmiles(smiles))
        return self._fps[smiles]

    def fit(self, ctx: RunContext) -> dict[str, float]:
        with ctx.timer("train"):
            by_adduct: dict[str, dict[str, list[Spectrum]]] = {}
            smiles_of: dict[str, str] = {}
            for s in self.problem.train:
                by_adduct.setdefault(s.adduct, {}).setdefault(s.key, []).append(s)
                smiles_of[s.key] = s.smiles
            for adduct, groups in by_adduct.items():
                keys = sorted(groups)
                self._library[adduct] = (
                    keys,
                    [self._fp(smiles_of[k]) for k in keys],
                    groups,
                )
            ctx.check_time()
        return {"library_structures": float(len(smiles_of))}

    def predict(self, queries: Sequence[Query]) -> list[Peaks]:
        from rdkit import DataStructs

        out: list[Peaks] = []
        for q in queries:
            if q.adduct not in self._library:
                out.append((np.zeros(0), np.zeros(0)))
                continue
            keys, fps, groups = self._library[q.adduct]
            sims = np.array(DataStructs.BulkTanimotoSimilarity(self._fp(q.smiles), fps))
            for i, k in enumerate(keys):
                if k == q.key:
                    sims[i] = -1.0
            best = keys[int(np.argmax(sims))]

            def distance(s: Spectrum, q: Query = q) -> tuple[int, float]:
                ce_gap = abs(s.ce - q.ce) if math.isfinite(s.ce) and math.isfinite(q.ce) else 1e9
                return (int(s.instrument != q.instrument), ce_gap)

            chosen = min(groups[best], key=distance)
            out.append((chosen.mz.copy(), chosen.intensity.copy()))
        return out


def build_nearest_neighbor(
    cfg: NearestNeighborConfig, problem: MsProblem
) -> NearestNeighborPredictor:
    return NearestNeighborPredictor(cfg, problem)


__all__ = ["MsProblem", "Query", "train_neural"]
