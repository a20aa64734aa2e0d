"""gcl encoders and losses: GRACE's GCN as GCNConv builds it, the InfoNCE against its formula."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from spectral_harness_gcl.networks import GCN, GIN, grace_loss, nt_xent


def _naive_grace(h1: torch.Tensor, h2: torch.Tensor, tau: float) -> torch.Tensor:
    """GRACE's ℓ(u_i, v_i) summed both ways, one node at a time, from its definition."""
    z1, z2 = F.normalize(h1, dim=1), F.normalize(h2, dim=1)
    n = z1.shape[0]

    def ell(a: torch.Tensor, b: torch.Tensor, i: int) -> torch.Tensor:
        positive = torch.exp(a[i] @ b[i] / tau)
        between = sum(torch.exp(a[i] @ b[k] / tau) for k in range(n))
        within = sum(torch.exp(a[i] @ a[k] / tau) for k in range(n) if k != i)
        return -torch.log(positive / (between + within))

    return sum(0.5 * (ell(z1, z2, i) + ell(z2, z1, i)) for i in range(n)) / n


def test_grace_loss_matches_its_definition() -> None:
    torch.manual_seed(0)
    h1, h2 = torch.randn(7, 5, dtype=torch.float64), torch.randn(7, 5, dtype=torch.float64)
    assert float(grace_loss(h1, h2, 0.4)) == pytest.approx(float(_naive_grace(h1, h2, 0.4)))
    nodes = torch.tensor([0, 3, 6])
    expected = _naive_grace(h1[nodes], h2[nodes], 0.4)
    assert float(grace_loss(h1, h2, 0.4, nodes)) == pytest.approx(float(expected))


def test_nt_xent_is_zero_free_and_symmetric() -> None:
    torch.manual_seed(0)
    z1, z2 = torch.randn(6, 4), torch.randn(6, 4)
    assert float(nt_xent(z1, z2, 0.2)) == pytest.approx(float(nt_xent(z2, z1, 0.2)))
    assert float(nt_xent(z1, z1, 0.2)) < float(nt_xent(z1, z2, 0.2))


def test_gcn_adds_its_bias_after_propagation() -> None:
    """With zero features every node's first-layer output is its bias, whatever its degree
    (a bias added before propagation would be scaled by the row sums of D̃^{-1/2}(A+I)D̃^{-1/2})."""
    torch.manual_seed(0)
    gcn = GCN(3, 4, layers=2)
    conv = gcn.convs[0]
    torch.nn.init.normal_(conv.bias)
    edges = torch.tensor([[0, 0, 0, 1, 2, 3], [1, 2, 3, 0, 0, 0]])  # a star: degrees 3 and 1
    out = conv(torch.zeros(4, 3), edges)
    assert torch.allclose(out, conv.bias.expand(4, -1))


def test_gcn_weights_are_glorot_initialised() -> None:
    torch.manual_seed(0)
    gcn = GCN(1000, 200, layers=2)
    weight = gcn.convs[0].lin.weight.detach()
    bound = math.sqrt(6.0 / (1000 + 400))
    assert float(weight.abs().max()) <= bound
    assert float(weight.std()) == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert float(gcn.convs[0].bias.detach().abs().max()) == 0.0


def test_gcn_prelu_learns_one_slope_per_channel() -> None:
    gcn = GCN(5, 3, layers=2, activation="prelu")
    assert [act.weight.numel() for act in gcn.acts] == [6, 3]
    with pytest.raises(ValueError, match="activation"):
        GCN(5, 3, activation="tanh")


def test_gin_pools_every_layer_per_graph() -> None:
    torch.manual_seed(0)
    gin = GIN(2, 8, layers=3).eval()
    x = torch.randn(5, 2)
    edges = torch.tensor([[0, 1, 3], [1, 0, 4]])
    batch = torch.tensor([0, 0, 0, 1, 1])
    out = gin(x, edges, batch, 2)
    assert out.shape == (2, 24)
    alone = gin(x[3:], edges[:, 2:] - 3, torch.zeros(2, dtype=torch.long), 1)
    assert torch.allclose(out[1], alone[0], atol=1e-6)
