"""Every sequence method is causal (hypothesis property test), has the slot's shapes, and each
has its defining property tested: STU is the paper's equation with fixed filters, the diagonal
SSM's convolution mode is its recurrence and it is stable by construction."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from harness.plugins import get_registry
from harness.specs import resolve
from spectral_harness_seq.contract import SeqProblem
from spectral_harness_seq.conv import causal_direct_conv
from spectral_harness_seq.filters import spectral_filters
from spectral_harness_seq.ssm import DiagonalSSM
from spectral_harness_seq.stu import STU

METHODS = ("stu", "diag_ssm", "gru", "transformer")


def _build(method: str, problem: SeqProblem, **overrides) -> nn.Module:
    spec = get_registry().method(method, "sequence_model")
    return resolve(spec.build)(spec.config(name=method, **overrides), problem).eval()


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=8, deadline=None)
@given(
    d_in=st.integers(1, 4),
    d_out=st.integers(1, 4),
    length=st.integers(3, 40),
    seed=st.integers(0, 1000),
    data=st.data(),
)
def test_every_method_is_causal(method, d_in, d_out, length, seed, data):
    """Changing the inputs after step t leaves the outputs up to t unchanged."""
    torch.manual_seed(seed)
    model = _build(method, SeqProblem(d_in, d_out, length))
    shorter = data.draw(st.integers(2, length), label="sequence length")
    t = data.draw(st.integers(0, shorter - 2), label="t")
    u = torch.randn(2, shorter, d_in)
    changed = u.clone()
    changed[:, t + 1 :] = 10 * torch.randn(2, shorter - t - 1, d_in)
    with torch.no_grad():
        y, y_changed = model(u), model(changed)
    assert y.shape == (2, shorter, d_out) and torch.isfinite(y).all()
    torch.testing.assert_close(y_changed[:, : t + 1], y[:, : t + 1], atol=1e-5, rtol=1e-4)


def test_stu_is_the_papers_equation():
    """ŷ_t = Σ_i M^u_i u_{t-i} + Σ_k M^{φ±}_k σ_k^{1/4} U^±_{t-2,k}, written out in numpy."""
    torch.manual_seed(0)
    length, d_in, d_out, k = 12, 2, 3, 4
    model = STU(d_in, d_out, length, num_filters=k, ar_input=3).double()
    u = torch.randn(1, length, d_in, dtype=torch.float64)
    sigma, phi = spectral_filters(length, k)
    m_plus, m_minus = model.m_phi.detach().numpy()
    m_u = model.m_u.detach().numpy()
    x = u[0].numpy()
    expected = np.zeros((length, d_out))
    for t in range(length):
        for i in range(3):
            if t - i >= 0:
                expected[t] += m_u[i] @ x[t - i]
        for kk in range(k):
            plus = sum((phi[s, kk] * x[t - 2 - s] for s in range(t - 1)), np.zeros(d_in))
            minus = sum(
                ((-1) ** s * phi[s, kk] * x[t - 2 - s] for s in range(t - 1)), np.zeros(d_in)
            )
            expected[t] += sigma[kk] ** 0.25 * (m_plus[kk] @ plus + m_minus[kk] @ minus)
    with torch.no_grad():
        np.testing.assert_allclose(model(u)[0].numpy(), expected, atol=1e-6)
        torch.testing.assert_close(model(u, conv=causal_direct_conv), model(u))


def test_stu_filters_stay_fixed_unless_asked():
    fixed = STU(2, 2, 16)
    assert not any(p is fixed.filters for p in fixed.parameters())
    learned = STU(2, 2, 16, learn_filters=True)
    assert any(p is learned.filters for p in learned.parameters())
    one_branch = STU(2, 2, 16, negative_branch=False)
    assert one_branch.filters.shape[0] == 1 and fixed.filters.shape[0] == 2


def test_stu_output_recurrence():
    """With k_y taps, ŷ_t = M^y_1 ŷ_{t-1} + δ_t: an impulse decays geometrically."""
    model = STU(1, 1, 8, num_filters=1, ar_input=1, ar_output=1)
    with torch.no_grad():
        model.m_phi.zero_()
        model.m_u.fill_(1.0)
        model.m_y.fill_(0.5)
        u = torch.zeros(1, 8, 1)
        u[0, 0, 0] = 1.0
        torch.testing.assert_close(model(u)[0, :, 0], 0.5 ** torch.arange(8.0))


def test_stu_refuses_longer_sequences():
    with pytest.raises(ValueError, match="> the filters' length"):
        STU(1, 1, 8)(torch.zeros(1, 9, 1))


@pytest.mark.parametrize("init", ["lru", "s4d_lin", "s4d_legs", "ptd"])
def test_diagonal_ssm_convolution_equals_its_recurrence(init):
    torch.manual_seed(1)
    model = DiagonalSSM(3, 2, state_dim=16, init=init)
    u = torch.randn(2, 50, 3)
    with torch.no_grad():
        torch.testing.assert_close(model(u), model.scan(u), atol=1e-5, rtol=1e-4)
        assert (model.eigenvalues().abs() < 1).all()


def test_diagonal_ssm_lru_init_lies_on_the_ring():
    torch.manual_seed(2)
    radius = DiagonalSSM(1, 1, state_dim=500, r_min=0.6, r_max=0.9).eigenvalues().abs()
    assert radius.min() >= 0.6 - 1e-6 and radius.max() <= 0.9 + 1e-6
    with pytest.raises(ValueError, match="unknown init"):
        DiagonalSSM(1, 1, init="hippo")


def test_s4d_legs_init_discretises_the_hippo_normal_parts_spectrum():
    """exp(Δ Λ) with Λ = −1/2 + iω the eigenvalues of HiPPO-LegS's normal part: whatever the
    step Δ of each mode, angle / rate = ω / (1/2)."""
    from spectral_harness_seq.hippo import normal_part

    torch.manual_seed(3)
    model = DiagonalSSM(2, 2, state_dim=12, init="s4d_legs")
    ratios = (model.angle / torch.exp(model.log_rate)).detach().double().numpy()
    expected = 2 * np.linalg.eigvals(normal_part(12)).imag
    np.testing.assert_allclose(np.sort(ratios), np.sort(expected), rtol=1e-4, atol=1e-4)
