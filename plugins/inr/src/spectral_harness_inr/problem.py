"""What an ``inr_init`` task fits and what it hands to a method: a :class:`Signal` on a grid and
the :class:`InrProblem` around it. numpy only: a task builds these without the loaders' libraries.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from harness import UserError


@dataclass(frozen=True)
class Signal:
    """Samples ``values`` (N, C) in [-1, 1] on a regular grid of shape ``grid`` (prod = N).

    ``values`` is float32, row ``i`` the sample at ``coords[i]`` (raster order, last axis
    fastest). What a method may rely on is the grid's dimensionality (``dims``: 1 for a signal
    over time such as audio, 2 for an image or another field over a plane) and ``channels``.
    Constructing one checks the shape, dtype, range and finiteness, in one line per problem, so
    every task's PSNR is on the same [-1, 1] scale.
    """

    values: np.ndarray
    grid: tuple[int, ...]

    def __post_init__(self) -> None:
        values, grid = self.values, self.grid
        if not grid or any(not isinstance(n, int | np.integer) or n < 2 for n in grid):
            raise UserError(f"Signal grid must be a tuple of sizes >= 2, not {grid!r}")
        points = math.prod(grid)
        if not isinstance(values, np.ndarray) or values.dtype != np.float32:
            kind = getattr(values, "dtype", type(values).__name__)
            raise UserError(f"Signal values must be a float32 numpy array, not {kind}")
        if values.ndim != 2 or values.shape[0] != points:
            raise UserError(
                f"Signal values have shape {values.shape}, expected ({points}, channels) for "
                f"grid {grid}"
            )
        if not np.isfinite(values).all():
            raise UserError("Signal values must be finite")
        peak = float(np.abs(values).max())
        if peak > 1.0:
            raise UserError(
                f"Signal values must lie in [-1, 1] (the PSNR convention), max |value| = {peak:g}"
            )

    @property
    def dims(self) -> int:
        """The grid's dimensionality: 1 (a signal over time) or 2 (a field over a plane), …"""
        return len(self.grid)

    @property
    def channels(self) -> int:
        """Values per grid point (1 for audio and grey images, 3 for RGB)."""
        return self.values.shape[1]

    @property
    def coords(self) -> np.ndarray:
        """(N, d) coordinates in [-1, 1], raster order (last axis fastest)."""
        axes = [np.linspace(-1.0, 1.0, n, dtype=np.float32) for n in self.grid]
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.stack([m.reshape(-1) for m in mesh], axis=-1)

    def checksum(self) -> str:
        """sha256 of the samples, for the run record."""
        return hashlib.sha256(np.ascontiguousarray(self.values).tobytes()).hexdigest()


@dataclass(frozen=True)
class InrProblem:
    """What the ``inr_init`` slot hands to a method: the signal and the backbone's size.

    ``hidden_features`` × ``hidden_layers`` is the backbone every method of a cell uses (the
    task's config); ``in_features`` = ``signal.dims`` and ``out_features`` = ``signal.channels``.
    """

    signal: Signal
    hidden_features: int
    hidden_layers: int

    @property
    def in_features(self) -> int:
        """Coordinates per point: the signal's dimensionality."""
        return self.signal.dims

    @property
    def out_features(self) -> int:
        """Values per point: the signal's channels."""
        return self.signal.channels
