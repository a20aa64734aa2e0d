"""Seeded PDE data generators, written from the FNO recipes (Li et al. 2021) as described in
the research notes (§F2 and ``neuralop_small_pde/PROVENANCE.md``), not from their code.

* Darcy flow: Gaussian random field (cosine/KL expansion, α=2, τ=3, zero-Neumann covariance)
  thresholded to a two-valued coefficient, 5-point finite differences with arithmetic face
  averages, zero Dirichlet boundary, f ≡ 1, sparse direct solve.
* 2-D Navier–Stokes in vorticity form on the unit torus: pseudo-spectral, 2/3-rule dealiasing,
  the FNO forcing 0.1(sin 2π(x+y) + cos 2π(x+y)), w0 ~ N(0, 7^{3/2}(−Δ+49I)^{−2.5}).
  Time stepping: integrating-factor RK4 (diffusion exact), as the notes recommend instead of
  the reference's Crank–Nicolson/explicit Euler with dt = 1e-4.
* 1-D viscous Burgers on the periodic unit interval: u0 ~ N(0, σ²(−Δ+τ²I)^{−γ}), Fourier
  pseudo-spectral with integrating-factor RK4 and 2/3 dealiasing.

Everything here is numpy/scipy/torch on the CPU in float64; no generator touches the GPU.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
import scipy.sparse
import scipy.sparse.linalg
import torch

# ------------------------------------------------------------------------------------------------
# Darcy flow
# ------------------------------------------------------------------------------------------------


def darcy_grf(rng: np.random.Generator, s: int, alpha: float = 2.0, tau: float = 3.0) -> np.ndarray:
    """One s×s sample of N(0, (−Δ+τ²)^{−α}) with zero-Neumann boundary (cosine expansion).

    Mode (k1, k2) gets s·τ^{α−1}(π²(k1²+k2²)+τ²)^{−α/2}·ξ, the constant mode is zeroed, and an
    orthonormal inverse 2-D DCT maps the coefficients to the node grid.
    """
    k = np.arange(s)
    k1, k2 = np.meshgrid(k, k, indexing="ij")
    coef = tau ** (alpha - 1) * (np.pi**2 * (k1**2 + k2**2) + tau**2) ** (-alpha / 2)
    modes = s * coef * rng.standard_normal((s, s))
    modes[0, 0] = 0.0
    return scipy.fft.idctn(modes, norm="ortho")


def darcy_coefficient(field: np.ndarray, high: float = 12.0, low: float = 3.0) -> np.ndarray:
    """Threshold the random field: ``high`` where ψ ≥ 0, ``low`` elsewhere (paper: 12 / 3)."""
    return np.where(field >= 0.0, high, low)


def darcy_matrix(a: np.ndarray) -> scipy.sparse.csr_matrix:
    """The 5-point operator −∇·(a∇·) on the interior nodes of an s×s node grid on [0, 1]².

    Face coefficients are arithmetic means of the two neighbouring nodes' values; the boundary
    nodes carry u = 0, so their couplings drop out. Returns an (s−2)²×(s−2)² M-matrix.
    """
    s = a.shape[0]
    h2 = (1.0 / (s - 1)) ** 2
    n = s - 2
    index = np.arange(n * n).reshape(n, n)
    # face coefficients between interior node (i, j) and its four neighbours (grid offset +1)
    centre = a[1:-1, 1:-1]
    east = 0.5 * (centre + a[2:, 1:-1])
    west = 0.5 * (centre + a[:-2, 1:-1])
    north = 0.5 * (centre + a[1:-1, 2:])
    south = 0.5 * (centre + a[1:-1, :-2])
    rows = [index.ravel()]
    cols = [index.ravel()]
    vals = [((east + west + north + south) / h2).ravel()]
    for face, di, dj in ((east, 1, 0), (west, -1, 0), (north, 0, 1), (south, 0, -1)):
        i0, i1 = max(0, -di), n - max(0, di)
        j0, j1 = max(0, -dj), n - max(0, dj)
        rows.append(index[i0:i1, j0:j1].ravel())
        cols.append(index[i0 + di : i1 + di, j0 + dj : j1 + dj].ravel())
        vals.append((-face[i0:i1, j0:j1] / h2).ravel())
    return scipy.sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n * n, n * n)
    )


def darcy_solve(a: np.ndarray, forcing: np.ndarray | float = 1.0) -> np.ndarray:
    """Solve −∇·(a∇u) = f on the s×s node grid with u = 0 on the boundary (sparse direct)."""
    s = a.shape[0]
    f = np.broadcast_to(np.asarray(forcing, dtype=np.float64), (s, s))[1:-1, 1:-1].ravel()
    u = np.zeros((s, s))
    u[1:-1, 1:-1] = scipy.sparse.linalg.spsolve(darcy_matrix(a).tocsc(), f).reshape(s - 2, s - 2)
    return u


def generate_darcy(
    n: int,
    solve_resolution: int,
    strides: tuple[int, ...],
    seed: int,
    high: float = 12.0,
    low: float = 3.0,
    alpha: float = 2.0,
    tau: float = 3.0,
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """``n`` (coefficient, solution) pairs solved on a ``solve_resolution`` node grid and
    subsampled by each stride r to (s−1)/r + 1 points per side, as FNO does from its 421 grid.

    Returns ``{resolution: (a, u)}`` with arrays of shape (n, res, res), float32.
    """
    if any((solve_resolution - 1) % r for r in strides):
        raise ValueError(
            f"strides {strides} must divide solve_resolution - 1 = {solve_resolution - 1}"
        )
    rng = np.random.default_rng(seed)
    out = {(solve_resolution - 1) // r + 1: ([], []) for r in strides}
    for _ in range(n):
        a = darcy_coefficient(darcy_grf(rng, solve_resolution, alpha, tau), high, low)
        u = darcy_solve(a)
        for r in strides:
            res = (solve_resolution - 1) // r + 1
            out[res][0].append(a[::r, ::r])
            out[res][1].append(u[::r, ::r])
    return {
        res: (np.stack(a).astype(np.float32), np.stack(u).astype(np.float32))
        for res, (a, u) in out.items()
    }


# ------------------------------------------------------------------------------------------------
# Shared spectral helpers (periodic unit domain)
# ------------------------------------------------------------------------------------------------


def _wavenumbers(s: int) -> torch.Tensor:
    """Integer wavenumbers 0, 1, …, −1 of an s-point periodic grid (float64)."""
    return torch.fft.fftfreq(s, d=1.0 / s, dtype=torch.float64)


def _dealias_mask(s: int, rfft_last: bool = True) -> torch.Tensor:
    """2/3-rule mask: keep |k| < s/3 in every direction (2-D, last axis one-sided)."""
    k = _wavenumbers(s).abs()
    ky = k[: s // 2 + 1] if rfft_last else k
    return ((k[:, None] < s / 3) & (ky[None, :] < s / 3)).to(torch.float64)


# ------------------------------------------------------------------------------------------------
# Navier–Stokes (vorticity form, unit torus)
# ------------------------------------------------------------------------------------------------


def ns_initial_vorticity(
    gen: torch.Generator, n: int, s: int, alpha: float = 2.5, tau: float = 7.0
) -> torch.Tensor:
    """``n`` samples of w0 ~ N(0, σ²(−Δ+τ²)^{−α}), σ = τ^{α−1} (2-D), zero mean; (n, s, s)."""
    k = _wavenumbers(s)
    k2 = (k[:, None] ** 2 + k[None, :] ** 2) * 4 * math.pi**2
    sigma = tau ** (0.5 * (2 * alpha - 2))
    sqrt_eig = s**2 * math.sqrt(2.0) * sigma * (k2 + tau**2) ** (-alpha / 2)
    sqrt_eig[0, 0] = 0.0
    xi = torch.randn(n, s, s, 2, generator=gen, dtype=torch.float64)
    coeff = sqrt_eig * torch.complex(xi[..., 0], xi[..., 1])
    return torch.fft.ifft2(coeff).real


def ns_forcing(s: int) -> torch.Tensor:
    """The FNO forcing 0.1(sin 2π(x+y) + cos 2π(x+y)) on an s×s grid of [0, 1)²."""
    x = torch.arange(s, dtype=torch.float64) / s
    xy = x[:, None] + x[None, :]
    return 0.1 * (torch.sin(2 * math.pi * xy) + torch.cos(2 * math.pi * xy))


class NavierStokes2d:
    """Pseudo-spectral vorticity solver on an s×s periodic grid, integrating-factor RK4.

    State: ŵ = rfft2(w). ψ̂ = ŵ / (4π²|k|²), u = ∂ψ/∂y, v = −∂ψ/∂x, nonlinear term u·∇w computed
    in physical space and dealiased with the 2/3 rule; diffusion is integrated exactly.
    """

    def __init__(
        self, s: int, visc: float, forcing: torch.Tensor | None, device: str = "cpu"
    ) -> None:
        self.s = s
        self.visc = visc
        k = _wavenumbers(s)
        self.kx = (2 * math.pi * k)[:, None].expand(s, s // 2 + 1)
        self.ky = (2 * math.pi * k[: s // 2 + 1])[None, :].expand(s, s // 2 + 1)
        # the last-axis Nyquist column of an even grid has no sign: drop it from derivatives
        if s % 2 == 0:
            self.ky = self.ky.clone()
            self.ky[:, -1] = 0.0
        self.lap = self.kx**2 + self.ky**2
        self.inv_lap = torch.where(self.lap > 0, 1.0 / self.lap.clamp(min=1e-30), 0.0)
        self.mask = _dealias_mask(s)
        self.f_hat = torch.fft.rfft2(forcing) if forcing is not None else None
        for name in ("kx", "ky", "lap", "inv_lap", "mask", "f_hat"):
            if getattr(self, name) is not None:
                setattr(self, name, getattr(self, name).to(device))

    def rhs(self, w_hat: torch.Tensor) -> torch.Tensor:
        """−(u·∇w)^ + f̂ (the non-diffusive part), dealiased."""
        psi = w_hat * self.inv_lap
        s = (self.s, self.s)
        u = torch.fft.irfft2(1j * self.ky * psi, s=s)
        v = torch.fft.irfft2(-1j * self.kx * psi, s=s)
        wx = torch.fft.irfft2(1j * self.kx * w_hat, s=s)
        wy = torch.fft.irfft2(1j * self.ky * w_hat, s=s)
        out = -torch.fft.rfft2(u * wx + v * wy) * self.mask
        if self.f_hat is not None:
            out = out + self.f_hat
        return out

    def step(self, w_hat: torch.Tensor, dt: float) -> torch.Tensor:
        """One Lawson (integrating-factor) RK4 step of size ``dt``."""
        e = torch.exp(-self.visc * self.lap * dt)
        e2 = torch.exp(-self.visc * self.lap * dt / 2)
        k1 = self.rhs(w_hat)
        k2 = self.rhs(e2 * (w_hat + dt / 2 * k1))
        k3 = self.rhs(e2 * w_hat + dt / 2 * k2)
        k4 = self.rhs(e * w_hat + dt * e2 * k3)
        return e * w_hat + dt / 6 * (e * k1 + 2 * e2 * (k2 + k3) + k4)

    def solve(
        self, w0: torch.Tensor, t_final: float, dt: float, record_every: float
    ) -> torch.Tensor:
        """Vorticity snapshots at t = record_every, 2·record_every, …, t_final: (n, T, s, s)."""
        steps_per_record = round(record_every / dt)
        records = round(t_final / record_every)
        w_hat = torch.fft.rfft2(w0)
        out = []
        for _ in range(records):
            for _ in range(steps_per_record):
                w_hat = self.step(w_hat, dt)
            out.append(torch.fft.irfft2(w_hat, s=(self.s, self.s)))
        return torch.stack(out, dim=1)


def generate_navier_stokes(
    n: int,
    solve_resolution: int,
    resolution: int,
    visc: float,
    t_final: float,
    dt: float,
    seed: int,
    batch: int = 50,
    device: str = "cpu",
) -> dict[str, np.ndarray]:
    """``n`` trajectories: ``w0`` (n, r, r) and ``w`` (n, T, r, r) at t = 1, …, t_final, solved
    on ``solve_resolution`` and subsampled by striding to ``resolution`` (FNO: 256 → 64).
    Initial fields are drawn on the CPU (same data whatever ``device`` integrates them)."""
    if solve_resolution % resolution:
        raise ValueError("resolution must divide solve_resolution")
    stride = solve_resolution // resolution
    gen = torch.Generator().manual_seed(seed)
    solver = NavierStokes2d(solve_resolution, visc, ns_forcing(solve_resolution), device)
    w0s, ws = [], []
    for start in range(0, n, batch):
        w0 = ns_initial_vorticity(gen, min(batch, n - start), solve_resolution)
        w = solver.solve(w0.to(device), t_final, dt, 1.0).cpu()
        w0s.append(w0[:, ::stride, ::stride])
        ws.append(w[:, :, ::stride, ::stride])
    return {
        "w0": torch.cat(w0s).float().numpy(),
        "w": torch.cat(ws).float().numpy(),
    }


def energy_spectrum(w: torch.Tensor) -> torch.Tensor:
    """Shell-summed kinetic energy spectrum E(k), k = 0…s/2, of vorticity fields (…, s, s)."""
    s = w.shape[-1]
    w_hat = torch.fft.fft2(w) / s**2
    k = _wavenumbers(s)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    energy = 0.5 * w_hat.abs() ** 2 / torch.where(k2 > 0, 4 * math.pi**2 * k2, math.inf)
    shell = torch.sqrt(k2).round().long().clamp(max=s // 2)
    flat = energy.reshape(-1, s * s).sum(0)
    return torch.zeros(s // 2 + 1, dtype=flat.dtype).index_add_(0, shell.reshape(-1), flat)


# ------------------------------------------------------------------------------------------------
# Burgers (1-D, periodic)
# ------------------------------------------------------------------------------------------------


def burgers_initial(
    gen: torch.Generator,
    n: int,
    s: int,
    gamma: float = 2.5,
    tau: float = 7.0,
    sigma: float = 49.0,
) -> torch.Tensor:
    """u0 ~ N(0, σ²(−Δ+τ²)^{−γ}) on s periodic points: Fourier series with s/2 modes whose
    cos and sin parts have amplitude √2·σ·((2πk)² + τ²)^{−γ/2}·ξ; zero mean. (n, s)."""
    k = torch.arange(1, s // 2, dtype=torch.float64)
    amp = math.sqrt(2.0) * sigma * ((2 * math.pi * k) ** 2 + tau**2) ** (-gamma / 2)
    xi = torch.randn(n, k.numel(), 2, generator=gen, dtype=torch.float64)
    x = torch.arange(s, dtype=torch.float64) / s
    phase = 2 * math.pi * k[:, None] * x[None, :]
    return (amp * xi[..., 0]) @ torch.cos(phase) + (amp * xi[..., 1]) @ torch.sin(phase)


class Burgers1d:
    """u_t + (u²/2)_x = ν u_xx on s periodic points; Fourier pseudo-spectral, IF-RK4."""

    def __init__(self, s: int, visc: float) -> None:
        self.s = s
        k = _wavenumbers(s)[: s // 2 + 1]
        self.ik = 1j * 2 * math.pi * k
        if s % 2 == 0:
            self.ik[-1] = 0.0
        self.lap = (2 * math.pi * k) ** 2
        self.visc = visc
        self.mask = (k.abs() < s / 3).to(torch.float64)

    def rhs(self, u_hat: torch.Tensor) -> torch.Tensor:
        u = torch.fft.irfft(u_hat, n=self.s)
        return -0.5 * self.ik * torch.fft.rfft(u * u) * self.mask

    def step(self, u_hat: torch.Tensor, dt: float) -> torch.Tensor:
        e = torch.exp(-self.visc * self.lap * dt)
        e2 = torch.exp(-self.visc * self.lap * dt / 2)
        k1 = self.rhs(u_hat)
        k2 = self.rhs(e2 * (u_hat + dt / 2 * k1))
        k3 = self.rhs(e2 * u_hat + dt / 2 * k2)
        k4 = self.rhs(e * u_hat + dt * e2 * k3)
        return e * u_hat + dt / 6 * (e * k1 + 2 * e2 * (k2 + k3) + k4)

    def solve(self, u0: torch.Tensor, t_final: float, snapshots: int, dt: float) -> torch.Tensor:
        """u at ``snapshots`` equally spaced times in [0, t_final] (t = 0 included): (n, T, s)."""
        interval = t_final / (snapshots - 1)
        sub = max(1, math.ceil(interval / dt))
        h = interval / sub
        u_hat = torch.fft.rfft(u0)
        out = [u0]
        for _ in range(snapshots - 1):
            for _ in range(sub):
                u_hat = self.step(u_hat, h)
            out.append(torch.fft.irfft(u_hat, n=self.s))
        return torch.stack(out, dim=1)


def generate_burgers(
    n: int,
    solve_resolution: int,
    strides: tuple[int, ...],
    visc: float,
    t_final: float,
    snapshots: int,
    dt: float,
    seed: int,
) -> dict[int, np.ndarray]:
    """``n`` trajectories solved on ``solve_resolution`` points; ``{points: u}`` for each
    spatial stride, u of shape (n, snapshots, points), float32 (u[:, 0] is u0)."""
    gen = torch.Generator().manual_seed(seed)
    u0 = burgers_initial(gen, n, solve_resolution)
    u = Burgers1d(solve_resolution, visc).solve(u0, t_final, snapshots, dt)
    return {solve_resolution // r: u[:, :, ::r].float().numpy() for r in strides}
