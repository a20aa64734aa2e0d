"""Datasets of the PDE tasks as (N, C, H, W) float32 arrays: generated sets (cached by content
with :class:`harness.data.cache.ContentCache`) and the neuraloperator samples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness import ContentCache, stable_hash
from spectral_harness_pde import NEURALOP, BurgersConfig, DarcyConfig, NavierStokesConfig
from spectral_harness_pde import generators as gen

GENERATOR_VERSION = 1  # bump when a generator's numerics change: old cache entries stop matching


@dataclass
class FieldData:
    """Train/val/test fields of one task; ``x_transfer``/``y_transfer``: the test samples at a
    finer grid (or ``None``). ``periodic`` tells which of the (H, W) axes wrap around."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    periodic: tuple[bool, bool]
    x_transfer: np.ndarray | None = None
    y_transfer: np.ndarray | None = None
    checksum: str = ""


def _split(n_train: int, n_val: int, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        "train": {k: v[:n_train] for k, v in arrays.items()},
        "val": {k: v[n_train : n_train + n_val] for k, v in arrays.items()},
        "test": {k: v[n_train + n_val :] for k, v in arrays.items()},
    }


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    return stable_hash(
        {k: [v.shape, float(np.asarray(v, np.float64).sum())] for k, v in arrays.items()}
    )


def _cached(cache_dir: Path, generator: str, params: dict, seed: int, resolution, create):
    """Generate once per (generator, version, parameters, seed, resolution)."""
    cache = ContentCache(cache_dir, "pde")
    key = {
        "generator": generator,
        "version": GENERATOR_VERSION,
        "params": params,
        "seed": seed,
        "resolution": resolution,
    }
    value = cache.get_or_create(key, create)
    return {k: v.numpy() for k, v in value.items()}, stable_hash(key, length=24), cache


def darcy(cfg: DarcyConfig, cache_dir: Path) -> FieldData:
    """Coefficient → pressure pairs; the coefficient is fed as is (two values, normalised later)."""
    n = cfg.n_train + cfg.n_val + cfg.n_test
    fine = cfg.solve_resolution
    strides = [(fine - 1) // (cfg.resolution - 1)]
    if cfg.transfer_resolution:
        strides.append((fine - 1) // (cfg.transfer_resolution - 1))
    for res, r in zip([cfg.resolution, cfg.transfer_resolution], strides, strict=False):
        if (fine - 1) % (res - 1) or (fine - 1) // r + 1 != res:
            raise ValueError(f"resolution {res} is not a strided subsample of {fine} nodes")
    params = {
        "n": n,
        "solve_resolution": fine,
        "high": cfg.coefficient_high,
        "low": cfg.coefficient_low,
        "alpha": 2.0,
        "tau": 3.0,
    }

    def create() -> dict:
        out = gen.generate_darcy(
            n, fine, tuple(strides), cfg.data_seed, cfg.coefficient_high, cfg.coefficient_low
        )
        return {
            f"{k}_{res}": torch_free(v)
            for res, (a, u) in out.items()
            for k, v in (("a", a), ("u", u))
        }

    arrays, key, _ = _cached(
        cache_dir, "darcy", params, cfg.data_seed, [cfg.resolution, cfg.transfer_resolution], create
    )
    res = cfg.resolution
    parts = _split(cfg.n_train, cfg.n_val, {"x": arrays[f"a_{res}"], "y": arrays[f"u_{res}"]})
    data = FieldData(
        *(parts[s][k][:, None] for s in ("train", "val", "test") for k in ("x", "y")),
        periodic=(False, False),
        checksum=key,
    )
    if cfg.transfer_resolution:
        t = cfg.transfer_resolution
        data.x_transfer = arrays[f"a_{t}"][cfg.n_train + cfg.n_val :, None]
        data.y_transfer = arrays[f"u_{t}"][cfg.n_train + cfg.n_val :, None]
    return data


def torch_free(value: np.ndarray):
    """Arrays are stored as float32 tensors, which the cache's weights-only loader accepts."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))


def burgers(cfg: BurgersConfig, cache_dir: Path) -> FieldData:
    """u0 broadcast over the time axis → u(t, x); x periodic, t not."""
    n = cfg.n_train + cfg.n_val + cfg.n_test
    points = [cfg.resolution] + ([cfg.transfer_resolution] if cfg.transfer_resolution else [])
    if any(cfg.solve_resolution % p for p in points):
        raise ValueError(
            f"resolutions {points} must divide solve_resolution {cfg.solve_resolution}"
        )
    strides = [cfg.solve_resolution // p for p in points]
    params = {
        "n": n,
        "solve_resolution": cfg.solve_resolution,
        "visc": cfg.visc,
        "t_final": cfg.t_final,
        "snapshots": cfg.snapshots,
        "dt": cfg.dt,
        "gamma": 2.5,
        "tau": 7.0,
        "sigma": 49.0,
    }

    def create() -> dict:
        out = gen.generate_burgers(
            n,
            cfg.solve_resolution,
            tuple(strides),
            cfg.visc,
            cfg.t_final,
            cfg.snapshots,
            cfg.dt,
            cfg.data_seed,
        )
        return {f"u_{res}": torch_free(u) for res, u in out.items()}

    arrays, key, _ = _cached(
        cache_dir,
        "burgers",
        params,
        cfg.data_seed,
        [cfg.resolution, cfg.transfer_resolution],
        create,
    )
    data = _burgers_fields(arrays[f"u_{cfg.resolution}"], cfg.n_train, cfg.n_val)
    data.checksum = key
    if cfg.transfer_resolution:
        u = arrays[f"u_{cfg.transfer_resolution}"][cfg.n_train + cfg.n_val :]
        data.x_transfer, data.y_transfer = _burgers_pair(u)
    return data


def _burgers_pair(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.broadcast_to(u[:, None, :1, :], (u.shape[0], 1, *u.shape[1:])).copy()
    return x, u[:, None].copy()


def _burgers_fields(u: np.ndarray, n_train: int, n_val: int) -> FieldData:
    x, y = _burgers_pair(u)
    parts = _split(n_train, n_val, {"x": x, "y": y})
    return FieldData(
        *(parts[s][k] for s in ("train", "val", "test") for k in ("x", "y")),
        periodic=(False, True),
    )


def navier_stokes(
    cfg: NavierStokesConfig, cache_dir: Path, device: str = "cpu"
) -> tuple[np.ndarray, str]:
    """Vorticity trajectories (N, T, r, r), T = t_in + t_out frames at t = 1, 2, …
    (integrated on ``device``: the 256² full-scale solve wants a GPU; the key ignores it)."""
    n = cfg.n_train + cfg.n_val + cfg.n_test
    t_final = float(cfg.t_in + cfg.t_out)
    params = {
        "n": n,
        "solve_resolution": cfg.solve_resolution,
        "visc": cfg.visc,
        "t_final": t_final,
        "dt": cfg.dt,
        "alpha": 2.5,
        "tau": 7.0,
        "forcing": "fno",
    }

    def create() -> dict:
        out = gen.generate_navier_stokes(
            n,
            cfg.solve_resolution,
            cfg.resolution,
            cfg.visc,
            t_final,
            cfg.dt,
            cfg.data_seed,
            device=device,
        )
        return {"w": torch_free(out["w"])}

    arrays, key, _ = _cached(
        cache_dir, "navier_stokes", params, cfg.data_seed, cfg.resolution, create
    )
    return arrays["w"], key


def _npz(data_dir: Path, name: str) -> dict[str, np.ndarray]:
    with np.load(data_dir / NEURALOP / "npz" / f"{name}.npz") as f:
        return {k: f[k] for k in f.files}


def neuralop_darcy(data_dir: Path, n_train: int, n_val: int, n_test: int) -> FieldData:
    """The 16² training set (first ``n_train`` samples, next ``n_val`` for validation), its 50
    test samples at 16² and the same samples at 32² for zero-shot transfer."""
    train = _npz(data_dir, "darcy_train_16")
    test16 = _npz(data_dir, "darcy_test_16")
    test32 = _npz(data_dir, "darcy_test_32")
    if n_train + n_val > train["x"].shape[0]:
        raise ValueError(f"n_train + n_val must be ≤ {train['x'].shape[0]}")
    x = train["x"].astype(np.float32)[:, None]
    y = train["y"].astype(np.float32)[:, None]
    return FieldData(
        x[:n_train],
        y[:n_train],
        x[n_train : n_train + n_val],
        y[n_train : n_train + n_val],
        test16["x"].astype(np.float32)[:n_test, None],
        test16["y"].astype(np.float32)[:n_test, None],
        periodic=(False, False),
        x_transfer=test32["x"].astype(np.float32)[:n_test, None],
        y_transfer=test32["y"].astype(np.float32)[:n_test, None],
    )


def neuralop_burgers(data_dir: Path, n_train: int, n_val: int, n_test: int) -> FieldData:
    """u0 (16 points) broadcast over the 17 time rows → u(t, x) (17 × 16)."""
    train = _npz(data_dir, "burgers_train_16")["y"].astype(np.float32)
    test = _npz(data_dir, "burgers_test_16")["y"].astype(np.float32)
    if n_train + n_val > train.shape[0]:
        raise ValueError(f"n_train + n_val must be ≤ {train.shape[0]}")
    data = _burgers_fields(
        np.concatenate([train[: n_train + n_val], test[:n_test]]), n_train, n_val
    )
    return data
