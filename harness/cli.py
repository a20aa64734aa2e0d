"""The ``spectral-harness`` command. Listing commands never import torch, so they answer at once."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from harness.errors import UserError

if TYPE_CHECKING:
    from harness.plugins import Registry

RUN_HELP = """\
usage: spectral-harness run [--force] [-m] [hydra overrides ...]

Run one cell, or a sweep with -m (any Hydra launcher: hydra/launcher=joblib, submitit_local,
slurm). Cells whose record is already `ok` are skipped (resume); --force reruns them.

examples:
  spectral-harness run task=inr_audio method=winner seed=0
  spectral-harness run -m task=inr_audio method=siren,winner,fourier_features seed=0,1,2
  spectral-harness run -m experiment=quickstart hydra/launcher=joblib
  spectral-harness run --cfg job task=inr_image          # show the composed config
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of ``python -m harness``."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "run":
            return _run(args[1:])
        return _dispatch(_parser().parse_args(args))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `spectral-harness leaderboard | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spectral-harness",
        description="Benchmark spectral ML methods: Hydra sweeps of tasks × methods × seeds, "
        "plugin methods, leaderboards from run records.",
        epilog="Environment: HARNESS_DATA_DIR, HARNESS_RESULTS_DIR, HARNESS_CACHE_DIR, "
        "HARNESS_OFFLINE=1, HARNESS_BLOCK_PLUGINS=a,b.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run cells or sweeps (Hydra overrides; see `run --help`)")
    plugins = sub.add_parser(
        "plugins", help="installed plugins: version, state (loaded/hookless/blocked/failed), hooks"
    )
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    slots = sub.add_parser("slots", help="slots (task ↔ method contracts), their tasks and methods")
    slots.add_argument("name", nargs="?", help="show this slot in full")
    sub.add_parser("tasks", help="tasks, their slots, metrics and scales")
    sub.add_parser("probes", help="probes: measurements of any trained model (probes=[…])")
    methods = sub.add_parser("methods", help="methods and the slot each fills")
    methods.add_argument("--slot", help="only methods for this slot")
    board = sub.add_parser("leaderboard", help="aggregate run records into a leaderboard")
    board.add_argument("--task", help="only this task")
    board.add_argument("--format", choices=["text", "md", "csv", "html", "json"], default="text")
    board.add_argument("--out", help="write to this file instead of standard output")
    board.add_argument(
        "--all-versions",
        action="store_true",
        help="also show records of other code than the installed plugins', labelled",
    )
    board.add_argument(
        "--metrics",
        choices=["costs", "scores", "diagnostics", "all"],
        default="costs",
        help="what the text/md/html tables show beside the primary score: costs (default), "
        "scores (secondary scores and costs), diagnostics (e.g. probes' <probe>/<metric>), "
        "or all; csv and json hold every metric",
    )
    claims = sub.add_parser(
        "claims", help="papers' claims judged on the run records: verdict with its 95%% CI"
    )
    claims.add_argument("--task", help="only claims about this task")
    claims.add_argument(
        "--all",
        action="store_true",
        help="also list claims about tasks without records here (as `not run`)",
    )
    claims.add_argument("--format", choices=["text", "md", "csv", "json"], default="text")
    claims.add_argument("--out", help="write to this file instead of standard output")
    curves = sub.add_parser(
        "curves",
        help="convergence from the curves kept with the records: value at 25/50/75/100%% of "
        "each run, best, and whether the rows were still improving",
    )
    curves.add_argument("--task", help="only this task's records")
    curves.add_argument(
        "--curve", help="the curve to read (default: the task's eval/ curve, or eval/<primary>)"
    )
    curves.add_argument(
        "--within",
        type=float,
        default=0.05,
        help="how close to its best (relative) a seed must come to count as there (0.05)",
    )
    curves.add_argument(
        "--goal",
        choices=["min", "max"],
        help="whether lower or higher is better (default: as logged with the curve, or the "
        "task's metric of that name)",
    )
    curves.add_argument("--format", choices=["text", "md", "csv"], default="text")
    curves.add_argument("--out", help="write to this file instead of standard output")
    report = sub.add_parser(
        "report", help="a static results site from the run records (tasks, ranks, plots, curves)"
    )
    report.add_argument("--out", required=True, help="the site's folder (replaced if present)")
    report.add_argument("--task", help="only this task")
    report.add_argument(
        "--results",
        action="append",
        help="a results directory to read (repeatable; default: HARNESS_RESULTS_DIR)",
    )
    report.add_argument(
        "--all-versions",
        action="store_true",
        help="also show records of other code than the installed plugins', labelled",
    )
    upgrade = sub.add_parser(
        "upgrade-identity",
        help="give records of the installed code made before closure identities their closure "
        "identity (same code, so they stay current as their family grows)",
    )
    upgrade.add_argument("--results", help="a results directory (default: HARNESS_RESULTS_DIR)")
    data = sub.add_parser("data", help="datasets in the data directory")
    data.add_argument("action", choices=["check"], help="check: which datasets are present")
    return parser


def _run(args: list[str]) -> int:
    if args and args[0] in ("-h", "--help"):
        print(RUN_HELP)
        return 0
    import os

    from harness.settings import default_cache_dir, default_data_dir, default_results_dir

    # Absolute paths in the environment reach every launcher's worker processes unchanged.
    os.environ["HARNESS_RESULTS_DIR"] = str(default_results_dir())
    os.environ["HARNESS_DATA_DIR"] = str(default_data_dir())
    os.environ["HARNESS_CACHE_DIR"] = str(default_cache_dir())
    overrides = [arg for arg in args if arg != "--force"]
    if "--force" in args:
        overrides.append("force=true")
    from harness.app import main as run_main

    return run_main(overrides)


def _dispatch(ns: argparse.Namespace) -> int:
    from harness.plugins import did_you_mean, get_registry

    registry = get_registry()
    if ns.command == "plugins":
        return _plugins(registry, ns.json)
    if ns.command == "slots":
        return _slots(registry, ns.name)
    if ns.command == "tasks":
        _tasks(registry)
        return 0
    if ns.command == "probes":
        _probes(registry)
        return 0
    if ns.command == "upgrade-identity":
        return _upgrade_identity(registry, ns.results)
    if ns.command == "methods":
        if ns.slot and ns.slot not in registry.slots:
            raise UserError(
                f"unknown slot {ns.slot!r}{did_you_mean(ns.slot, registry.slots)}; slots: "
                f"{', '.join(sorted(registry.slots)) or 'none'}"
            )
        for method in sorted(registry.methods.values(), key=lambda m: (m.slot, m.name)):
            if ns.slot and method.slot != ns.slot:
                continue
            kind = "baseline" if method.is_baseline else "method"
            paper = f"  [{method.paper.title}]" if method.paper else ""
            print(f"{method.name:<18} slot={method.slot:<16} {kind:<8} {method.summary}{paper}")
        return 0
    if ns.command == "leaderboard":
        return _leaderboard(registry, ns.task, ns.format, ns.out, ns.all_versions, ns.metrics)
    if ns.command == "claims":
        return _claims(registry, ns.task, ns.format, ns.out, ns.all)
    if ns.command == "curves":
        return _curves(registry, ns.task, ns.curve, ns.within, ns.goal, ns.format, ns.out)
    if ns.command == "report":
        return _report(registry, ns.out, ns.task, ns.results, ns.all_versions)
    return _data_check(registry)


def _tasks(registry: Registry) -> None:
    """One line per task in aligned columns; methods in their plugins' order, papers' first."""
    tasks = sorted(registry.tasks.values(), key=lambda t: t.name)
    rows = []
    for task in tasks:
        metric = task.metric(task.primary)
        methods = [m for (slot, _), m in registry.methods.items() if slot == task.slot]
        ordered = [m.name for m in methods if not m.is_baseline]
        ordered += [m.name for m in methods if m.is_baseline]
        rows.append(
            [
                task.name,
                f"slot={task.slot}",
                f"{metric.name} ({metric.goal})",
                f"scales={','.join(task.scales)}",
                f"methods: {', '.join(ordered)}",
            ]
        )
    widths = [max((len(row[n]) for row in rows), default=0) for n in range(4)]
    for task, row in zip(tasks, rows, strict=True):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[4])
        if task.summary:
            print(f"{'':<{widths[0]}}  {task.summary}")


def _upgrade_identity(registry: Registry, results: str | None) -> int:
    from pathlib import Path

    from harness.records import RecordStore
    from harness.settings import Settings
    from harness.upgrade import upgrade_legacy_identities

    runs_dir = Path(results) / "runs" if results else Settings.from_env().runs_dir
    count = upgrade_legacy_identities(RecordStore(runs_dir), registry)
    print(
        f"{runs_dir}: {count.upgraded} record(s) upgraded to closure identities, "
        f"{count.current} had one, {count.left} left as they are (other code or not installed)"
    )
    return 0


def _probes(registry: Registry) -> None:
    """One line per probe: what it reads, its metrics and options, and its plugin."""
    import dataclasses

    if not registry.probes:
        print("no probes installed (a plugin registers them with spectral_harness_register_probes)")
        return
    width = max(len(name) for name in registry.probes) + 2
    for name, probe in sorted(registry.probes.items()):
        needs = "model+loss" if "loss" in probe.needs else "model"
        track = ", also during training" if probe.track else ""
        print(
            f"{name:<{width}}reads {needs}{track}: {probe.summary}  [plugin "
            f"{registry.plugin_of('probe', probe)}]"
        )
        metrics = ", ".join(probe.metric_name(m.name) for m in probe.metrics) or "none declared"
        options = ", ".join(
            f"probe_options.{name}.{f.name}={f.default!r}" for f in dataclasses.fields(probe.config)
        )
        print(f"{'':<{width}}metrics: {metrics}")
        if options:
            print(f"{'':<{width}}options: {options}")


def _plugins(registry: Registry, as_json: bool) -> int:
    from harness.plugins import plugin_table

    rows = plugin_table(registry.pm)
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    wheres = [f"{r['distribution']} {r['version']}" if r["distribution"] else "host" for r in rows]
    name_width = max((len(str(row["name"])) for row in rows), default=0) + 2
    where_width = max(map(len, wheres), default=0) + 2
    for row, where in zip(rows, wheres, strict=True):
        detail = {
            "loaded": ", ".join(row["hooks"]),
            "hookless": "implements no hook (is @hookimpl missing?)",
            "blocked": "not loaded: named in HARNESS_BLOCK_PLUGINS",
            "failed": row["error"],
        }[str(row["state"])]
        print(f"{row['name']:<{name_width}}{where:<{where_width}}{row['state']:<10}{detail}")
    return 0


def _slots(registry: Registry, name: str | None) -> int:
    """Every slot in brief, or one slot in full."""
    if name is None:
        for slot in sorted(registry.slots.values(), key=lambda s: s.name):
            print(f"{slot.name:<18} {slot.summary}  [plugin {registry.plugin_of('slot', slot)}]")
            print(f"{'':<18} tasks: {', '.join(registry.tasks_for_slot(slot.name)) or 'none'}")
            print(f"{'':<18} methods: {', '.join(registry.methods_for_slot(slot.name)) or 'none'}")
        return 0
    if name not in registry.slots:
        raise UserError(
            f"unknown slot {name!r}; slots: {', '.join(sorted(registry.slots)) or 'none'}"
        )
    slot = registry.slots[name]
    fields = {
        "slot": slot.name,
        "summary": slot.summary,
        "plugin": registry.plugin_of("slot", slot),
        "problem": slot.problem,
        "component": slot.component,
        "result": slot.result or "(not declared)",
        "check": slot.check if isinstance(slot.check, str) else _callable_name(slot.check),
        "tasks": ", ".join(registry.tasks_for_slot(name)) or "none",
        "methods": ", ".join(registry.methods_for_slot(name)) or "none",
    }
    for key, value in fields.items():
        label = f"{key + ':':<11}"
        # break at spaces only: a reference such as module:function stays whole
        text = textwrap.fill(
            value or "-",
            width=100,
            initial_indent=label,
            subsequent_indent=" " * len(label),
            break_long_words=False,
            break_on_hyphens=False,
        )
        print(text)
    return 0


def _callable_name(fn: object) -> str:
    if fn is None:
        return "(no probe)"
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"


def _leaderboard(
    registry: Registry,
    task: str | None,
    fmt: str,
    out: str | None,
    all_versions: bool,
    metrics: str = "costs",
) -> int:
    import dataclasses

    from harness.leaderboard import build_leaderboard
    from harness.records import RecordStore
    from harness.render import render
    from harness.settings import Settings

    if task is not None:
        registry.task(task)  # an unknown task is said so, not "no run records"
    settings = Settings.from_env()
    runs = RecordStore(settings.runs_dir).runs_table(task)
    if not runs.columns["run_id"]:
        where = f" for task {task!r}" if task else ""
        raise UserError(
            f"no run records{where} in {settings.runs_dir}; run a sweep first "
            "or set HARNESS_RESULTS_DIR"
        )
    board = dataclasses.replace(build_leaderboard(runs, registry, all_versions), shown=metrics)
    _emit(render(board, fmt), out)
    return 0


def _curves(
    registry: Registry,
    task: str | None,
    curve: str | None,
    within: float,
    goal: str | None,
    fmt: str,
    out: str | None,
) -> int:
    """The convergence table of the current records (of ``task``)."""
    from harness.curves import convergence, render_convergence
    from harness.leaderboard import build_leaderboard
    from harness.records import RecordStore
    from harness.settings import Settings

    if task is not None:
        registry.task(task)
    settings = Settings.from_env()
    store = RecordStore(settings.runs_dir)
    runs = store.runs_table(task)
    if not runs.columns["run_id"]:
        where = f" for task {task!r}" if task else ""
        raise UserError(f"no run records{where} in {settings.runs_dir}; run a sweep first")
    board = build_leaderboard(runs, registry)
    table = convergence(board, store, curve, within, strict=task is not None, goal=goal)
    _emit(render_convergence(table, fmt, within), out)
    return 0


def _claims(
    registry: Registry, task: str | None, fmt: str, out: str | None, show_all: bool = False
) -> int:
    """Every installed claim (of ``task``), judged on the installed code's records.

    Claims about tasks with no record in the results directory (another family's board) are
    left out, with a line saying how many, unless ``show_all`` or ``task`` asks for them.
    """
    from harness.claims import evaluate_claims
    from harness.leaderboard import build_leaderboard
    from harness.records import RecordStore
    from harness.render import render_claims
    from harness.settings import Settings

    if task is not None:
        registry.task(task)  # an unknown task is one line, not "no claims"
    claims = [c for c in registry.claims.values() if task is None or c.task == task]
    if not claims:
        where = f" about task {task!r}" if task else ""
        raise UserError(f"no installed plugin declares claims{where}")
    settings = Settings.from_env()
    records = list(RecordStore(settings.runs_dir).iter_records(task))
    board = build_leaderboard(records, registry)
    recorded = {record.task for record in records}
    shown = [c for c in claims if show_all or task is not None or c.task in recorded]
    text = render_claims(evaluate_claims(board, shown), fmt)
    _emit(text, out)
    hidden = len(claims) - len(shown)
    if hidden:
        print(
            f"note: {hidden} claim(s) about tasks without records in {settings.runs_dir} are "
            "not shown (--all lists them as not run)",
            file=sys.stderr,
        )
    return 0


def _report(
    registry: Registry,
    out: str,
    task: str | None,
    results: list[str] | None,
    all_versions: bool,
) -> int:
    """Build the static results site of the records into ``out``."""
    from pathlib import Path

    from harness.settings import Settings
    from harness.site import build_site, collect

    if task is not None:
        registry.task(task)
    dirs = [Path(r) / "runs" for r in results] if results else [Settings.from_env().runs_dir]
    runs = collect(dirs, task)
    if not runs:
        where = ", ".join(str(d) for d in dirs)
        raise UserError(f"no run records in {where}; run a sweep first or pass --results DIR")
    index = build_site(runs, Path(out), registry, all_versions)
    print(f"{len(runs)} records → {index.resolve().as_uri()}")
    return 0


def _emit(text: str, out: str | None) -> None:
    """Write ``text`` to ``out``, or print it."""
    if out:
        from pathlib import Path

        Path(out).write_text(text, encoding="utf-8")
    else:
        print(text, end="" if text.endswith("\n") else "\n")


def _data_check(registry: Registry) -> int:
    """Each dataset: present, and every file matching its registered sha256 (memoised).

    Says where it looked and why there, and per dataset how many files were checked against a
    registered sha256; it never downloads.
    """
    from harness.errors import DataCorruptError
    from harness.runner import data_store
    from harness.settings import Settings, data_dir_origin

    settings = Settings.from_env(allow_download=False)
    store = data_store(registry, settings)
    print(f"data directory: {settings.data_dir} ({data_dir_origin()})")
    complete = True
    for name in sorted(store.datasets):
        files = store.datasets[name].files
        total = len(files)
        missing = store.missing_files(name)
        if missing:
            complete = False
            print(f"✗ {name:<20} {total - len(missing)}/{total} files (missing e.g. {missing[0]})")
            continue
        try:
            checksum = store.checksum(name)
        except DataCorruptError as exc:
            complete = False
            print(f"✗ {name:<20} {exc}")
            continue
        hashed = sum(1 for remote in files.values() if remote.sha256)
        verified = f"sha256 verified {hashed}/{total}" + (
            f" ({total - hashed} with no registered sha256)" if hashed < total else ""
        )
        print(f"✓ {name:<20} {total}/{total} files, {verified}; dataset sha256 {checksum[:16]}")
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
