"""Long-range synthetic tasks with known answers: selective copying, the adding problem,
induction heads and associative recall (after ``spectral_ssm/synthetic.py`` of the STU paper's
reference code, re-implemented in NumPy from the tasks' definitions).

Each generator draws ``n`` sequences of exactly ``length`` steps from a NumPy generator and
returns a :class:`Synthetic`: the inputs, the targets and the **scored positions** (``mask``);
the loss and the metrics read the targets at the scored positions only. Every scored target is a
function of the inputs up to and including its own position (the answer is in the past), and
the input at a scored position never holds its answer; :func:`answer_from_prefix` computes the
answer from a prefix alone, independently of the generators, and the tests check both.

* ``selective_copy``: ``copy_len`` symbols (of ``n_symbols``) at random positions among blanks
  in the first ``length - copy_len - 1`` steps, a delimiter, then ``copy_len`` blanks during
  which the symbols are to be reproduced in order. Chance: 1 / ``n_symbols`` per symbol.
* ``adding``: two channels, values U[0, 1] and a marker that is 1 at one step of the first half
  and one of the second half; the answer (at the last step) is the sum of the two marked
  values. Chance (the memoryless prediction 1): MSE = Var(U + U') = 1/6.
* ``induction_heads``: random tokens (of ``vocab - 1``) with a special token at one random step
  before ``length - 2`` and at the last step; the answer (last step) is the token that followed
  the first special token. Chance: 1 / (``vocab`` - 1).
* ``associative_recall``: key-value pairs of one random bijection between ``n_keys`` keys and
  ``n_keys`` values, then a key seen before; the answer (last step) is its value. An even
  ``length`` starts with one pad token. Chance: 1 / ``n_keys``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

SYNTHETIC_TASKS = ("selective_copy", "adding", "induction_heads", "associative_recall")
ADDING_CHANCE_MSE = 1.0 / 6.0


@dataclass(frozen=True)
class Synthetic:
    """``n`` generated sequences of one task.

    ``inputs``: token ids (n, L) int64 (one-hot over ``vocab`` channels for the model) or values
    (n, L, channels) float32; ``targets`` (n, L): class ids (int64) or values (float32), read
    only where ``mask`` (n, L) is true; ``classes``: the model's output channels (the
    vocabulary, or 1 for a value); ``chance``: the accuracy of guessing uniformly, or the MSE of
    the best memoryless prediction.
    """

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    vocab: int
    classes: int
    chance: float

    @property
    def regression(self) -> bool:
        """Whether the targets are values (MSE) rather than classes (accuracy)."""
        return self.classes == 1

    @property
    def in_channels(self) -> int:
        """Input channels per step: the vocabulary (one-hot) or the value channels."""
        return self.vocab if self.inputs.ndim == 2 else self.inputs.shape[2]

    def checksum(self) -> str:
        """sha256 of the inputs, targets and mask."""
        digest = hashlib.sha256()
        for array in (self.inputs, self.targets, self.mask):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


def _random_positions(rng: np.random.Generator, n: int, region: int, count: int) -> np.ndarray:
    """``count`` distinct sorted positions in ``[0, region)`` per row: (n, count)."""
    return np.sort(rng.random((n, region)).argsort(axis=1)[:, :count], axis=1)


def selective_copy(
    n: int, length: int, n_symbols: int, copy_len: int, rng: np.random.Generator
) -> Synthetic:
    """Selective copying: symbols ``0..n_symbols-1``, blank ``n_symbols``, delimiter
    ``n_symbols + 1``; scored: the last ``copy_len`` steps."""
    region = length - copy_len - 1
    if copy_len < 1 or region < copy_len:
        raise ValueError(f"length {length} < 2 * copy_len + 1 = {2 * copy_len + 1}")
    blank, delimiter = n_symbols, n_symbols + 1
    symbols = rng.integers(n_symbols, size=(n, copy_len))
    tokens = np.full((n, length), blank, dtype=np.int64)
    rows = np.arange(n)[:, None]
    tokens[rows, _random_positions(rng, n, region, copy_len)] = symbols
    tokens[:, region] = delimiter
    targets = np.zeros((n, length), dtype=np.int64)
    targets[:, region + 1 :] = symbols
    mask = np.zeros((n, length), dtype=bool)
    mask[:, region + 1 :] = True
    return Synthetic(tokens, targets, mask, n_symbols + 2, n_symbols + 2, 1.0 / n_symbols)


def adding(n: int, length: int, rng: np.random.Generator) -> Synthetic:
    """The adding problem: channels (value, marker); scored: the last step."""
    if length < 2:
        raise ValueError(f"length {length} < 2")
    values = rng.random((n, length))
    half = length // 2
    first = rng.integers(half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length))
    markers[np.arange(n), first] = 1.0
    markers[np.arange(n), second] = 1.0
    targets = np.zeros((n, length), dtype=np.float32)
    targets[:, -1] = (values * markers).sum(axis=1)
    mask = np.zeros((n, length), dtype=bool)
    mask[:, -1] = True
    inputs = np.stack([values, markers], axis=2).astype(np.float32)
    return Synthetic(inputs, targets, mask, 0, 1, ADDING_CHANCE_MSE)


def induction_heads(n: int, length: int, vocab: int, rng: np.random.Generator) -> Synthetic:
    """Induction heads: tokens ``0..vocab-2``, special token ``vocab - 1``; scored: the last
    step, whose answer is the token after the earlier special token."""
    if length < 3 or vocab < 3:
        raise ValueError(f"need length >= 3 and vocab >= 3, not {length}, {vocab}")
    special = vocab - 1
    tokens = rng.integers(special, size=(n, length))
    where = rng.integers(length - 2, size=n)
    tokens[np.arange(n), where] = special
    tokens[:, -1] = special
    targets = np.zeros((n, length), dtype=np.int64)
    targets[:, -1] = tokens[np.arange(n), where + 1]
    mask = np.zeros((n, length), dtype=bool)
    mask[:, -1] = True
    return Synthetic(tokens, targets, mask, vocab, vocab, 1.0 / (vocab - 1))


def associative_recall(n: int, length: int, n_keys: int, rng: np.random.Generator) -> Synthetic:
    """Associative recall: keys ``0..n_keys-1``, values ``n_keys..2·n_keys-1``, pad
    ``2·n_keys``; (pad), key, value, ..., key, value, query key; scored: the last step."""
    pairs = (length - 1) // 2
    if pairs < 1 or n_keys < 2:
        raise ValueError(f"need length >= 3 and n_keys >= 2, not {length}, {n_keys}")
    pad = 2 * n_keys
    value_of = rng.permuted(np.tile(np.arange(n_keys), (n, 1)), axis=1) + n_keys  # (n, keys)
    keys = rng.integers(n_keys, size=(n, pairs))
    rows = np.arange(n)
    body = np.empty((n, 2 * pairs), dtype=np.int64)
    body[:, 0::2] = keys
    body[:, 1::2] = value_of[rows[:, None], keys]
    query = keys[rows, rng.integers(pairs, size=n)]
    lead = np.full((n, length - 2 * pairs - 1), pad, dtype=np.int64)
    tokens = np.concatenate([lead, body, query[:, None]], axis=1)
    targets = np.zeros((n, length), dtype=np.int64)
    targets[:, -1] = value_of[rows, query]
    mask = np.zeros((n, length), dtype=bool)
    mask[:, -1] = True
    return Synthetic(tokens, targets, mask, 2 * n_keys + 1, 2 * n_keys + 1, 1.0 / n_keys)


def answer_from_prefix(task: str, prefix: np.ndarray, **sizes: int) -> float:
    """The answer at the last step of ``prefix`` (one sequence's inputs up to and including a
    scored step), read by the task's rule from the prefix alone: the oracle the generators are
    tested against. ``sizes``: ``n_symbols`` and ``copy_len`` (copy), ``vocab`` (induction),
    ``n_keys`` (recall)."""
    if task == "selective_copy":
        delimiter = sizes["n_symbols"] + 1
        tokens = [int(t) for t in prefix]
        start = tokens.index(delimiter)
        seen = [t for t in tokens[:start] if t < sizes["n_symbols"]]
        return float(seen[len(tokens) - start - 2])
    if task == "adding":
        marked = prefix[:, 1] == 1.0
        return float(prefix[marked, 0].astype(np.float64).sum())
    if task == "induction_heads":
        tokens = [int(t) for t in prefix]
        return float(tokens[tokens.index(sizes["vocab"] - 1) + 1])
    if task == "associative_recall":
        tokens = [int(t) for t in prefix if t != 2 * sizes["n_keys"]]
        query = tokens[-1]
        pairs = dict(zip(tokens[:-1:2], tokens[1:-1:2], strict=True))
        return float(pairs[query])
    raise ValueError(f"unknown synthetic task {task!r}; choose one of {SYNTHETIC_TASKS}")
