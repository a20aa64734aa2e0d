"""The probes on a small trained model: Hessian top-k and density against the dense Hessian,
per-layer α and SNR, λ_max; arrays saved through the context."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from spectral_harness_diag import probes


class _Ctx:
    """The part of a RunContext that probes use."""

    seed = 0
    device = torch.device("cpu")

    def __init__(self) -> None:
        self.arrays: dict[str, dict] = {}

    def save_arrays(self, name: str, **arrays) -> None:
        self.arrays[name] = arrays


def _target(with_loss: bool = True) -> SimpleNamespace:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 12), torch.nn.Tanh(),
        torch.nn.Linear(12, 3),
    ).double()  # fmt: skip
    x, y = torch.randn(64, 8, dtype=torch.float64), torch.randint(0, 3, (64,))

    def loss() -> torch.Tensor:
        return torch.nn.functional.cross_entropy(model(x), y)

    return SimpleNamespace(
        model=model.eval(), loss=loss if with_loss else None, ctx=_Ctx(), step=None
    )


def _dense(target: SimpleNamespace) -> torch.Tensor:
    params = list(target.model.parameters())
    grads = torch.autograd.grad(target.loss(), params, create_graph=True)
    flat = torch.cat([g.reshape(-1) for g in grads])
    rows = [
        torch.cat([h.reshape(-1) for h in torch.autograd.grad(g, params, retain_graph=True)])
        for g in flat
    ]
    return torch.linalg.eigvalsh(torch.stack(rows)).flip(0)


def test_hessian_top_matches_the_dense_spectrum():
    target = _target()
    cfg = SimpleNamespace(k=4, tol=1e-10, max_steps=None)
    with torch.no_grad():  # the host may call probes under no_grad: they re-enable it
        out = probes.hessian_top(target, cfg)
    exact = _dense(target)
    assert out["lambda_max"] == pytest.approx(float(exact[0]), rel=1e-8)
    assert out["lambda_k"] == pytest.approx(float(exact[3]), rel=1e-6)
    assert list(target.ctx.arrays["hessian_top"]["eigenvalues"]) == pytest.approx(
        exact[:4].tolist(), rel=1e-6
    )


def test_hessian_density_has_the_dense_trace_and_unit_mass():
    target = _target()
    cfg = SimpleNamespace(probes=100, steps=20, sigma=0.01, grid=400, zero_tol=1e-3)
    out = probes.hessian_density(target, cfg)
    exact = _dense(target)
    assert out["trace"] == pytest.approx(float(exact.sum()), rel=0.3)  # Hutchinson, 100 probes
    assert out["lambda_max"] == pytest.approx(float(exact[0]), rel=1e-6)
    saved = target.ctx.arrays["hessian_density"]
    mass = torch.trapezoid(torch.as_tensor(saved["density"]), torch.as_tensor(saved["grid"]))
    assert float(mass) == pytest.approx(1.0, abs=0.02)


def test_hessian_probes_refuse_a_missing_loss():
    with pytest.raises(ValueError, match="loss closure"):
        probes.lambda_max(_target(with_loss=False), SimpleNamespace(tol=1e-3, max_steps=20))


def test_weight_probes_read_every_matching_layer():
    target = _target(with_loss=False)
    cfg = SimpleNamespace(pattern="weight", min_side=8, window=8, overlap=0.5)
    alpha = probes.weight_alpha(target, cfg)
    snr = probes.layer_snr(target, cfg)
    assert alpha["layers"] == 2 and snr["layers"] == 2  # the 3 × 12 head is below min_side
    assert alpha["alpha_mean"] > 1 and snr["snr_min"] > 0
    assert list(target.ctx.arrays["weight_alpha"]["layer"]) == ["0.weight", "2.weight"]
    with pytest.raises(ValueError, match="no weight matrix"):
        probes.weight_alpha(
            target, SimpleNamespace(pattern="conv", min_side=8, window=16, overlap=0.5)
        )


def test_lambda_max_is_the_top_eigenvalue():
    target = _target()
    out = probes.lambda_max(target, SimpleNamespace(tol=1e-8, max_steps=None))
    assert out["lambda_max"] == pytest.approx(float(_dense(target)[0]), rel=1e-6)


def test_layer_snr_counts_layers_without_a_noise_part():
    target = _target(with_loss=False)
    with torch.no_grad():
        target.model[2].weight.copy_(torch.eye(12, 16, dtype=torch.float64))  # equal σ: IQR 0
    out = probes.layer_snr(target, SimpleNamespace(pattern="weight", min_side=8))
    assert out["infinite"] == 1 and out["layers"] == 2
    assert out["snr_mean"] == out["snr_min"] == out["snr_max"]  # the one finite layer
