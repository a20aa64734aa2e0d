"""A diagonal linear state space layer (LRU / S4D style), the baseline STU is compared with.

    x_t = λ ⊙ x_{t-1} + γ ⊙ (B u_t),   y_t = Re(C x_t) + D u_t,   x_0 = 0

with a complex diagonal transition ``λ_n = exp(-exp(ν_n) + i θ_n)`` (|λ| < 1 for every
parameter value: stable by construction), the LRU normalisation ``γ_n = sqrt(1 - |λ_n|²)``
(recomputed from λ) and complex B (N, d_in), C (d_out, N). Initialisations:

* ``lru`` (Orvieto et al. 2023): |λ| uniform on the ring ``[r_min, r_max]`` (uniform in area),
  phase uniform in ``[0, max_phase]``;
* ``s4d_lin`` (Gu et al. 2022): ``λ_n = exp(Δ(-1/2 + iπn))``, Δ log-uniform in [1e-3, 1e-1];
* ``s4d_legs`` (S4D-LegS / S5): the eigenvalues Λ and eigenvectors V of HiPPO-LegS's normal
  part, ``ptd`` (S4-PTD / S5-PTD): those of the perturbed HiPPO-LegS matrix (:mod:`.hippo`).
  Both discretise ``exp(ΔΛ)`` (Δ log-uniform in [1e-3, 1e-1]) and project random B, C as S5
  does (``B̃ = V⁻¹B`` by zero-order hold, ``C̃ = CV``), balanced mode by mode (B̃_n s_n,
  C̃_n / s_n keep the transfer function and equalise the norms).

Training runs the layer as a convolution with its impulse response
``K_s = Re(C diag(γ λ^s) B)`` by FFT; :meth:`DiagonalSSM.scan` runs the recurrence step by step
(the same outputs; what the benchmark times against STU).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from spectral_harness_seq.conv import Conv, causal_fft_conv
from spectral_harness_seq.hippo import Diagonalisation, diagonalise, hippo_legs, normal_part, ptd

INITS = ("lru", "s4d_lin", "s4d_legs", "ptd")
PTD_TRIALS = 20
DT_RANGE = (1e-3, 1e-1)


class DiagonalSSM(nn.Module):
    """(B, L, d_in) → (B, L, d_out) through ``state_dim`` complex diagonal modes."""

    def __init__(
        self,
        d_in: int,
        d_out: int,
        state_dim: int = 64,
        init: str = "lru",
        r_min: float = 0.5,
        r_max: float = 0.99,
        max_phase: float = math.pi,
        ptd_epsilon: float = 1e-2,
    ) -> None:
        super().__init__()
        self.b = nn.Parameter(torch.randn(2, state_dim, d_in) / math.sqrt(2 * d_in))
        self.c = nn.Parameter(torch.randn(2, d_out, state_dim) / math.sqrt(state_dim))
        self.d = nn.Parameter(torch.randn(d_out, d_in) / math.sqrt(d_in))
        low, high = math.log(DT_RANGE[0]), math.log(DT_RANGE[1])
        if init == "lru":
            u1, u2 = torch.rand(state_dim), torch.rand(state_dim)
            radius = torch.sqrt(u1 * (r_max**2 - r_min**2) + r_min**2)
            rate, angle = -torch.log(radius), max_phase * u2
        elif init == "s4d_lin":
            dt = torch.exp(torch.empty(state_dim).uniform_(low, high))
            rate, angle = 0.5 * dt, math.pi * dt * torch.arange(state_dim)
        elif init in ("s4d_legs", "ptd"):
            rng = np.random.default_rng(int(torch.randint(2**62, ())))
            if init == "s4d_legs":
                diagonal = diagonalise(normal_part(state_dim))
            else:
                diagonal = ptd(hippo_legs(state_dim)[0], ptd_epsilon, PTD_TRIALS, rng)
            rate, angle = self._project(diagonal, np.exp(rng.uniform(low, high, state_dim)))
        else:
            raise ValueError(f"unknown init {init!r}; choose one of {INITS}")
        self.log_rate = nn.Parameter(torch.log(rate))
        self.angle = nn.Parameter(angle)

    @torch.no_grad()
    def _project(self, diagonal: Diagonalisation, dt: np.ndarray) -> tuple[torch.Tensor, ...]:
        """Set B, C from ``diagonal`` (Λ, V) by zero-order hold with steps ``dt``; return the
        (rate, angle) of ``exp(dt Λ)``."""
        vectors = diagonal.eigenvectors
        b = torch.complex(self.b[0], self.b[1]).to(torch.complex128).numpy()
        c = torch.complex(self.c[0], self.c[1]).to(torch.complex128).numpy()
        log_lam = dt * diagonal.eigenvalues
        lam = np.exp(log_lam)
        gamma = np.sqrt(np.clip(1 - np.abs(lam) ** 2, 1e-12, None))
        b_bar = ((lam - 1) / diagonal.eigenvalues)[:, None] * np.linalg.solve(vectors, b)
        b_tilde, c_tilde = b_bar / gamma[:, None], c @ vectors
        scale = np.sqrt(np.linalg.norm(c_tilde, axis=0) / np.linalg.norm(b_tilde, axis=1))
        b_tilde, c_tilde = b_tilde * scale[:, None], c_tilde / scale[None, :]
        for param, value in ((self.b, b_tilde), (self.c, c_tilde)):
            param.copy_(torch.as_tensor(np.stack([value.real, value.imag])))
        rate = np.clip(-log_lam.real, 1e-6, None)  # Re Λ < 0: stable; the clip guards round-off
        return torch.as_tensor(rate, dtype=torch.float32), torch.as_tensor(
            log_lam.imag, dtype=torch.float32
        )

    def eigenvalues(self) -> torch.Tensor:
        """λ (state_dim,), complex, |λ| < 1."""
        return torch.exp(torch.complex(-torch.exp(self.log_rate), self.angle))

    def _gamma_b_c(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        lam = self.eigenvalues()
        gamma = torch.sqrt((1 - lam.abs() ** 2).clamp(min=1e-12))
        b = torch.complex(self.b[0], self.b[1]) * gamma[:, None]
        return lam, b, torch.complex(self.c[0], self.c[1])

    def kernel(self, length: int) -> torch.Tensor:
        """The impulse response ``K_s = Re(C diag(γ λ^s) B)``, s < ``length``: (L, d_out, d_in)."""
        lam, b, c = self._gamma_b_c()
        steps = torch.arange(length, device=lam.device, dtype=torch.float32)
        powers = torch.exp(steps[:, None] * torch.log(lam)[None, :])  # (L, N)
        return torch.einsum("on,sn,ni->soi", c, powers, b).real

    def forward(self, u: torch.Tensor, conv: Conv = causal_fft_conv) -> torch.Tensor:
        """Convolution mode: ``y = K * u + D u`` (by FFT unless ``conv`` says otherwise)."""
        return conv(u, self.kernel(u.shape[1])) + u @ self.d.T

    def scan(self, u: torch.Tensor) -> torch.Tensor:
        """Recurrent mode, one step at a time: the same outputs as :meth:`forward`."""
        lam, b, c = self._gamma_b_c()
        drive = torch.einsum("ni,bli->bln", b, u.to(b.dtype))
        state = torch.zeros(u.shape[0], lam.shape[0], dtype=lam.dtype, device=u.device)
        states = []
        for t in range(u.shape[1]):
            state = lam * state + drive[:, t]
            states.append(state)
        y = torch.einsum("on,bln->blo", c, torch.stack(states, dim=1)).real
        return y + u @ self.d.T
