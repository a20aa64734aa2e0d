"""The orthonormal DCT: the cosine-sum definition, orthonormality, the inverse, n-d."""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from spectral_harness_t1.dct import dct, dctn, idct, idctn


def dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II matrix from its definition (float64)."""
    k, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    matrix = np.cos(np.pi * k * (2 * j + 1) / (2 * n)) * math.sqrt(2.0 / n)
    matrix[0] /= math.sqrt(2.0)
    return matrix


sizes = st.integers(min_value=1, max_value=40)


@settings(max_examples=40, deadline=None)
@given(n=sizes, batch=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_dct_is_the_cosine_sum_and_idct_inverts_it(n, batch, seed):
    x = torch.randn(batch, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    expected = x.numpy() @ dct_matrix(n).T
    coefficients = dct(x)
    np.testing.assert_allclose(coefficients.numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(idct(coefficients).numpy(), x.numpy(), atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(n=sizes)
def test_the_transform_matrix_is_orthogonal(n):
    """dct of the identity's rows is the DCT matrix transposed; M Mᵀ = I, and idct = Mᵀ."""
    eye = torch.eye(n, dtype=torch.float64)
    matrix = dct(eye).T  # column j = dct(e_j)
    np.testing.assert_allclose((matrix @ matrix.T).numpy(), np.eye(n), atol=1e-5)
    np.testing.assert_allclose(idct(eye).numpy(), matrix.numpy(), atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(h=sizes, w=sizes, seed=st.integers(0, 2**16))
def test_2d_transform_preserves_the_norm_and_inverts(h, w, seed):
    x = torch.randn(2, 3, h, w, generator=torch.Generator().manual_seed(seed))
    z = dctn(x, (-2, -1))
    torch.testing.assert_close(z.norm(), x.norm(), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(idctn(z, (-2, -1)), x, rtol=1e-4, atol=1e-5)
    # separable: the 2-D transform is the 1-D one along each axis
    torch.testing.assert_close(z, dct(dct(x, -1), -2), rtol=1e-5, atol=1e-5)


def test_constant_field_has_only_the_dc_coefficient():
    z = dct(torch.full((7,), 2.0))
    torch.testing.assert_close(z[0], torch.tensor(2.0 * math.sqrt(7)))
    assert z[1:].abs().max() < 1e-5


def test_the_transform_is_differentiable():
    x = torch.randn(5, 9, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: idct(dct(t) ** 2), (x,))
