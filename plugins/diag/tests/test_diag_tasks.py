"""The diagnostics family's pieces against exact answers: outlier counting, the SAM edge, the
Jacobian's regions, the ascent and update rules, the α estimators' aspect bias, the SPD test
matrix and its log-det estimators, and the claims' wiring."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.plugins import get_registry
from spectral_harness_diag.alpha import draw
from spectral_harness_diag.claims import spectral_harness_register_claims
from spectral_harness_diag.hessian import dense_hessian, outlier_count
from spectral_harness_diag.jacobian import regions
from spectral_harness_diag.logdet import spd_matrix
from spectral_harness_diag.methods import (
    Ascent,
    Momentum,
    build_ees,
    build_exact,
    build_farms,
    build_hill,
    build_lanczos,
    build_slq,
)
from spectral_harness_diag.sam import predicted_edge


def test_outliers_are_counted_above_the_largest_gap():
    values = torch.tensor([10.0, 9.0, 8.0, 1.0, 0.9, 0.8, -0.1], dtype=torch.float64)
    assert outlier_count(values) == 3
    assert outlier_count(torch.tensor([1.0])) == 1


@settings(max_examples=50, deadline=None)
@given(st.floats(0.01, 2.0), st.floats(1e-4, 1.0))
def test_the_sam_edge_is_the_fixed_point_of_the_top_direction(lr, rho):
    edge = predicted_edge(lr, rho)
    # the top eigendirection is multiplied by 1 − ηλ(1 + ρλ): it sits at −1 on the edge
    assert lr * edge * (1 + rho * edge) == pytest.approx(2.0, rel=1e-9)
    assert edge < 2 / lr
    assert predicted_edge(lr, 0.0) == 2 / lr


def test_regions_partition_the_singular_values():
    sigma = torch.tensor([5.0, 1.2, 1.005, 1.0, 0.995, 0.5, 0.0])
    out = regions(sigma, 0.01)
    assert out == pytest.approx(
        {"chaotic_fraction": 2 / 7, "bulk_fraction": 3 / 7, "stable_fraction": 2 / 7}
    )


def test_ascent_steps_have_the_declared_radius():
    g = torch.tensor([3.0, 4.0], dtype=torch.float64)
    assert torch.allclose(Ascent(0.1, True)(g), torch.tensor([0.06, 0.08], dtype=torch.float64))
    assert torch.allclose(Ascent(0.1, False)(g), 0.1 * g)


def test_momentum_is_the_heavy_ball_recursion():
    rule = Momentum(0.9)
    theta = torch.zeros(2, dtype=torch.float64)
    state = rule.init(theta)
    g = torch.ones(2, dtype=torch.float64)
    theta, state = rule.update(theta, g, state, 0.1)
    theta, state = rule.update(theta, g, state, 0.1)
    assert torch.allclose(state, torch.full((2,), 1.9, dtype=torch.float64))
    assert torch.allclose(theta, torch.full((2,), -0.1 - 0.19, dtype=torch.float64))


def test_exact_and_lanczos_agree_on_a_network_hessian():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    model = model.double()
    x, y = torch.randn(30, 4, dtype=torch.float64), torch.randint(0, 3, (30,))
    params = list(model.parameters())
    loss = torch.nn.functional.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    flat = torch.cat([g.reshape(-1) for g in grads])

    def matvec(v: torch.Tensor) -> torch.Tensor:
        batched = v.ndim == 2
        hv = torch.autograd.grad(flat, params, v, retain_graph=True, is_grads_batched=batched)
        return torch.cat([h.reshape(*v.shape[:-1], -1) for h in hv], dim=-1)

    dim = flat.numel()
    h = dense_hessian(matvec, dim, chunk=7)
    assert torch.allclose(h, h.T)
    gen = torch.Generator().manual_seed(0)
    exact, used = build_exact(None, None)(matvec, dim, 4, gen)
    cfg = SimpleNamespace(tol=1e-10, max_steps=None)
    lanczos, matvecs = build_lanczos(cfg, None)(matvec, dim, 4, gen)
    assert used == dim and matvecs < dim
    assert torch.allclose(lanczos, exact, atol=1e-8 * float(exact[0]))


def test_student_t_entries_are_heavier_tailed_than_gaussian():
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    gauss = draw("gaussian", 3.0, (400, 400), gen)
    student = draw("student_t", 3.0, (400, 400), gen)
    assert float(student.abs().max()) > 3 * float(gauss.abs().max())


def test_farms_removes_most_of_the_aspect_bias_of_hill():
    gen = torch.Generator().manual_seed(0)
    mats = [torch.randn(256, c, generator=gen, dtype=torch.float64) for c in (32, 64, 128, 256)]
    hill = build_hill(None, None)
    farms = build_farms(SimpleNamespace(window=32, aspect=1.0, overlap=0.5), None)
    spread = {
        name: max(est(w) for w in mats) - min(est(w) for w in mats)
        for name, est in (("hill", hill), ("farms", farms))
    }
    assert spread["farms"] * 3 < spread["hill"]


def test_the_spd_test_matrix_has_its_declared_spectrum():
    a, lam = spd_matrix(64, 0.01, torch.Generator().manual_seed(0))
    assert torch.allclose(torch.linalg.eigvalsh(a), lam.sort().values, atol=1e-12)
    assert float(lam.min()) >= 0.02 and float(lam.max()) <= 1.01


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_ees_and_slq_are_within_a_few_percent_at_n_256(precision):
    a, lam = spd_matrix(256, 0.01, torch.Generator().manual_seed(1))
    exact = float(torch.log(lam).sum())
    gen = torch.Generator().manual_seed(0)
    ees = build_ees(
        SimpleNamespace(degree=50, probes=30, bound_steps=20, precision=precision), None
    )
    slq = build_slq(SimpleNamespace(probes=30, steps=20), None)
    for estimate in (ees, slq):
        value, matvecs = estimate(a, 0.01, gen)
        assert abs(value - exact) / abs(exact) < 0.03
        assert matvecs > 0


def test_every_claim_names_a_registered_task_method_and_metric():
    registry = get_registry()
    for claim in spectral_harness_register_claims():
        task = registry.task(claim.task)
        assert task.declares(claim.metric), claim.id
        registry.method(claim.method, task.slot)
        if claim.baseline:
            registry.method(claim.baseline, task.slot)
    ids = [c.id for c in spectral_harness_register_claims()]
    assert len(ids) == len(set(ids))
