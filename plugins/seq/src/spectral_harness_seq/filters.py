"""STU's fixed spectral filters: the top eigenvectors of the Hankel matrix Z_L.

Agarwal, Suo, Chen & Hazan (arXiv 2312.06837), after Hazan, Singh & Zhang (2017):
``Z_ij = 2 / ((i + j)^3 - (i + j))`` for ``i, j = 1..L``. Z is positive definite with
exponentially decaying eigenvalues, so a few (K ≈ 24) eigenvectors φ_k span, up to an error
exponentially small in K, every impulse response ``α^t`` with ``α ∈ [0, 1]`` (the symmetric LDS
kernels); the ``(-1)^t φ_k`` filters cover ``α ∈ [-1, 0]``. Filters depend on L and K only.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.linalg import eigh


def hankel_matrix(length: int) -> np.ndarray:
    """The ``(length, length)`` float64 matrix ``Z_ij = 2 / ((i+j)^3 - (i+j))``, 1-based i, j."""
    if length < 1:
        raise ValueError(f"length must be >= 1, not {length}")
    s = np.arange(1, length + 1, dtype=np.float64)
    total = s[:, None] + s[None, :]
    return 2.0 / (total**3 - total)


@lru_cache(maxsize=16)
def spectral_filters(length: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The top-``k`` eigenpairs of :func:`hankel_matrix` ``(length)``: eigenvalues ``σ`` (k,)
    descending and eigenvectors ``φ`` (length, k), each column's sign fixed so that its entry of
    largest magnitude is positive (eigenvectors are defined up to sign). Cached per process;
    read-only arrays."""
    if not 1 <= k <= length:
        raise ValueError(f"k must be in [1, length={length}], not {k}")
    values, vectors = eigh(hankel_matrix(length), subset_by_index=(length - k, length - 1))
    values, vectors = values[::-1].copy(), vectors[:, ::-1].copy()
    peak = vectors[np.abs(vectors).argmax(axis=0), np.arange(k)]
    vectors *= np.sign(peak)[None, :]
    values.setflags(write=False)
    vectors.setflags(write=False)
    return values, vectors
