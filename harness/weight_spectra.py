"""Weight- and activation-spectrum kernels: singular values, Marchenko–Pastur edges, heavy-tail
exponents (Hill, power-law MLE, FARMS), Spectrum's layer SNR, effective ranks, and activation taps
with a streaming covariance.

Shared by the spectral diagnostics (issue 17: FARMS, Spectrum, spectral scaling laws) and by any
family that reads a weight's or an activation's spectrum. Inputs are tensors on any device; the
results are float64 CPU tensors or Python floats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch

__all__ = [
    "ActivationTaps",
    "PowerLawFit",
    "StreamingCovariance",
    "as_matrix",
    "esd",
    "farms_esd",
    "hard_rank",
    "hill_alpha",
    "mle_alpha",
    "mp_singular_edge",
    "power_law_fit",
    "soft_rank",
    "spectrum_snr",
    "weight_matrices",
]


def as_matrix(weight: torch.Tensor) -> torch.Tensor:
    """A weight as a matrix (out, fan-in): convolution kernels flattened over their receptive
    field, as weightwatcher and Spectrum read them; a vector is refused."""
    if weight.ndim < 2:
        raise ValueError(f"a weight matrix needs at least 2 dimensions, got shape {weight.shape}")
    return weight.detach().reshape(weight.shape[0], -1).to(torch.float64)


def weight_matrices(
    model: torch.nn.Module, pattern: str = ".*"
) -> Iterator[tuple[str, torch.Tensor]]:
    """(name, matrix) for every real parameter of ``model`` with ≥ 2 dimensions and both sides
    > 1 whose qualified name matches the regular expression ``pattern`` (``re.search``)."""
    regex = re.compile(pattern)
    for name, p in model.named_parameters():
        if p.ndim >= 2 and not p.is_complex() and regex.search(name):
            w = as_matrix(p)
            if min(w.shape) > 1:
                yield name, w


def esd(weight: torch.Tensor) -> torch.Tensor:
    """The empirical spectral density's support: eigenvalues of WᵀW (squared singular values),
    descending, float64 on the CPU."""
    s = torch.linalg.svdvals(as_matrix(weight))
    return (s**2).cpu()


def mp_singular_edge(sigma: float, rows: int, cols: int) -> float:
    """Largest singular value of a rows × cols matrix of i.i.d. entries with standard deviation
    ``sigma``, as rows, cols → ∞: σ(√rows + √cols) (Marchenko–Pastur)."""
    return sigma * (math.sqrt(rows) + math.sqrt(cols))


def spectrum_snr(weight: torch.Tensor) -> dict[str, float]:
    """Spectrum's layer signal-to-noise ratio (Hartford et al. 2024, ``calculate_snr_for_layer``).

    S = singular values; σ̂ = IQR(S)/1.349 (a heuristic: the spread of the *singular values*,
    not of the entries); MP threshold τ = σ̂(1 + √β), β = min/max side; SNR = Σ_{S>τ} S / Σ_{S≤τ} S;
    the score Spectrum ranks layers by is SNR / S_max.
    """
    w = as_matrix(weight)
    s = torch.linalg.svdvals(w).cpu()
    q1, q3 = torch.quantile(s, torch.tensor([0.25, 0.75], dtype=s.dtype))
    sigma = float(q3 - q1) / 1.349
    beta = min(w.shape) / max(w.shape)
    tau = sigma * (1 + math.sqrt(beta))
    signal = float(s[s > tau].sum())
    noise = float(s[s <= tau].sum())
    snr = signal / noise if noise > 0 else math.inf
    return {
        "snr": snr,
        "score": snr / float(s.max()),
        "threshold": tau,
        "above": float((s > tau).sum()),
    }


def hill_alpha(eigenvalues: torch.Tensor, k: int | None = None) -> float:
    """The Hill estimator of the tail exponent of the density of ``eigenvalues`` (p(λ) ∝ λ^−α):
    α = 1 + k / Σ_{i<k} log(λ_(i) / λ_(k)) over the k largest (default: half of them), as in
    TempBalance and AlphaPruning."""
    lam = torch.sort(eigenvalues.to(torch.float64).flatten(), descending=True).values
    lam = lam[lam > 0]
    k = k or lam.numel() // 2
    if not 1 <= k < lam.numel():
        raise ValueError(f"hill_alpha needs 1 <= k < {lam.numel()} positive eigenvalues, got k={k}")
    logs = torch.log(lam[:k] / lam[k])
    return float(1 + k / logs.sum())


def mle_alpha(eigenvalues: torch.Tensor, min_tail: int = 10) -> tuple[float, float]:
    """The continuous power-law MLE with x_min chosen by the Kolmogorov–Smirnov distance (Clauset,
    Shalizi & Newman 2009; weightwatcher's fit): returns (α, x_min). Candidate x_min are the
    eigenvalues leaving at least ``min_tail`` points in the tail."""
    lam = torch.sort(eigenvalues.to(torch.float64).flatten()).values
    lam = lam[lam > 0]
    n = lam.numel()
    if n <= min_tail:
        raise ValueError(f"mle_alpha needs more than {min_tail} positive eigenvalues, got {n}")
    best = (math.inf, math.nan, math.nan)
    logs = torch.log(lam)
    for i in range(n - min_tail + 1):
        xmin = lam[i]
        tail = logs[i:] - logs[i]
        count = tail.numel()
        total = float(tail.sum())
        if total <= 0:
            continue
        alpha = 1 + count / total
        empirical = torch.arange(count, dtype=torch.float64) / count
        model = 1 - torch.exp(-(alpha - 1) * tail)
        distance = float((empirical - model).abs().max())
        if distance < best[0]:
            best = (distance, alpha, float(xmin))
    return best[1], best[2]


def farms_esd(
    weight: torch.Tensor, *, aspect: float = 1.0, rows: int | None = None, overlap: float = 0.5
) -> torch.Tensor:
    """FARMS (Hu et al. 2025): the pooled ESD of sub-matrices of one fixed aspect ratio.

    Windows of ``rows`` × ``rows·aspect`` (default ``rows`` = the short side; the window is
    shrunk to fit) slide over W with stride ``(1 − overlap)`` of their size along each side;
    each window's eigenvalues of XᵀX / (its column count) are pooled, so every matrix, whatever
    its own shape, yields samples of the same Marchenko–Pastur family.
    """
    w = as_matrix(weight)
    if w.shape[0] > w.shape[1]:
        w = w.T
    short, long = w.shape
    r = rows or short
    c = round(r * aspect)
    if c > long or r > short:
        scale = min(long / c, short / r)
        r, c = max(2, int(r * scale)), max(2, int(c * scale))
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap={overlap}: it must be in [0, 1)")

    def starts(size: int, window: int) -> list[int]:
        stride = max(1, int(window * (1 - overlap)))
        out = list(range(0, size - window + 1, stride))
        if out[-1] != size - window:
            out.append(size - window)
        return out

    blocks = [w[i : i + r, j : j + c] for i in starts(short, r) for j in starts(long, c)]
    stack = torch.stack(blocks)
    s = torch.linalg.svdvals(stack)
    return (s**2 / c).flatten().cpu()


def soft_rank(eigenvalues: torch.Tensor) -> float:
    """Shannon effective rank exp(−Σ p log p), p = λ / Σλ over the non-negative eigenvalues."""
    lam = eigenvalues.to(torch.float64).clamp_min(0)
    p = lam / lam.sum()
    p = p[p > 0]
    return float(torch.exp(-(p * torch.log(p)).sum()))


def hard_rank(eigenvalues: torch.Tensor) -> float:
    """Participation ratio (Σλ)² / Σλ² over the non-negative eigenvalues."""
    lam = eigenvalues.to(torch.float64).clamp_min(0)
    return float(lam.sum() ** 2 / (lam**2).sum())


@dataclass(frozen=True)
class PowerLawFit:
    """y ≈ a · x^slope fitted in log-log by least squares: ``slope``, ``log_a`` and ``r2``."""

    slope: float
    log_a: float
    r2: float


def power_law_fit(x: torch.Tensor, y: torch.Tensor) -> PowerLawFit:
    """Least-squares line through (log x, log y) and its coefficient of determination."""
    lx = torch.log(torch.as_tensor(x, dtype=torch.float64))
    ly = torch.log(torch.as_tensor(y, dtype=torch.float64))
    design = torch.stack([lx, torch.ones_like(lx)], dim=1)
    coef = torch.linalg.lstsq(design, ly[:, None]).solution[:, 0]
    residual = ly - design @ coef
    total = ((ly - ly.mean()) ** 2).sum()
    rss = float((residual**2).sum())
    exact = rss <= 1e-24 * max(float(total), 1.0)  # also when y is constant
    r2 = 1.0 if exact else float(1 - rss / total)
    return PowerLawFit(float(coef[0]), float(coef[1]), r2)


@dataclass
class StreamingCovariance:
    """Running Σx, Σxxᵀ and count over rows x (features on the last axis), in float64 on the
    device of the first batch; :meth:`covariance` centres them."""

    total: torch.Tensor | None = None
    outer: torch.Tensor | None = None
    count: int = 0

    def update(self, x: torch.Tensor) -> None:
        """Add every row of ``x`` (any leading shape; features last)."""
        rows = x.detach().reshape(-1, x.shape[-1]).to(torch.float64)
        if self.total is None:
            self.total = rows.sum(0)
            self.outer = rows.T @ rows
        else:
            assert self.outer is not None
            self.total = self.total + rows.sum(0)
            self.outer = self.outer + rows.T @ rows
        self.count += rows.shape[0]

    def covariance(self) -> torch.Tensor:
        """The (biased) covariance of the rows seen so far, float64 CPU."""
        if self.total is None or self.outer is None or self.count == 0:
            raise ValueError("no rows seen")
        mean = self.total / self.count
        return (self.outer / self.count - torch.outer(mean, mean)).cpu()


@dataclass
class ActivationTaps:
    """Forward hooks on every module of ``model`` whose qualified name matches ``pattern``
    (``re.search``), each feeding its output (a tensor) into a :class:`StreamingCovariance`.

    Use as a context manager: the hooks are removed on exit; ``stats[name]`` keeps the sums.
    """

    model: torch.nn.Module
    pattern: str
    stats: dict[str, StreamingCovariance] = field(default_factory=dict)
    _handles: list[torch.utils.hooks.RemovableHandle] = field(default_factory=list, repr=False)

    def __enter__(self) -> ActivationTaps:
        regex = re.compile(self.pattern)
        for name, module in self.model.named_modules():
            if name and regex.search(name):
                self.stats[name] = StreamingCovariance()
                self._handles.append(module.register_forward_hook(self._hook(name)))
        if not self.stats:
            raise ValueError(f"no module of the model matches {self.pattern!r}")
        return self

    def _hook(self, name: str) -> Callable[[torch.nn.Module, tuple, object], None]:
        def hook(module: torch.nn.Module, inputs: tuple, output: object) -> None:
            if isinstance(output, torch.Tensor):
                self.stats[name].update(output)

        return hook

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
