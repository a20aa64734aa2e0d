"""The polynomial sign function that dynamical cooling transforms the Hamiltonian with.

QSP can apply to a Hamiltonian (scaled to [−1, 1]) any real polynomial bounded by 1 on [−1, 1].
For sign(x − μ) with x, μ ∈ [−1, 1] we take the variable y = (x − μ)/2 ∈ [−1, 1] and the odd
Chebyshev interpolant p of degree ``degree`` of the smoothed sign erf(2β y) (width 1/β on the
x axis), divided by (1 + its Chebyshev tail) so that |p| ≤ 1. Its stated error: for
|x − μ| ≥ w, |p − sign(x − μ)| ≤ erfc(β w) + 3·tail, where tail is the sum of the moduli of the
Chebyshev coefficients above ``degree`` (a bound on the truncation error of an interpolant is
2·tail; the rescaling adds at most tail).
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial import chebyshev
from scipy.special import erf, erfc


class SignPolynomial:
    """An odd Chebyshev polynomial approximation of sign(x − μ) for x, μ ∈ [−1, 1]."""

    def __init__(self, degree: int, sharpness: float) -> None:
        if degree < 3 or sharpness <= 0:
            raise ValueError(f"need degree ≥ 3 and sharpness > 0, got {degree}, {sharpness}")
        self.degree = degree
        self.sharpness = sharpness
        fine = chebyshev.chebinterpolate(lambda y: erf(2.0 * sharpness * y), 4 * degree + 64)
        fine[::2] = 0.0  # erf is odd: the even coefficients are rounding noise
        self.tail = float(np.abs(fine[degree + 1 :]).sum())
        self.coefficients = fine[: degree + 1] / (1.0 + self.tail)

    def error(self, width: float) -> float:
        """Bound on |p − sign(x − μ)| where |x − μ| ≥ ``width``."""
        return float(erfc(self.sharpness * width)) + 3.0 * self.tail

    def __call__(self, x: np.ndarray, mu: float) -> np.ndarray:
        """p evaluated at the scaled energies ``x`` (in [−1, 1]) for the threshold ``mu``."""
        return chebyshev.chebval((np.asarray(x) - mu) / 2.0, self.coefficients)
