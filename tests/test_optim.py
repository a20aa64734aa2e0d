"""SAM and the trainer's optimizer choice, checked against steps computed by hand."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cell import TrainerOptions
from harness.optim import SAM, make_optimizer


def _quadratic(dim: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(dim, dim, generator=g, dtype=torch.float64)
    return q @ q.T / dim + 0.1 * torch.eye(dim, dtype=torch.float64)


def _sam_step(a: torch.Tensor, w0: torch.Tensor, lr: float, rho: float, normalized: bool):
    w = torch.nn.Parameter(w0.clone())
    opt = SAM([w], torch.optim.SGD, rho=rho, normalized=normalized, lr=lr)

    def closure():
        opt.zero_grad()
        loss = 0.5 * w @ a @ w
        loss.backward()
        return loss

    loss = opt.step(closure)
    return w.detach(), loss


@settings(max_examples=30, deadline=None)
@given(
    dim=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    lr=st.floats(1e-3, 0.5),
    rho=st.floats(1e-3, 1.0),
    normalized=st.booleans(),
)
def test_one_sam_step_on_a_quadratic_is_the_formula(dim, seed, lr, rho, normalized):
    """On L(w) = ½ wᵀAw: w' = w − η A(w + ε), ε = ρ Aw / ‖Aw‖ (SAM) or ρ Aw (unnormalised)."""
    a = _quadratic(dim, seed)
    w0 = torch.randn(dim, generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64)
    w, loss = _sam_step(a, w0, lr, rho, normalized)
    g = a @ w0
    eps = rho * g / torch.linalg.vector_norm(g) if normalized else rho * g
    expected = w0 - lr * a @ (w0 + eps)
    torch.testing.assert_close(w, expected, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(loss.detach(), 0.5 * w0 @ a @ w0)


def test_sam_refuses_a_step_without_closure_and_a_non_positive_rho():
    w = torch.nn.Parameter(torch.zeros(2))
    with pytest.raises(ValueError, match="rho"):
        SAM([w], torch.optim.SGD, rho=0.0, lr=0.1)
    with pytest.raises(ValueError, match="closure"):
        SAM([w], torch.optim.SGD, rho=0.1, lr=0.1).step()


def test_a_scheduler_reaches_the_base_optimizer_of_sam():
    w = torch.nn.Parameter(torch.ones(2))
    opt = SAM([w], torch.optim.SGD, rho=0.1, lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)

    def closure():
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    scheduler.step()
    assert opt.base.param_groups[0]["lr"] == 0.5


class _Ctx:
    def __init__(self, **trainer):
        self.trainer = TrainerOptions(**trainer)
        self.optimizer_made = False


@pytest.mark.parametrize(
    ("options", "kind"),
    [({}, torch.optim.Adam), ({"optimizer": "sgd"}, torch.optim.SGD), ({"optimizer": "sam"}, SAM)],
)
def test_make_optimizer_builds_what_the_trainer_asks_for(options, kind):
    ctx = _Ctx(**options)
    opt = make_optimizer(ctx, [torch.nn.Parameter(torch.zeros(2))], lr=0.01, weight_decay=0.1)
    assert isinstance(opt, kind) and ctx.optimizer_made
    assert opt.param_groups[0]["lr"] == 0.01
    assert opt.param_groups[0]["weight_decay"] == 0.1
