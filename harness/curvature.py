"""Curvature kernels: Hessian-vector products, Lanczos, spectral densities, traces and log-dets.

One module, reused by every spectral diagnostic (issue 17). Everything works on a *matvec*: a
function taking a flat vector ``v`` (a 1-D tensor) to ``A v`` for a symmetric operator ``A`` of
dimension ``dim``, so the same Lanczos serves a network's Hessian, a covariance or a dense test
matrix. Vectors live on the operator's device and dtype; the small tridiagonal problems are solved
in float64 on the CPU. Nothing here assumes a CPU: the kernels run on CUDA unchanged.

* :func:`hvp_operator` — the Hessian of a loss closure ``() -> scalar`` with respect to a model's
  parameters, as a matvec (reverse-over-reverse on one retained graph, as PyHessian does);
  :func:`functional_hvp`, :func:`functional_jvp`, :func:`functional_vjp` — the ``torch.func``
  forms for a function of a flat parameter vector (forward-over-reverse for the HVP).
* :func:`lanczos` (full reorthogonalisation) and :func:`lanczos_top` (top-k Ritz pairs with a
  residual stopping rule).
* :func:`slq_density` — stochastic Lanczos quadrature: Ritz nodes and weights per probe, and
  :func:`density_on_grid` to broaden them into an eigenvalue density.
* :func:`hutchinson_trace` and :func:`chebyshev_logdet` (the KPM / Efficient-EigenScore log-det:
  a Chebyshev expansion of ``log`` with Hutchinson traces of ``T_k(A)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

Matvec = Callable[[torch.Tensor], torch.Tensor]

__all__ = [
    "LanczosResult",
    "Matvec",
    "SlqResult",
    "chebyshev_logdet",
    "density_on_grid",
    "functional_hvp",
    "functional_jvp",
    "functional_vjp",
    "hutchinson_trace",
    "hvp_operator",
    "lanczos",
    "lanczos_top",
    "rademacher",
    "slq_density",
    "spectral_bounds",
]


# ------------------------------------------------------------------------------------------------
# Products
# ------------------------------------------------------------------------------------------------


def hvp_operator(
    loss: Callable[[], torch.Tensor], params: list[torch.Tensor]
) -> tuple[Matvec, int]:
    """The Hessian of ``loss()`` with respect to ``params`` as a matvec on flat vectors, and its
    dimension.

    The gradient is built once with ``create_graph=True`` and each product differentiates
    ``⟨g, v⟩`` through that retained graph (one backward pass per product). The vector's dtype
    and device are the parameters'. A (b, dim) block of vectors gives the (b, dim) block of
    products in one vectorised pass (``is_grads_batched``): the dense Hessian is
    ``matvec(torch.eye(dim))``, in chunks.
    """
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ValueError("hvp_operator needs at least one parameter that requires grad")
    value = loss()
    grads = torch.autograd.grad(value, params, create_graph=True)
    flat_grad = torch.cat([g.reshape(-1) for g in grads])
    dim = flat_grad.numel()

    def matvec(v: torch.Tensor) -> torch.Tensor:
        v = v.to(dtype=flat_grad.dtype, device=flat_grad.device)
        batched = v.ndim == 2
        hv = torch.autograd.grad(
            flat_grad, params, grad_outputs=v, retain_graph=True, is_grads_batched=batched
        )
        lead = (v.shape[0],) if batched else ()
        return torch.cat([h.reshape(*lead, -1) for h in hv], dim=-1).detach()

    return matvec, dim


def functional_hvp(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    """∇²f(x) v by forward-over-reverse (``torch.func.jvp`` of ``torch.func.grad``)."""
    from torch.func import grad, jvp

    return jvp(grad(f), (x,), (v,))[1]


def functional_jvp(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    """J_f(x) v (forward mode, ``torch.func.jvp``)."""
    from torch.func import jvp

    return jvp(f, (x,), (v,))[1]


def functional_vjp(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, u: torch.Tensor
) -> torch.Tensor:
    """uᵀ J_f(x) (reverse mode, ``torch.func.vjp``)."""
    from torch.func import vjp

    _, pullback = vjp(f, x)
    return pullback(u)[0]


def rademacher(
    shape: tuple[int, ...], generator: torch.Generator, *, dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    """±1 entries drawn from ``generator`` (on the CPU, so every device draws the same probes)."""
    signs = torch.randint(0, 2, shape, generator=generator, dtype=torch.int8)
    return (signs.to(dtype) * 2 - 1).to(device)


# ------------------------------------------------------------------------------------------------
# Lanczos
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LanczosResult:
    """A Lanczos run: the tridiagonal's diagonal ``alpha`` (m,) and off-diagonal ``beta``
    (m − 1,), the orthonormal basis ``basis`` (m, dim), and ``matvecs`` used."""

    alpha: torch.Tensor
    beta: torch.Tensor
    basis: torch.Tensor
    matvecs: int

    def ritz(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Ritz values (ascending, float64 CPU) and the tridiagonal's eigenvectors (m, m)."""
        m = self.alpha.numel()
        t = torch.diag(self.alpha)
        if m > 1:
            t = t + torch.diag(self.beta, 1) + torch.diag(self.beta, -1)
        return torch.linalg.eigh(t)


def lanczos(
    matvec: Matvec,
    start: torch.Tensor,
    steps: int,
    *,
    on_step: Callable[[torch.Tensor, torch.Tensor, float], bool] | None = None,
) -> LanczosResult:
    """``steps`` Lanczos iterations from ``start`` with full reorthogonalisation (twice, classical
    Gram–Schmidt against the whole basis), so the Ritz values carry no ghost copies.

    Stops early on an invariant subspace (β below 1e-10 of the operator's scale) or when
    ``on_step(alpha, beta, beta_next)`` (float64 CPU tensors so far, and the next β) returns true.
    """
    dim = start.numel()
    steps = min(steps, dim)
    q = start / torch.linalg.vector_norm(start)
    basis = torch.empty((steps, dim), dtype=start.dtype, device=start.device)
    alphas: list[float] = []
    betas: list[float] = []
    scale = 0.0
    for j in range(steps):
        basis[j] = q
        w = matvec(q)
        alpha = float(torch.dot(w, q))
        w = w - alpha * q - (betas[-1] * basis[j - 1] if j > 0 else 0.0)
        for _ in range(2):
            w = w - basis[: j + 1].T @ (basis[: j + 1] @ w)
        beta = float(torch.linalg.vector_norm(w))
        alphas.append(alpha)
        scale = max(scale, abs(alpha), beta)
        stop = beta <= 1e-10 * max(scale, 1e-300) or j == steps - 1
        if not stop and on_step is not None:
            stop = on_step(
                torch.tensor(alphas, dtype=torch.float64),
                torch.tensor(betas, dtype=torch.float64),
                beta,
            )
        if stop:
            break
        betas.append(beta)
        q = w / beta
    m = len(alphas)
    return LanczosResult(
        torch.tensor(alphas, dtype=torch.float64),
        torch.tensor(betas[: m - 1], dtype=torch.float64),
        basis[:m],
        m,
    )


def lanczos_top(
    matvec: Matvec,
    dim: int,
    k: int,
    *,
    max_steps: int | None = None,
    tol: float = 1e-6,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
    which: str = "LA",
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """The ``k`` algebraically largest (``which="LA"``) or largest-magnitude (``"LM"``)
    eigenvalues (descending) and their Ritz vectors (k, dim), and the matvecs used.

    Iterates until every wanted Ritz pair's residual bound ``|β_m s_{m,i}|`` is at most
    ``tol · max|θ|`` or after ``max_steps`` (default ``min(dim, max(4k, 40))``) products.
    """
    if which not in ("LA", "LM"):
        raise ValueError(f"which={which!r}: choose 'LA' or 'LM'")
    k = min(k, dim)
    steps = min(dim, max_steps or max(4 * k, 40))
    gen = generator or torch.Generator().manual_seed(0)
    start = torch.randn(dim, generator=gen, dtype=torch.float64).to(dtype=dtype, device=device)

    def pick(theta: torch.Tensor) -> torch.Tensor:
        key = theta if which == "LA" else theta.abs()
        return torch.argsort(key, descending=True)[:k]

    def converged(alpha: torch.Tensor, beta: torch.Tensor, beta_next: float) -> bool:
        if alpha.numel() < k:
            return False
        t = torch.diag(alpha) + torch.diag(beta, 1) + torch.diag(beta, -1)
        theta, s = torch.linalg.eigh(t)
        idx = pick(theta)
        bound = (beta_next * s[-1, idx]).abs()
        return bool((bound <= tol * theta.abs().max().clamp_min(1e-300)).all())

    result = lanczos(matvec, start, steps, on_step=converged)
    theta, s = result.ritz()
    idx = pick(theta)
    vectors = s[:, idx].T.to(dtype=result.basis.dtype, device=result.basis.device) @ result.basis
    return theta[idx], vectors, result.matvecs


# ------------------------------------------------------------------------------------------------
# Densities and traces
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlqResult:
    """Stochastic Lanczos quadrature: Ritz ``nodes`` and quadrature ``weights`` (probes, steps),
    each probe's weights summing to one; ``matvecs`` used. ``dim`` is the operator's size."""

    nodes: torch.Tensor
    weights: torch.Tensor
    matvecs: int
    dim: int

    def trace_of(self, f: Callable[[torch.Tensor], torch.Tensor]) -> float:
        """tr f(A) ≈ dim · mean over probes of Σ_j w_j f(θ_j)."""
        return float(self.dim * (self.weights * f(self.nodes)).sum(dim=1).mean())


def slq_density(
    matvec: Matvec,
    dim: int,
    *,
    probes: int = 10,
    steps: int = 80,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
) -> SlqResult:
    """``probes`` Rademacher starts, ``steps`` Lanczos steps each (Ubaru, Chen & Saad 2017;
    PyHessian's ``density``): the spectral measure of A seen from each probe, as Gauss nodes and
    weights (squared first components of the tridiagonal's eigenvectors)."""
    gen = generator or torch.Generator().manual_seed(0)
    steps = min(steps, dim)
    nodes = torch.zeros((probes, steps), dtype=torch.float64)
    weights = torch.zeros((probes, steps), dtype=torch.float64)
    matvecs = 0
    for i in range(probes):
        start = rademacher((dim,), gen, dtype=dtype, device=torch.device(device))
        result = lanczos(matvec, start, steps)
        theta, s = result.ritz()
        m = theta.numel()
        nodes[i, :m] = theta
        weights[i, :m] = s[0] ** 2
        matvecs += result.matvecs
    return SlqResult(nodes, weights, matvecs, dim)


def density_on_grid(result: SlqResult, grid: torch.Tensor, sigma: float) -> torch.Tensor:
    """The eigenvalue density on ``grid`` (integrating to ≈1): the probes' quadratures broadened by
    Gaussians of width ``sigma`` and averaged."""
    grid = grid.to(torch.float64)
    diff = grid[None, None, :] - result.nodes[:, :, None]
    kernel = torch.exp(-0.5 * (diff / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    return (result.weights[:, :, None] * kernel).sum(dim=1).mean(dim=0)


def hutchinson_trace(
    matvec: Matvec,
    dim: int,
    *,
    probes: int = 100,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
) -> tuple[float, float]:
    """tr A ≈ mean of zᵀAz over Rademacher ``probes``; returns the estimate and its standard
    error."""
    gen = generator or torch.Generator().manual_seed(0)
    samples = torch.empty(probes, dtype=torch.float64)
    for i in range(probes):
        z = rademacher((dim,), gen, dtype=dtype, device=torch.device(device))
        samples[i] = float(torch.dot(z, matvec(z)))
    err = float(samples.std() / math.sqrt(probes)) if probes > 1 else math.inf
    return float(samples.mean()), err


def spectral_bounds(
    matvec: Matvec,
    dim: int,
    *,
    steps: int = 30,
    margin: float = 0.05,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
) -> tuple[float, float]:
    """An interval [a, b] meant to contain the spectrum of a symmetric A, from ``steps`` Lanczos
    steps: the extreme Ritz values, each widened by its residual bound ``|β_m s_{m,i}|`` and then
    by ``margin`` of the interval's width (Lanczos finds the ends first; the widening covers what
    it has not yet converged). Exact when ``steps`` reaches ``dim``."""
    gen = generator or torch.Generator().manual_seed(0)
    start = torch.randn(dim, generator=gen, dtype=torch.float64).to(dtype=dtype, device=device)
    result = lanczos(matvec, start, steps)
    theta, s = result.ritz()
    if result.matvecs >= dim:
        return float(theta[0]), float(theta[-1])
    last = result.basis[-1]
    w = matvec(last) - float(result.alpha[-1]) * last
    if result.matvecs > 1:
        w = w - float(result.beta[-1]) * result.basis[-2]
    beta_next = float(torch.linalg.vector_norm(w))
    lo = float(theta[0]) - abs(beta_next * float(s[-1, 0]))
    hi = float(theta[-1]) + abs(beta_next * float(s[-1, -1]))
    pad = margin * (hi - lo)
    return lo - pad, hi + pad


def _chebyshev_coefficients(f: Callable[[torch.Tensor], torch.Tensor], degree: int) -> torch.Tensor:
    """Coefficients c_0..c_degree of the Chebyshev interpolant of f on [−1, 1] (at the
    degree + 1 Chebyshev nodes of the first kind)."""
    n = degree + 1
    j = torch.arange(n, dtype=torch.float64)
    x = torch.cos(math.pi * (j + 0.5) / n)
    fx = f(x)
    k = torch.arange(n, dtype=torch.float64)[:, None]
    c = (2.0 / n) * (fx[None, :] * torch.cos(math.pi * k * (j[None, :] + 0.5) / n)).sum(dim=1)
    c[0] /= 2
    return c


def chebyshev_logdet(
    matvec: Matvec,
    dim: int,
    bounds: tuple[float, float],
    *,
    degree: int = 50,
    probes: int = 30,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
    block: bool = True,
) -> float:
    """log det A of a symmetric positive-definite A with spectrum inside ``bounds`` = (a, b),
    0 < a < b, without an eigendecomposition (Han, Malioutov & Shin 2015; the Efficient
    EigenScore): log on [a, b] expanded in Chebyshev polynomials of degree ``degree``, and
    tr T_k(Ã) by Hutchinson with ``probes`` Rademacher vectors through the three-term recurrence.

    With ``block`` the probes travel together as a (dim, probes) block, so ``matvec`` must accept
    a matrix (as ``A @ X`` does); otherwise one probe at a time.
    """
    a, b = bounds
    if not 0 < a < b:
        raise ValueError(f"chebyshev_logdet needs bounds 0 < a < b, got {bounds}")
    half, mid = (b - a) / 2, (b + a) / 2
    coeffs = _chebyshev_coefficients(lambda x: torch.log(half * x + mid), degree)
    gen = generator or torch.Generator().manual_seed(0)

    def scaled(x: torch.Tensor) -> torch.Tensor:
        return (matvec(x) - mid * x) / half

    def estimate(z: torch.Tensor) -> torch.Tensor:
        prev, cur = z, scaled(z)
        total = coeffs[0] * (z * prev).sum(0) + coeffs[1] * (z * cur).sum(0)
        for c in coeffs[2:]:
            prev, cur = cur, 2 * scaled(cur) - prev
            total = total + c * (z * cur).sum(0)
        return total

    dev = torch.device(device)
    if block:
        z = rademacher((probes, dim), gen, dtype=dtype, device=dev).T  # same draws as one by one
        samples = estimate(z)
    else:
        samples = torch.stack(
            [estimate(rademacher((dim,), gen, dtype=dtype, device=dev)) for _ in range(probes)]
        )
    return float(samples.double().mean())
