"""The Hydra application: the job function each launcher runs, the up-front check of a whole sweep,
and the callback that prints the leaderboard when a run or sweep ends."""

from __future__ import annotations

import argparse
import copy
import itertools
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from hydra.experimental.callback import Callback

from harness.config import register_configs
from harness.errors import UserError
from harness.observers import notify
from harness.plugins import check_code_references, get_registry
from harness.settings import Settings

if TYPE_CHECKING:
    from hydra.core.override_parser.types import Override
    from omegaconf import DictConfig

    from harness.cell import ResolvedCell
    from harness.plugins import Registry

CONF_DIR = Path(__file__).resolve().parent / "conf"
CONFIG_NAME = "config"
HYDRA_VERSION_BASE = "1.3"


def job(cfg: DictConfig) -> float | None:
    """Run the cell described by a composed config; Hydra calls this once per sweep point.

    Returns the primary metric (for Hydra sweepers that optimise) or ``None`` if the cell did not
    end ``ok``. Never raises for a cell's sake: the sweep goes on (Ctrl-C still stops it).
    """
    from harness.runner import run_cell

    registry = get_registry()
    try:
        settings = Settings.from_config(cfg.paths, cfg.logger)
        cell = cell_from_config(cfg, registry, default_num_threads=_default_num_threads())
        record = run_cell(cell, registry, settings, force=bool(cfg.force))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    except Exception:  # a bug in the host: show it, but do not take the rest of the sweep down
        traceback.print_exc()
        return None
    return record.primary_value if record is not None and record.status == "ok" else None


def _default_num_threads() -> int | None:
    """Torch threads per cell from the job's CPUs (SLURM, joblib's share), for a cell whose user
    left ``trainer.num_threads`` unset, so parallel cells do not oversubscribe the cores."""
    import os

    from harness.launchers import default_num_threads

    affinity = getattr(os, "sched_getaffinity", None)
    cpus = len(affinity(0)) if affinity else os.cpu_count() or 1
    return default_num_threads(os.environ, cpus, _launcher_n_jobs())


def _launcher_n_jobs() -> int | None:
    """joblib's worker count (``hydra.launcher.n_jobs``), or ``None`` for other launchers."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return None
    n_jobs = HydraConfig.get().launcher.get("n_jobs")
    return None if n_jobs is None else int(n_jobs)


def cell_from_config(
    cfg: DictConfig, registry: Registry, *, default_num_threads: int | None = None
) -> ResolvedCell:
    """The cell a composed config describes, resolved once (:func:`harness.cell.identify`).

    ``default_num_threads`` is the cell's ``trainer.num_threads`` where the config leaves it unset.
    """
    import dataclasses

    from omegaconf import OmegaConf

    from harness.cell import Cell, TrainerOptions, check_seed, resolve_cell
    from harness.config import method_config
    from harness.specs import TaskConfig

    task, method = registry.check_pair(str(cfg.task.name), str(cfg.method.name))
    try:
        trainer = TrainerOptions(**cfg.trainer)
    except TypeError as exc:
        raise UserError(f"invalid trainer options: {exc}") from None
    if trainer.num_threads is None and default_num_threads is not None:
        trainer = dataclasses.replace(trainer, num_threads=default_num_threads)
    try:
        cell = Cell(
            task=task.name,
            method=method.name,
            seed=check_seed(cfg.seed),
            scale=str(cfg.scale),
            task_cfg=cast(TaskConfig, OmegaConf.to_object(cfg.task)),  # the task's dataclass
            method_cfg=method_config(method, OmegaConf.to_object(cfg.method)),
            trainer=trainer,
            probes=_probes_from_config(cfg, registry),
        )
    except (ValueError, TypeError) as exc:  # e.g. seed=a, or a value of the wrong type
        raise UserError(f"invalid override value: {_explain(exc)}") from None
    return resolve_cell(cell, task, method, registry)


def _probes_from_config(cfg: DictConfig, registry: Registry) -> dict[str, Any]:
    """``probes=[name,…]`` with each probe's ``probe_options.<name>``, as the probes' configs."""
    from omegaconf import OmegaConf

    asked = cfg.get("probes") or []
    names = [asked] if isinstance(asked, str) else [str(name) for name in asked]
    options = cfg.get("probe_options") or {}
    probes: dict[str, Any] = {}
    for name in names:
        spec = registry.probe(name)
        node = options.get(name)
        probes[name] = spec.config() if node is None else OmegaConf.to_object(node)
    return probes


def main(argv: Sequence[str]) -> int:
    """``spectral-harness run``: check every planned cell, then hand over to Hydra."""
    import hydra
    from hydra._internal.utils import get_args_parser

    registry = get_registry()
    register_configs(registry)
    args = get_args_parser().parse_args(list(argv))
    board: list[str] = []  # the end-of-sweep board's tasks, as an override for Hydra
    if args.cfg == "job" and not args.multirun and not args.package:
        try:
            print(resolved_job_config(args.overrides, args.config_dir, args.config_name), end="")
        except UserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    if not _only_shows_information(args):
        try:
            tasks = preflight(
                args.overrides,
                multirun=args.multirun,
                config_dir=args.config_dir,
                config_name=args.config_name,
            )
        except UserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        board = [board_tasks_override(tasks)]
    hydra_main = hydra.main(
        config_path=str(CONF_DIR), config_name=CONFIG_NAME, version_base=HYDRA_VERSION_BASE
    )(job)
    saved = sys.argv
    sys.argv = ["spectral-harness run", *argv, *board]
    try:
        hydra_main()
    finally:
        sys.argv = saved
    return 0


def _only_shows_information(args: argparse.Namespace) -> bool:
    """Flags with which Hydra prints something and runs no cell (``--cfg job``, ``--info``...)."""
    return bool(
        args.help
        or args.hydra_help
        or args.cfg
        or args.info
        or args.shell_completion
        or args.experimental_rerun
    )


def preflight(
    overrides: list[str],
    *,
    multirun: bool = False,
    config_dir: str | None = None,
    config_name: str | None = None,
) -> list[str]:
    """Compose every cell a command would run and refuse it, in one line, if any cell is wrong.

    Catches unknown tasks/methods, override typos, a method outside its task's slot, values out
    of their declared range or of the wrong type, a scale the task does not define, a missing
    GPU, missing or corrupt data, an unwritable results directory and plugin code a cell would
    call that does not import (once per task × method), before any cell starts.

    Time is linear in the sweep: Hydra composes one config per combination of the overrides that
    choose configs (``task``, ``method``, ``experiment``, ``scale``, ``hydra/launcher``, ...);
    each value of a swept field (``task.steps=10,20``, ``seed=0,1,2``) is then checked on that
    config by assignment, without composing again.

    Returns the planned cells' tasks, sorted: the tasks the end-of-sweep board shows.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    registry = get_registry()
    _check_names(overrides, registry)
    name = config_name or CONFIG_NAME
    extra = [f"hydra.searchpath=[file://{Path(config_dir).resolve()}]"] if config_dir else []
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base=HYDRA_VERSION_BASE):
            plans = _expand([*extra, *overrides], multirun, lambda o: _compose(compose, name, o))
            tasks: set[str] = set()
            checked: set[tuple[str, ...]] = set()  # datasets and (task, method) code
            writable: set[Path] = set()
            for cfg, value_axes in plans:
                for variant in _assign(cfg, value_axes):
                    tasks.add(_check_cell(variant, registry, checked, writable))
    finally:
        GlobalHydra.instance().clear()
    return sorted(tasks)


def resolved_job_config(
    overrides: list[str], config_dir: str | None = None, config_name: str | None = None
) -> str:
    """``run --cfg job``: the composed config as YAML, with the values the scale preset fills
    (which Hydra alone shows as ``null``) filled in, as the cell will run them."""
    import dataclasses

    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf, open_dict

    registry = get_registry()
    _check_names(overrides, registry)
    extra = [f"hydra.searchpath=[file://{Path(config_dir).resolve()}]"] if config_dir else []
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base=HYDRA_VERSION_BASE):
            cfg = _compose(compose, config_name or CONFIG_NAME, [*extra, *overrides])
    finally:
        GlobalHydra.instance().clear()
    cell = cell_from_config(cfg, registry)
    with open_dict(cfg):
        del cfg["hydra"]
        cfg.task = OmegaConf.create(dataclasses.asdict(cell.task_cfg))
        cfg.method = OmegaConf.create(dataclasses.asdict(cell.method_cfg))
        # only the options of the probes the cell asks for: the others do not run
        cfg.probe_options = OmegaConf.create(
            {spec.name: dataclasses.asdict(options) for spec, options in cell.probes}
        )
    return OmegaConf.to_yaml(cfg)


def board_tasks_override(tasks: list[str]) -> str:
    """The Hydra override that gives the end-of-sweep board (:class:`LeaderboardCallback`, in
    conf/config.yaml) its tasks; quoted, so a task named ``1`` or ``null`` stays a name."""
    quoted = ",".join(f"'{task}'" for task in tasks)
    return f"hydra.callbacks.leaderboard.tasks=[{quoted}]"


def _compose(compose: Callable[..., DictConfig], name: str, overrides: list[str]) -> DictConfig:
    try:
        return compose(name, overrides=overrides, return_hydra_config=True)
    except Exception as exc:  # Hydra's composition errors are several lines long
        raise UserError(_explain(exc)) from None


def _assign(cfg: DictConfig, value_axes: list[tuple[str, list[Any]]]) -> Iterator[DictConfig]:
    """``cfg`` itself, then one copy per value of each swept field, with that value assigned."""
    from omegaconf import OmegaConf

    yield cfg
    for key, values in value_axes:
        for value in values[1:]:  # the first value is the one ``cfg`` was composed with
            variant = copy.deepcopy(cfg)
            try:
                OmegaConf.update(variant, key, value, merge=True)
            except Exception as exc:
                raise UserError(
                    f"invalid override value {key}={value!r}: {_explain(exc)}"
                ) from None
            yield variant


def _check_cell(
    cfg: DictConfig, registry: Registry, checked: set[tuple[str, ...]], writable: set[Path]
) -> str:
    """Check one composed cell; return its task's name."""
    from harness.cell import check_device, check_programs, dataset_entries
    from harness.launchers import job_device_kind
    from harness.runner import data_store

    settings = Settings.from_config(cfg.paths, cfg.logger)
    if settings.results_dir not in writable:
        settings.check_writable()
        writable.add(settings.results_dir)
    launcher = cfg.hydra.get("launcher") or {}
    if not (str(cfg.trainer.device).startswith("cuda") and job_device_kind(launcher) == "cuda"):
        check_device(str(cfg.trainer.device))  # a GPU job's device is checked on its node
    cell = cell_from_config(cfg, registry)
    task, method = cell.task.name, cell.method.name
    probes = [spec for spec, _ in cell.probes]
    code_key = ("code", task, method, *(spec.name for spec in probes))
    if code_key not in checked:
        check_code_references(registry, cell.task, cell.method, probes)
        check_programs(cell.task)
        checked.add(code_key)
    store = data_store(registry, settings)
    for dataset in dataset_entries(cell, registry):
        if (dataset, str(settings.data_dir)) not in checked:
            store.require(dataset)
            checked.add((dataset, str(settings.data_dir)))
    return task


def _check_names(overrides: list[str], registry: Registry) -> None:
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


def _expand(
    overrides: list[str], multirun: bool, compose: Callable[[list[str]], DictConfig]
) -> list[tuple[DictConfig, list[tuple[str, list[Any]]]]]:
    """The composed configs a command needs, each with the swept fields to check on it.

    Overrides that choose configs (no dot in the key, except ``seed``) are expanded into their
    product and composed; swept fields (a dotted key, or ``seed``) become value axes. Sweeps come
    from the command line and from ``hydra.sweeper.params`` (e.g. an experiment preset's).
    """
    if not multirun:
        return [(compose(overrides), [])]
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    try:
        parsed = parser.parse_overrides(overrides)
    except Exception as exc:
        raise UserError(_explain(exc)) from None
    fixed = [_text(o) for o in parsed if not o.is_sweep_override()]
    sweeps = {o.get_key_element(): o for o in parsed if o.is_sweep_override()}
    # The sweeper's own params live in the composed config; compose it with the first value of
    # each command-line sweep, so fixed overrides that only exist in a swept group resolve.
    firsts = [f"{k}={next(iter(o.sweep_string_iterator()))}" for k, o in sweeps.items()]
    base = compose(fixed + firsts)
    for key, value in (base.hydra.sweeper.get("params") or {}).items():
        if key not in sweeps:
            sweeps[key] = parser.parse_override(f"{key}={value}")
    group_axes: list[list[str]] = []
    value_axes: list[tuple[str, list[Any]]] = []
    for key, override in sweeps.items():
        if not override.is_sweep_override():
            group_axes.append([_text(override)])
        elif key == "seed":  # a seed changes nothing composition could reject
            from harness.cell import check_seed

            seeds = [check_seed(value) for value in override.sweep_iterator()]
            fixed.append(f"seed={seeds[0]}")
        elif _is_value_key(key):
            value_axes.append((key, list(override.sweep_iterator())))
        else:
            group_axes.append([f"{key}={v}" for v in override.sweep_string_iterator()])
    firsts = [f"{key}={next(iter(sweeps[key].sweep_string_iterator()))}" for key, _ in value_axes]
    combos = [fixed + firsts + list(combo) for combo in itertools.product(*group_axes)]
    return [(compose(combo), value_axes) for combo in combos]


def _text(override: Override) -> str:
    """An override as it was written (the parser keeps the text of each override it parses)."""
    assert override.input_line is not None
    return override.input_line


def _is_value_key(key: str) -> bool:
    """A swept key whose values can be checked by assignment: a config field, not a group."""
    return key == "seed" or ("." in key and not key.startswith(("+", "~")))


def _explain(exc: BaseException) -> str:
    """Hydra's multi-line composition error as one line that names the problem and the fix."""
    text = "\n".join(str(e) for e in (exc, exc.__cause__) if e is not None)
    lines = [line.strip() for line in (text.strip() or type(exc).__name__).splitlines()]
    lines = [line for line in lines if line]
    first = lines[0]
    if first.startswith("You must specify '"):  # a run that names no task or no method
        group = first.split("'")[1]
        return (
            f"name a {group}: {group}=<name> (see `spectral-harness {group}s`), "
            "or pick a preset: experiment=<name>"
        )
    key = next((line for line in lines if line.startswith("Key '")), None)
    if key:
        return f"{first} {key}; see the valid keys with `spectral-harness run --cfg job`"
    if first.startswith("Ambiguous value"):
        return f"{first.split(' 1.')[0]}; add -m to sweep over the values"
    if "Could not find" in first:
        return f"{first}; see `spectral-harness tasks` and `spectral-harness methods`"
    return " ".join(lines[:2])


def publish_leaderboard(cfg: DictConfig, tasks: list[str]) -> None:
    """Print the board of ``tasks`` and hand it to the ``leaderboard_ready`` hook (W&B table)."""
    from harness.leaderboard import build_leaderboard
    from harness.records import RecordStore
    from harness.render import render, render_terminal

    registry = get_registry()
    settings = Settings.from_config(cfg.paths, cfg.logger)
    store = RecordStore(settings.runs_dir)
    records = [r for task in tasks for r in store.iter_records(task)]
    if not records:
        return
    board = build_leaderboard(records, registry)
    print(render_terminal(board), flush=True)
    page = settings.results_dir / "leaderboard.html"
    try:
        page.write_text(render(board, "html"), encoding="utf-8")
        print(f"the board as a web page: {page.resolve().as_uri()}", flush=True)
    except OSError as exc:
        print(f"warning: could not write {page}: {exc.strerror or exc}", file=sys.stderr)
    notify(registry.pm, "spectral_harness_leaderboard_ready", board=board, settings=settings)


class LeaderboardCallback(Callback):
    """Prints the leaderboard after a single run or a whole sweep (in the launching process).

    ``tasks`` are the sweep's planned tasks, which pre-flight hands over through the config
    (:func:`board_tasks_override`); without them (pre-flight did not run) a sweep's board shows
    the task of its config.
    """

    def __init__(self, tasks: Sequence[str] | None = None) -> None:
        self.tasks = [str(task) for task in tasks or ()]

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Show the board of the run's task."""
        _publish_guarded(config, [str(config.task.name)])

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Show the board of every task the sweep planned."""
        _publish_guarded(config, self.tasks or [str(config.task.name)])


def _publish_guarded(config: DictConfig, tasks: list[str]) -> None:
    """The board is a view of the records: failing to show it must not fail the sweep."""
    try:
        publish_leaderboard(config, tasks)
    except Exception as exc:
        print(
            f"warning: could not show the leaderboard ({type(exc).__name__}: {exc}); "
            "the records are saved: run `spectral-harness leaderboard`",
            file=sys.stderr,
        )
