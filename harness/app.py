"""The Hydra application: the job function each launcher runs, the up-front check of a whole sweep,
and the callback that prints the leaderboard when a run or sweep ends."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.config import register_configs
from harness.errors import UserError
from harness.plugins import get_registry
from harness.settings import Settings

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"
CONFIG_NAME = "config"
HYDRA_VERSION_BASE = "1.3"
MAX_CHECKED_CELLS = 2048

# Tasks planned by the pre-flight check, so the end-of-sweep board shows exactly those.
_planned_tasks: list[str] = []


def job(cfg: Any) -> float | None:
    """Run the cell described by a composed config; Hydra calls this once per sweep point.

    Returns the primary metric (for Hydra sweepers that optimise) or ``None`` if the run failed.
    """
    from harness.runner import run_cell

    registry = get_registry()
    settings = Settings.from_config(cfg.paths, cfg.logger)
    record = run_cell(cell_from_config(cfg, registry), registry, settings, force=bool(cfg.force))
    return record.primary_value if record.status == "ok" else None


def cell_from_config(cfg: Any, registry: Any) -> Any:
    """The :class:`harness.runner.Cell` a composed config describes."""
    from omegaconf import OmegaConf

    from harness.config import method_config
    from harness.runner import Cell, TrainerOptions

    _, method = registry.check_pair(str(cfg.task.name), str(cfg.method.name))
    return Cell(
        task=str(cfg.task.name),
        method=str(cfg.method.name),
        seed=int(cfg.seed),
        scale=str(cfg.scale),
        task_cfg=OmegaConf.to_object(cfg.task),
        method_cfg=method_config(method, OmegaConf.to_object(cfg.method)),
        trainer=TrainerOptions(**OmegaConf.to_container(cfg.trainer)),
    )


def main(argv: Sequence[str]) -> int:
    """``spectral-harness run``: check every planned cell, then hand over to Hydra."""
    import hydra

    registry = get_registry()
    register_configs(registry)
    if not any(arg.startswith("-") and arg not in ("-m", "--multirun") for arg in argv):
        try:
            preflight(list(argv))
        except UserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    hydra_main = hydra.main(
        config_path=str(CONF_DIR), config_name=CONFIG_NAME, version_base=HYDRA_VERSION_BASE
    )(job)
    saved = sys.argv
    sys.argv = ["spectral-harness run", *argv]
    try:
        hydra_main()
    finally:
        sys.argv = saved
    return 0


def preflight(argv: list[str]) -> None:
    """Compose every cell a command would run and refuse it, in one line, if any cell is wrong.

    Catches unknown tasks/methods, override typos, a method outside its task's slot, a scale the
    task does not define, a missing GPU and missing data, before any cell starts.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from harness.data.store import DataStore
    from harness.runner import check_device, identify

    registry = get_registry()
    multirun = any(arg in ("-m", "--multirun") for arg in argv)
    overrides = [arg for arg in argv if arg not in ("-m", "--multirun")]
    _check_names(overrides, registry)
    GlobalHydra.instance().clear()
    cells: list[Any] = []
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=HYDRA_VERSION_BASE):
        for combo in _expand(overrides, multirun, compose):
            try:
                cfg = compose(CONFIG_NAME, overrides=combo, return_hydra_config=True)
            except Exception as exc:  # Hydra's composition errors are several lines long
                raise UserError(_explain(exc)) from None
            cells.append(cfg)
            if len(cells) >= MAX_CHECKED_CELLS:
                break
    GlobalHydra.instance().clear()
    _planned_tasks[:] = sorted({str(cfg.task.name) for cfg in cells})
    checked: set[tuple[str, str]] = set()
    for cfg in cells:
        settings = Settings.from_config(cfg.paths, cfg.logger)
        check_device(str(cfg.trainer.device))
        try:
            cell = cell_from_config(cfg, registry)
        except (ValueError, TypeError) as exc:  # e.g. seed=a, or a value of the wrong type
            raise UserError(f"invalid override value: {_explain(exc)}") from None
        task_cfg = identify(cell, registry).task_cfg
        task = registry.tasks[cell.task]
        store = DataStore(
            settings.data_dir, settings.cache_dir, registry.datasets, settings.allow_download
        )
        for dataset in task.datasets(task_cfg) if task.datasets else []:
            if (dataset, str(settings.data_dir)) not in checked:
                store.require(dataset)
                checked.add((dataset, str(settings.data_dir)))


def _check_names(overrides: list[str], registry: Any) -> None:
    """Unknown task or method names, caught before Hydra prints its search path."""
    for arg in overrides:
        key, sep, value = arg.partition("=")
        if not sep or key.lstrip("+~") not in ("task", "method"):
            continue
        for name in value.split(","):
            name = name.strip()
            if not name or any(ch in name for ch in "[]()${}:"):
                continue
            if key.lstrip("+~") == "task":
                registry.task(name)
            elif name not in registry.method_names():  # which slot it must fit: checked per cell
                registry.method(name)


def _expand(overrides: list[str], multirun: bool, compose: Any) -> list[list[str]]:
    """The override lists of every cell: command-line sweeps and ``hydra.sweeper.params``."""
    if not multirun:
        return [overrides]
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    try:
        parsed = parser.parse_overrides(overrides)
    except Exception as exc:
        raise UserError(_explain(exc)) from None
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    sweeps = {o.get_key_element(): o for o in parsed if o.is_sweep_override()}
    # The sweeper's own params live in the composed config; compose it with the first value of
    # each command-line sweep, so fixed overrides that only exist in a swept group resolve.
    firsts = [f"{k}={next(iter(o.sweep_string_iterator()))}" for k, o in sweeps.items()]
    try:
        base = compose(CONFIG_NAME, overrides=fixed + firsts, return_hydra_config=True)
    except Exception as exc:
        raise UserError(_explain(exc)) from None
    for key, value in (base.hydra.sweeper.get("params") or {}).items():
        if key not in sweeps:
            sweeps[key] = parser.parse_override(f"{key}={value}")
    axes = []
    for key, override in sweeps.items():
        values = list(override.sweep_string_iterator()) if override.is_sweep_override() else None
        if values is None:
            axes.append([override.input_line])
        elif key == "seed":
            # Seeds change nothing that composition could reject: check them here and compose
            # one seed only (composing is the slow part of the check).
            bad = [v for v in values if not v.lstrip("-").isdigit()]
            if bad:
                raise UserError(f"seed must be an integer, not {bad[0]!r} (e.g. seed=0,1,2)")
            axes.append([f"seed={values[0]}"])
        else:
            axes.append([f"{key}={v}" for v in values])
    return [fixed + list(combo) for combo in itertools.product(*axes)]


def _explain(exc: BaseException) -> str:
    """Hydra's multi-line composition error as one line that names the problem and the fix."""
    text = "\n".join(str(e) for e in (exc, exc.__cause__) if e is not None)
    lines = [line.strip() for line in (text.strip() or type(exc).__name__).splitlines()]
    lines = [line for line in lines if line]
    first = lines[0]
    key = next((line for line in lines if line.startswith("Key '")), None)
    if key:
        return f"{first} {key}; see the valid keys with `spectral-harness run --cfg job`"
    if first.startswith("Ambiguous value"):
        return f"{first.split(' 1.')[0]}; add -m to sweep over the values"
    if "Could not find" in first:
        return f"{first}; see `spectral-harness tasks` and `spectral-harness methods`"
    return " ".join(lines[:2])


def publish_leaderboard(cfg: Any, tasks: list[str]) -> None:
    """Print the board of ``tasks`` and hand it to the ``leaderboard_ready`` hook (W&B table)."""
    from harness.leaderboard import build_leaderboard
    from harness.records import RecordStore
    from harness.render import render_terminal

    registry = get_registry()
    settings = Settings.from_config(cfg.paths, cfg.logger)
    store = RecordStore(settings.runs_dir)
    records = [r for task in tasks for r in store.iter_records(task)]
    if not records:
        return
    board = build_leaderboard(records, registry)
    print(render_terminal(board), flush=True)
    registry.pm.hook.spectral_harness_leaderboard_ready(board=board, settings=settings)


try:
    from hydra.experimental.callback import Callback as _Callback
except ImportError:  # pragma: no cover - hydra is a hard dependency
    _Callback = object  # type: ignore[assignment,misc]


class LeaderboardCallback(_Callback):  # type: ignore[misc,valid-type]
    """Prints the leaderboard after a single run or a whole sweep (in the launching process)."""

    def on_run_end(self, config: Any, **kwargs: Any) -> None:
        publish_leaderboard(config, [str(config.task.name)])

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        publish_leaderboard(config, _planned_tasks or [str(config.task.name)])
