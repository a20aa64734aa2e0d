"""STU's spectral filters: the Hankel matrix is the paper's, the filters are its top
eigenvectors (checked against a dense eigendecomposition), and they span the symmetric LDS
impulse responses α^t up to a small error (the property the method rests on)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spectral_harness_seq.filters import hankel_matrix, spectral_filters


def test_hankel_entries_follow_the_formula():
    z = hankel_matrix(5)
    for i in range(1, 6):
        for j in range(1, 6):
            s = i + j
            assert z[i - 1, j - 1] == pytest.approx(2 / (s**3 - s))
    np.testing.assert_array_equal(z, z.T)
    assert np.linalg.eigvalsh(hankel_matrix(64)).min() > -1e-12  # positive semi-definite


@settings(max_examples=20, deadline=None)
@given(length=st.integers(4, 160), k=st.integers(1, 12))
def test_filters_match_a_dense_eigendecomposition(length, k):
    k = min(k, length)
    values, vectors = spectral_filters(length, k)
    dense_values, dense_vectors = np.linalg.eigh(hankel_matrix(length))
    np.testing.assert_allclose(values, dense_values[::-1][:k], rtol=1e-6, atol=1e-14)
    # the eigenvalues decay geometrically, so each is simple; an eigenvector is determined (up
    # to sign) to ~ machine epsilon / eigenvalue gap: compare those above 1e-8 of the largest
    for column in np.flatnonzero(values > 1e-8 * values[0]):
        overlap = abs(float(vectors[:, column] @ dense_vectors[:, -1 - column]))
        assert overlap == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(k), atol=1e-8)


def test_filters_are_sign_normalised_and_decay():
    values, vectors = spectral_filters(256, 24)
    peaks = vectors[np.abs(vectors).argmax(axis=0), np.arange(24)]
    assert (peaks > 0).all()
    assert (np.diff(values) < 0).all() and values[-1] / values[0] < 1e-10


@settings(max_examples=15, deadline=None)
@given(alpha=st.floats(0.0, 1.0))
def test_the_filters_span_every_symmetric_impulse_response(alpha):
    """μ(α) = (1, α, α², …) lies (up to a small error) in the span of the top 24 filters, so
    the STU represents every symmetric LDS with |eigenvalues| in [0, 1] without learning them."""
    length = 256
    _, phi = spectral_filters(length, 24)
    mu = alpha ** np.arange(length)
    residual = mu - phi @ (phi.T @ mu)
    assert np.linalg.norm(residual) <= 1e-3 * max(np.linalg.norm(mu), 1.0)


def test_fewer_filters_leave_a_larger_residual():
    """The span shrinks with K: a slow mode α = 0.999 is not covered by 2 filters."""
    length = 256
    mu = 0.999 ** np.arange(length)
    errors = []
    for k in (2, 8, 24):
        _, phi = spectral_filters(length, k)
        errors.append(np.linalg.norm(mu - phi @ (phi.T @ mu)))
    assert errors[0] > errors[1] > errors[2]


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="k must be"):
        spectral_filters(8, 9)
    with pytest.raises(ValueError, match="length must be"):
        hankel_matrix(0)
