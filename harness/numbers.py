"""Small numeric helpers shared by the board, the claims and the results site: the Student-t 95 %
interval and how a number is printed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def t_quantile_975(dof: Any) -> Any:
    """The two-sided 95 % Student-t quantile for ``dof`` degrees of freedom (scalar or array)."""
    from scipy.special import stdtrit  # much lighter to import than scipy.stats

    return stdtrit(dof, 0.975)


def ci95_half_width(values: np.ndarray) -> float:
    """Half the width of the Student-t 95 % interval of the mean of ``values`` (NaN for fewer
    than two values: one value says nothing about spread)."""
    n = len(values)
    if n < 2:
        return math.nan
    return float(t_quantile_975(n - 1)) * float(np.std(values, ddof=1)) / math.sqrt(n)


def format_number(value: float | None) -> str:
    """Three significant digits, in fixed notation between 0.01 and 1000; ``–`` for a missing
    value (``None`` or NaN)."""
    if value is None or math.isnan(value):
        return "–"
    magnitude = abs(value)
    if magnitude >= 1000 or (magnitude < 0.01 and magnitude != 0):
        return f"{value:.3g}"
    return f"{value:.3f}" if magnitude < 10 else f"{value:.2f}"
