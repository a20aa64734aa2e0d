"""A static results site built from run records: ``spectral-harness report --out DIR``.

One self-contained folder (open ``index.html``, or serve it with ``python -m http.server``):

* ``index.html``: every task with its primary metric, leader, methods, seeds, failures and newest
  run, and a methods × tasks matrix of ranks (a method's standing across the benchmark);
* ``task/<task>.html``: the ranked table of every section (sortable by any column, filtered by
  section), the paper's number beside ours and the difference, the claims' verdicts, and a plot
  per metric (mean ± 95 % CI as bars, each seed a dot);
* ``cell/<task>/<method>/<run_id>.html``: a run's config, provenance and metrics, and a plot of
  each curve it kept (``ctx.log_metrics``) and of each 1-D array it saved (``ctx.save_arrays``).

Plots are matplotlib SVG files beside the pages; the only script is ``site.js`` (sorting,
filtering, and a self-check that the browser test runs with ``#selftest``).
"""

from __future__ import annotations

import html
import json
import math
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import UserError
from harness.numbers import format_number
from harness.records import RecordError, RecordStore, RunRecord

if TYPE_CHECKING:
    from harness.leaderboard import Leaderboard, Section
    from harness.plugins import Registry

ASSETS = Path(__file__).resolve().parent / "site_assets"
ARROW = {"max": "↑", "min": "↓"}
MARKER = ".spectral-harness-site"


@dataclass(frozen=True)
class StoredRun:
    """A record and the store it was read from (where its artifacts are)."""

    record: RunRecord
    store: RecordStore


def collect(runs_dirs: Sequence[Path], task: str | None = None) -> list[StoredRun]:
    """Every valid record under ``runs_dirs`` (each a results directory's ``runs/``)."""
    found = []
    for runs_dir in runs_dirs:
        store = RecordStore(runs_dir)
        found += [StoredRun(r, store) for r in store.iter_records(task)]
    return found


def build_site(
    runs: Sequence[StoredRun],
    out: Path,
    registry: Registry | None = None,
    all_versions: bool = False,
) -> Path:
    """Write the site of ``runs`` into ``out`` (replacing an earlier site there); returns the
    index page. With a registry, only the installed code's records count unless
    ``all_versions`` (as on the leaderboard)."""
    from harness.leaderboard import build_leaderboard

    board = build_leaderboard([r.record for r in runs], registry, all_versions)
    _clear(out)
    (out / "plots").mkdir(parents=True)
    (out / MARKER).write_text("a site written by `spectral-harness report`\n", encoding="utf-8")
    shutil.copy(ASSETS / "site.js", out / "site.js")
    shutil.copy(ASSETS / "site.css", out / "site.css")
    kept = set(board.runs["run_id"])  # the installed code's records (see build_leaderboard)
    by_task: dict[str, list[StoredRun]] = {}
    for run in runs:
        if run.record.run_id in kept:
            by_task.setdefault(run.record.task, []).append(run)
    sections = board.sections() if not board.table.empty else []
    tasks = sorted({key[0] for key in sections})
    for task in tasks:
        _task_page(board, task, [k for k in sections if k[0] == task], out, by_task.get(task, []))
        for run in by_task.get(task, []):
            _cell_page(run, out)
    index = out / "index.html"
    index.write_text(_index_page(board, tasks, by_task), encoding="utf-8")
    return index


def _clear(out: Path) -> None:
    """Remove an earlier site at ``out``; refuse to touch a folder that holds anything else."""
    if not out.exists():
        return
    if not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file()):
        raise UserError(
            f"{out} exists and is not a site written by `spectral-harness report`: choose "
            "another --out (it replaces only an earlier site)"
        )
    shutil.rmtree(out)


# ---------------------------------------------------------------- pages


def _page(title: str, body: str, depth: int) -> str:
    up = "../" * depth
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><link rel='stylesheet' href='{up}site.css'>"
        f"<script src='{up}site.js' defer></script></head><body>"
        f"<nav><a href='{up}index.html'>Spectral Harness results</a></nav>"
        f"<h1>{_e(title)}</h1>\n{body}\n</body></html>\n"
    )


def _index_page(board: Leaderboard, tasks: list[str], by_task: dict[str, list[StoredRun]]) -> str:
    table = board.table
    rows = []
    for task in tasks:
        rows_of_task = table[table["task"] == task]
        first = rows_of_task.iloc[0]
        best = rows_of_task.sort_values(
            ["rank", "primary_mean"], ascending=[True, first["goal"] == "min"]
        )
        leader = best.iloc[0]
        runs = by_task.get(task, [])
        newest = max((r.record.ended_at or r.record.started_at for r in runs), default="")
        rows.append(
            [
                f"<a href='task/{_e(task)}.html'>{_e(task)}</a>",
                _e(f"{first['primary_metric']} {ARROW.get(first['goal'], '')}"),
                _e(f"{leader['label']} ({_fmt(leader['primary_mean'])})")
                if leader["n_seeds"]
                else "–",
                str(rows_of_task["method"].nunique()),
                str(int(rows_of_task["n_seeds"].sum())),
                str(int(rows_of_task["failed"].sum())),
                _e(newest[:10]),
            ]
        )
    header = [
        "task",
        "primary metric",
        "leader (mean)",
        "methods",
        "seeds",
        "failures",
        "newest run",
    ]
    body = "<h2>Tasks</h2>" + _table(header, rows, sortable=True)
    body += "<h2>Methods × tasks: rank</h2>" + _rank_matrix(board, tasks)
    notes = "".join(f"<p class='note'>{_e(n)}</p>" for n in board.notes)
    return _page("Spectral Harness results", notes + body, 0)


def _rank_matrix(board: Leaderboard, tasks: list[str]) -> str:
    """Each method's rank in each task (its best rank over the task's sections)."""
    table = board.table
    methods = sorted(table["method"].unique())
    rows = []
    for method in methods:
        cells = [_e(method)]
        for task in tasks:
            ranks = table[(table["task"] == task) & (table["method"] == method)]["rank"].dropna()
            cells.append(str(int(ranks.min())) if len(ranks) else "")
        rows.append(cells)
    return _table(["method", *tasks], rows, sortable=True, cls="matrix")


def _task_page(
    board: Leaderboard, task: str, keys: list[Section], out: Path, stored: list[StoredRun]
) -> None:
    from harness.claims import claims_of_section

    labels = [_section_label(key) for key in keys]
    parts = []
    if len(keys) > 1:
        options = "".join(f"<option>{_e(label)}</option>" for label in labels)
        parts.append(
            "<label>section <select class='section-filter'>"
            f"<option value=''>all</option>{options}</select></label>"
        )
    header = [
        "section",
        "rank",
        "method",
        "seeds",
        "mean",
        "std",
        "95% CI",
        "paper",
        "ours − paper",
        "failed",
    ]
    rows = []
    for key, label in zip(keys, labels, strict=True):
        for r in board.section(*key).itertuples():
            diff = r.primary_mean - r.paper if _finite(r.paper) else math.nan
            rows.append(
                [
                    _e(label),
                    "–" if _missing(r.rank) else str(r.rank),
                    _e(str(r.label)),
                    str(r.n_seeds),
                    _fmt(r.primary_mean),
                    _fmt(r.primary_std),
                    f"[{_fmt(r.ci95_low)}, {_fmt(r.ci95_high)}]",
                    _fmt(r.paper),
                    _fmt(diff),
                    str(r.failed),
                ]
            )
    parts.append(_table(header, rows, sortable=True, cls="board"))
    claims = [c for key in keys for c in claims_of_section(board.claims, key)]
    if claims:
        items = "".join(
            f"<li><span class='verdict {_e(c.verdict.replace(' ', '-'))}'>{_e(c.verdict)}</span> "
            f"{_e(c.summary())}</li>"
            for c in claims
        )
        parts.append(f"<h2>Claims</h2><ul class='claims'>{items}</ul>")
    for key, label in zip(keys, labels, strict=True):
        plots = [
            _img(_metric_plot(board, key, metric, out), 1, f"{metric} by method")
            for metric in _metrics_of(board, key)
        ]
        runs = board.section_runs(*key)
        section_ids = set(runs["run_id"])
        plots += _artifact_panels(
            [run for run in stored if run.record.run_id in section_ids], key, out
        )
        cells = [
            f"<li><a href='../cell/{_e(task)}/{_e(r.method)}/{_e(r.run_id)}.html'>"
            f"{_e(r.method)} seed {r.seed}</a> {_e(r.status)}</li>"
            for r in runs.sort_values(["method", "seed"]).itertuples()
        ]
        parts.append(
            f"<section class='section' data-section='{_e(label)}'><h2>{_e(label)}</h2>"
            f"<div class='plots'>{''.join(plots)}</div>"
            f"<details><summary>runs ({len(cells)})</summary><ul>{''.join(cells)}</ul>"
            "</details></section>"
        )
    (out / "task").mkdir(exist_ok=True)
    page = _page(f"{task}", "".join(parts), 1)
    (out / "task" / f"{task}.html").write_text(page, encoding="utf-8")


def _cell_page(run: StoredRun, out: Path) -> None:
    record = run.record
    folder = out / "cell" / record.task / record.method
    folder.mkdir(parents=True, exist_ok=True)
    provenance = {
        "status": record.status,
        "started": record.started_at,
        "ended": record.ended_at,
        "attempt": record.attempt,
        "git sha": record.git_sha,
        "versions": record.versions,
        "code": record.code,
        "device": record.device,
        "trainer": record.trainer,
        "data (sha256)": {**record.data, **record.user_data},
        "seconds": {
            "train": record.train_seconds,
            "eval": record.eval_seconds,
            "wall": record.wall_seconds,
            "cpu": record.cpu_seconds,
        },
    }
    parts = [
        f"<p><a href='../../../task/{_e(record.task)}.html'>{_e(record.task)}</a> · "
        f"{_e(record.method)} · seed {record.seed} · scale {_e(record.scale)} · "
        f"<span class='verdict {_e(record.status)}'>{_e(record.status)}</span></p>",
        "<h2>Metrics</h2>",
        _table(["metric", "value"], [[_e(k), _fmt(v)] for k, v in record.metrics.items()]),
    ]
    if record.error:
        parts.append(f"<h2>Error</h2><pre>{_e(json.dumps(record.error, indent=1))}</pre>")
    plots = []
    stem = f"{record.task}-{record.method}-{record.run_id}"
    try:
        curves = run.store.read_artifact(record, "curves") if "curves" in record.artifacts else {}
    except RecordError as exc:
        curves = {}
        parts.append(f"<p class='note'>curves not shown: {_e(str(exc))}</p>")
    for name, series in sorted(curves.items()):
        path = out / "plots" / f"{stem}-curve-{_slug(name)}.svg"
        _line_plot(path, name, series.get("step", []), series.get("value", []), "step")
        plots.append(_img(path, 3, f"curve {name}"))
    for name in sorted(set(record.artifacts) - {"curves"}):
        try:
            arrays = run.store.read_artifact(record, name)
        except RecordError as exc:
            parts.append(f"<p class='note'>{_e(name)} not shown: {_e(str(exc))}</p>")
            continue
        if _plottable(arrays):
            path = out / "plots" / f"{stem}-array-{_slug(name)}.svg"
            plt = _pyplot()
            fig, ax = plt.subplots(figsize=(4.6, 2.8))
            _draw_arrays(ax, arrays, name)
            _save(fig, path)
            plots.append(_img(path, 3, f"arrays {name}"))
    if plots:
        parts.append(f"<h2>Curves</h2><div class='plots'>{''.join(plots)}</div>")
    parts.append(f"<h2>Config</h2><pre>{_e(json.dumps(record.config, indent=1))}</pre>")
    parts.append(f"<h2>Provenance</h2><pre>{_e(json.dumps(provenance, indent=1))}</pre>")
    title = f"{record.task} / {record.method} / seed {record.seed}"
    (folder / f"{record.run_id}.html").write_text(_page(title, "".join(parts), 3), encoding="utf-8")


# ---------------------------------------------------------------- plots


def _metrics_of(board: Leaderboard, key: Section) -> list[str]:
    """Every metric some run of the section reports: the primary one first."""
    runs = board.section_runs(*key)
    primary = str(runs["primary_metric"].iloc[0])
    names = [c.removeprefix("metric:") for c in runs if c.startswith("metric:")]
    present = [n for n in names if runs[f"metric:{n}"].notna().any()]
    return sorted(present, key=lambda n: (n != primary, n))


def _metric_plot(board: Leaderboard, key: Section, metric: str, out: Path) -> Path:
    """Bars: each method's mean over its ``ok`` seeds ± the 95 % Student-t CI; dots: the seeds."""
    import numpy as np

    from harness.numbers import ci95_half_width

    plt = _pyplot()
    runs = board.section_runs(*key)
    ok = runs[runs["status"] == "ok"]
    column = f"metric:{metric}"
    methods = sorted(runs["method"].unique())
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(methods), 3.2))
    for x, method in enumerate(methods):
        values = ok[ok["method"] == method][column].dropna().to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if not len(values):
            continue
        mean = float(values.mean())
        half = ci95_half_width(values) if len(values) > 1 else 0.0
        ax.bar(x, mean, color="#9ecae1", yerr=half, capsize=4, edgecolor="#3182bd")
        jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else [0.0]
        ax.scatter(np.asarray(jitter) + x, values, color="#08306b", s=14, zorder=3)
    ax.set_xticks(range(len(methods)), methods, rotation=20, ha="right")
    goal = _goal_of(board, key, metric)
    ax.set_ylabel(f"{metric} {ARROW.get(goal, '')}".strip())
    ax.set_title(f"{metric} (mean ± 95% CI, dots: seeds)", fontsize=9)
    path = out / "plots" / f"{_slug('-'.join(key))}-{_slug(metric)}.svg"
    _save(fig, path)
    return path


AXIS_KEYS = ("x", "step", "grid")  # an artifact's 1-D key that the other arrays are drawn against
MAX_LINES = 12


def _axis(arrays: dict[str, Any]) -> tuple[str, Any] | None:
    """The artifact's x axis: a 1-D ``x``/``step``/``grid`` array, else its longest strictly
    increasing 1-D array (a step or ε grid), if any."""
    import numpy as np

    vectors = {k: a for k, a in arrays.items() if getattr(a, "ndim", 0) == 1 and a.size > 2}
    for key in AXIS_KEYS:
        if key in vectors:
            return key, vectors[key]
    with np.errstate(invalid="ignore"):  # an array holding inf or NaN is no axis, silently
        rising = [
            (a.size, k)
            for k, a in sorted(vectors.items())
            if np.issubdtype(a.dtype, np.number)
            and not np.iscomplexobj(a)
            and bool(np.all(np.diff(a) > 0))
        ]
    if not rising:
        return None
    key = max(rising, key=lambda item: item[0])[1]
    return key, vectors[key]


def _series(arrays: dict[str, Any]) -> list[tuple[str, Any]]:
    """The arrays of an artifact drawn as lines against its axis (or their index): 1-D ones of
    the axis's length, and 2-D ones with a dimension of that length (the other dimension's
    entries are the lines: frequencies, graphs). Only numbers are drawn: a complex array as its
    modulus (named ``|key|``: its real part alone would misstate it), text not at all."""
    import numpy as np

    axis = _axis(arrays)
    length = axis[1].size if axis else None
    found = []
    for key, array in sorted(arrays.items()):
        ndim = getattr(array, "ndim", 0)
        if (axis and key == axis[0]) or ndim not in (1, 2) or array.shape[0] < 2:
            continue
        if not np.issubdtype(array.dtype, np.number):
            continue
        if np.iscomplexobj(array):
            key, array = f"|{key}|", np.abs(array)
        if length is None or array.shape[0] == length:
            found.append((key, array))
        elif ndim == 2 and array.shape[1] == length:
            found.append((key, array.T))
    return found


def _plottable(arrays: dict[str, Any]) -> bool:
    return bool(_series(arrays))


def _draw_arrays(ax: Any, arrays: dict[str, Any], title: str) -> None:
    """Draw an artifact on ``ax``: each 1-D array as a line, each 2-D array as one line per
    column (up to 12), against the artifact's axis (see :func:`_axis`). A 1-D array with one
    entry per line (``labels``, ``frequency``) labels the lines; an axis spanning more than two
    decades is drawn on a log scale."""
    import numpy as np

    axis = _axis(arrays)
    for key, array in _series(arrays):
        x = axis[1] if axis else range(array.shape[0])
        if array.ndim == 1:
            ax.plot(x, array, label=key)
            continue
        names = _line_labels(arrays, key, array.shape[1], axis[0] if axis else None)
        for j in range(min(array.shape[1], MAX_LINES)):
            ax.plot(x, array[:, j], label=names[j])
    if axis and np.all(axis[1] > 0) and axis[1].max() > 100 * axis[1].min():
        ax.set_xscale("log")
    ax.set_xlabel(axis[0] if axis else "index")
    ax.set_title(title, fontsize=9)
    if len(ax.get_lines()) > 1:
        ax.legend(fontsize=6)


def _line_labels(arrays: dict[str, Any], key: str, count: int, axis: str | None) -> list[str]:
    """Names of a 2-D array's lines: the artifact's ``labels``, else its only other 1-D array
    with one entry per line, else ``key[j]``."""
    candidates = [
        k
        for k, a in sorted(arrays.items())
        if k not in (key, axis) and getattr(a, "ndim", 0) == 1 and len(a) == count
    ]
    chosen = (
        "labels" if "labels" in candidates else (candidates[0] if len(candidates) == 1 else None)
    )
    if chosen is None:
        return [f"{key}[{j}]" for j in range(count)]
    return [str(v) for v in arrays[chosen]]


def _artifact_panels(stored: list[StoredRun], key: Section, out: Path) -> list[str]:
    """Per saved artifact (spectra, densities, per-frequency curves), one figure with one panel
    per method (its lowest ok seed), so methods are compared side by side."""
    first: dict[str, StoredRun] = {}
    for run in sorted(stored, key=lambda r: (r.record.method, r.record.seed)):
        if run.record.status == "ok":
            first.setdefault(run.record.method, run)
    names = sorted({n for run in first.values() for n in run.record.artifacts} - {"curves"})
    images = []
    for name in names:
        panels = []
        for method, run in first.items():
            if name not in run.record.artifacts:
                continue
            try:
                arrays = run.store.read_artifact(run.record, name)
            except RecordError:
                continue
            if _plottable(arrays):
                panels.append((method, arrays))
        if not panels:
            continue
        plt = _pyplot()
        fig, axes = plt.subplots(
            1, len(panels), figsize=(3.2 * len(panels), 2.8), sharey=True, squeeze=False
        )
        for ax, (method, arrays) in zip(axes[0], panels, strict=True):
            _draw_arrays(ax, arrays, f"{method}")
        fig.suptitle(f"{name} (one panel per method, lowest seed)", fontsize=9)
        path = out / "plots" / f"{_slug('-'.join(key))}-artifact-{_slug(name)}.svg"
        _save(fig, path)
        images.append(_img(path, 1, f"{name} by method"))
    return images


def _save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, format="svg")
    _pyplot().close(fig)


def _line_plot(path: Path, name: str, x: Iterable[float], y: Iterable[float], xlabel: str) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 2.8))
    ax.plot(list(x), list(y), color="#3182bd", marker="." if len(list(y)) < 40 else None)
    ax.set_xlabel(xlabel)
    ax.set_title(name, fontsize=9)
    _save(fig, path)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("svg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "svg.fonttype": "none", "svg.hashsalt": "harness"})
    return plt


def _goal_of(board: Leaderboard, key: Section, metric: str) -> str:
    task = board.tasks.get(key[0])
    if task is not None and task.declares(metric):
        return str(task.metric(metric).goal or "")
    runs = board.section_runs(*key)
    return str(runs["goal"].iloc[0]) if metric == runs["primary_metric"].iloc[0] else ""


# ---------------------------------------------------------------- html helpers


def _table(
    header: list[str], rows: list[list[str]], *, sortable: bool = False, cls: str = ""
) -> str:
    classes = " ".join(c for c in (cls, "sortable" if sortable else "") if c)
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        f"<tr data-section='{row[0] if cls == 'board' else ''}'>"
        + "".join(f"<td>{cell}</td>" for cell in row)
        + "</tr>"
        for row in rows
    )
    return f"<table class='{classes}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(path: Path, depth: int, alt: str) -> str:
    return f"<img src='{'../' * depth}plots/{_e(path.name)}' alt='{_e(alt)}'>"


def _section_label(key: Section) -> str:
    _, scale, variant, data = key
    label = f"scale={scale}"
    label += f", {variant}" if variant else ""
    return label + (f", user data {data}" if data else "")


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)[:120]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _missing(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _fmt(value: Any) -> str:
    if value is None or _missing(value):
        return "–"
    value = float(value)
    return format_number(value) if math.isfinite(value) else str(value)
