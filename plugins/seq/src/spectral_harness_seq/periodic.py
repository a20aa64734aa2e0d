"""Periodic signal families with known spectra, for conditional generation.

A signal of family f, with ``m`` cycles per window of ``length`` steps, amplitude A and phase φ:

    x(t) = A · Σ_{n=1}^{N} c_n^f · sin(n (2π m t / length + φ)),   t = 0, 1, …, horizon − 1

with the unit-amplitude Fourier sine coefficients c_n^f of four classic shapes, truncated at
harmonic N (``max_harmonic``), so every signal is band-limited and exactly periodic with period
``length / m``:

* ``sine``: c_1 = 1;
* ``square``: c_n = 4 / (π n), n odd;
* ``sawtooth``: c_n = 2 (−1)^{n+1} / (π n);
* ``triangle``: c_n = 8 (−1)^{(n−1)/2} / (π² n²), n odd.

Its DFT over one window (``numpy.fft.rfft`` of x(0..length−1), divided by ``length``) is known in
closed form when N · m < length / 2: magnitude A |c_n| / 2 at bin n · m, zero elsewhere
(:func:`amplitude_spectrum`). The condition of a signal is (family, m); A ~ U[``amplitude``]
and φ ~ U[0, 2π) are what a latent variable must explain. Observations add Gaussian noise σ.
Everything is drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

FAMILIES = ("sine", "square", "sawtooth", "triangle")


def shape_coefficients(family: str, max_harmonic: int) -> np.ndarray:
    """The sine coefficients c_1..c_N (N = ``max_harmonic``) of a unit-amplitude ``family``."""
    n = np.arange(1, max_harmonic + 1, dtype=np.float64)
    odd = n % 2 == 1
    if family == "sine":
        return (n == 1).astype(np.float64)
    if family == "square":
        return np.where(odd, 4 / (np.pi * n), 0.0)
    if family == "sawtooth":
        return 2 * (-1.0) ** (n + 1) / (np.pi * n)
    if family == "triangle":
        return np.where(odd, 8 * (-1.0) ** ((n - 1) // 2) / (np.pi**2 * n**2), 0.0)
    raise ValueError(f"unknown family {family!r}; choose one of {', '.join(FAMILIES)}")


def periodic_signals(
    families: np.ndarray,
    cycles: np.ndarray,
    amplitudes: np.ndarray,
    phases: np.ndarray,
    *,
    length: int,
    horizon: int,
    max_harmonic: int,
) -> np.ndarray:
    """Clean signals (count, ``horizon``) for per-signal family indices (into :data:`FAMILIES`),
    cycles per window, amplitudes and phases (float64)."""
    coefficients = np.stack([shape_coefficients(f, max_harmonic) for f in FAMILIES])
    n = np.arange(1, max_harmonic + 1)
    t = np.arange(horizon)
    # the phase of harmonic n at step t: n (2π m t / length + φ), with (n m t) mod length taken
    # in integers so that x(t + length / m) equals x(t) to the last bit of the sine
    turns = (n[None, :, None] * cycles[:, None, None] * t[None, None, :]) % length
    angle = 2 * np.pi * turns / length + n[None, :, None] * phases[:, None, None]
    series = np.einsum("cn,cnt->ct", coefficients[families], np.sin(angle))
    return amplitudes[:, None] * series


def amplitude_spectrum(
    family: str, cycles: int, amplitude: float, *, length: int, max_harmonic: int
) -> np.ndarray:
    """|rfft(x[0:length])| / length of a ``family`` signal (any phase): A |c_n| / 2 at bin n·m.

    Exact for N · m < length / 2 (every harmonic below the Nyquist bin)."""
    if max_harmonic * cycles * 2 >= length:
        raise ValueError(
            f"harmonic {max_harmonic} of {cycles} cycles reaches the Nyquist bin of {length} steps"
        )
    spectrum = np.zeros(length // 2 + 1)
    bins = np.arange(1, max_harmonic + 1) * cycles
    spectrum[bins] = amplitude * np.abs(shape_coefficients(family, max_harmonic)) / 2
    return spectrum


@dataclass(frozen=True)
class PeriodicSplit:
    """One split: per-signal family index, cycle-count index (into the data's ``cycles``),
    amplitude, phase, the clean signals (count, horizon) and the noisy observations."""

    family: np.ndarray
    cycle_index: np.ndarray
    amplitude: np.ndarray
    phase: np.ndarray
    clean: np.ndarray
    noisy: np.ndarray


@dataclass(frozen=True)
class PeriodicData:
    """Splits of periodic signals and the generator's settings (for the known spectra)."""

    splits: dict[str, PeriodicSplit]
    cycles: tuple[int, ...]
    length: int
    horizon: int
    max_harmonic: int
    amplitude: tuple[float, float]
    checksum: str

    @property
    def mean_amplitude(self) -> float:
        """E[A] of the uniform amplitude distribution."""
        return (self.amplitude[0] + self.amplitude[1]) / 2

    def expected_spectrum(self, family: int, cycle_index: int) -> np.ndarray:
        """E|rfft(x)| / length over the amplitude and phase of condition (family, cycles)."""
        return amplitude_spectrum(
            FAMILIES[family],
            self.cycles[cycle_index],
            self.mean_amplitude,
            length=self.length,
            max_harmonic=self.max_harmonic,
        )


def draw_split(
    count: int,
    rng: np.random.Generator,
    *,
    cycles: tuple[int, ...],
    length: int,
    horizon: int,
    max_harmonic: int,
    amplitude: tuple[float, float],
    noise: float,
) -> PeriodicSplit:
    """``count`` signals with uniformly drawn family, cycles, amplitude and phase, plus noise."""
    family = rng.integers(len(FAMILIES), size=count)
    cycle_index = rng.integers(len(cycles), size=count)
    amp = rng.uniform(*amplitude, size=count)
    phase = rng.uniform(0, 2 * np.pi, size=count)
    clean = periodic_signals(
        family,
        np.asarray(cycles)[cycle_index],
        amp,
        phase,
        length=length,
        horizon=horizon,
        max_harmonic=max_harmonic,
    )
    noisy = clean + noise * rng.standard_normal(clean.shape)
    return PeriodicSplit(family, cycle_index, amp, phase, clean, noisy)


def periodic_data(
    sizes: dict[str, int],
    *,
    cycles: tuple[int, ...],
    length: int,
    horizon: int,
    max_harmonic: int,
    amplitude: tuple[float, float],
    noise: float,
    seed: int,
) -> PeriodicData:
    """``sizes[split]`` signals per split (in sorted split order), drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    splits = {
        split: draw_split(
            sizes[split],
            rng,
            cycles=cycles,
            length=length,
            horizon=horizon,
            max_harmonic=max_harmonic,
            amplitude=amplitude,
            noise=noise,
        )
        for split in sorted(sizes)
    }
    digest = hashlib.sha256()
    for split in sorted(splits):
        for array in (splits[split].noisy, splits[split].clean, splits[split].family):
            digest.update(np.ascontiguousarray(array).tobytes())
    return PeriodicData(
        splits, cycles, length, horizon, max_harmonic, amplitude, digest.hexdigest()
    )
