"""Render a leaderboard as terminal text, Markdown, CSV or one static HTML page with plots."""

from __future__ import annotations

import base64
import html
import io
import math

import pandas as pd

from harness.claims import ClaimResult, claims_of_section
from harness.leaderboard import Leaderboard, Section
from harness.numbers import format_number
from harness.specs import MetricSpec

ARROW = {"max": "↑", "min": "↓"}


def render(board: Leaderboard, fmt: str) -> str:
    """Render ``board`` in ``fmt``: ``text``, ``md``, ``csv`` or ``html``."""
    renderers = {
        "text": render_terminal,
        "md": render_markdown,
        "csv": render_csv,
        "html": render_html,
        "json": render_json,
    }
    return renderers[fmt](board)


def _rows(board: Leaderboard, key: Section) -> tuple[list[str], list[list[str]]]:
    """The primary score's columns, then one column per metric the board shows (mean over seeds;
    by default the costs, headed with the direction in which they are cheaper; see
    :attr:`Leaderboard.shown`), then the CPU seconds per seed where the records measured them.
    Diagnostics have no direction."""
    section = board.section(*key)
    shown = board.shown_metrics(key)
    header = ["rank", "method", "seeds", "mean ± std", "95% CI", "failed", "paper"]
    header += [_heading(name, spec) for name, spec in shown]
    cost_values = [section[f"{name}_mean"].map(format_number).tolist() for name, _ in shown]
    if section["cpu_seconds_mean"].notna().any():  # the host's own cost, where it was measured
        header.append("cpu s/seed (cost ↓)")
        cost_values.append(section["cpu_seconds_mean"].map(format_number).tolist())
    rows = [
        [
            "—" if pd.isna(r.rank) else str(r.rank),
            r.label,
            str(r.n_seeds),
            f"{format_number(r.primary_mean)} ± {format_number(r.primary_std)}",
            f"[{format_number(r.ci95_low)}, {format_number(r.ci95_high)}]",
            str(r.failed),
            format_number(r.paper),
            *(values[n] for values in cost_values),
        ]
        for n, r in enumerate(section.itertuples())
    ]
    return header, rows


def _heading(name: str, spec: MetricSpec | None) -> str:
    """A shown metric's column heading: its name, and for a score or a cost its direction."""
    if spec is None or spec.kind == "diagnostic":
        return name
    arrow = ARROW.get(spec.goal or "", "")
    return f"{name} (cost {arrow})" if spec.kind == "cost" else f"{name} {arrow}"


def section_name(key: Section) -> str:
    """A section as its tables title it: ``task (scale=…, <task fields>, user data …)``."""
    task, scale, variant, data = key
    where = f"scale={scale}" + (f", {variant}" if variant else "")
    where += f", user data {data}" if data else ""
    return f"{task} ({where})"


def _title(board: Leaderboard, key: Section) -> str:
    first = board.section(*key).iloc[0]
    return f"{section_name(key)} · {first['primary_metric']} {ARROW.get(first['goal'], '')}"


def text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """The lines of a fixed-width table: header, rule, rows."""
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return lines


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """The lines of a GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def render_json(board: Leaderboard) -> str:
    """The board's rows (every column of the CSV) and its claims' verdicts, as one JSON object;
    missing numbers are ``null``."""
    import json

    rows = [
        {k: _json_value(v) for k, v in row.items()} for row in board.table.to_dict(orient="records")
    ]
    claims = [{k: _json_value(v) for k, v in result.as_row().items()} for result in board.claims]
    return json.dumps({"notes": list(board.notes), "rows": rows, "claims": claims}, indent=1) + "\n"


def _json_value(value: object) -> object:
    """A JSON-safe scalar: NaN and pandas' missing values become ``None``."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    return value


def render_terminal(board: Leaderboard) -> str:
    """Fixed-width tables, one per task."""
    blocks = [f"note: {note}" for note in board.notes]
    if board.table.empty:
        return "\n".join([*blocks, "no run records found"])
    for key in board.sections():
        header, rows = _rows(board, key)
        lines = [_title(board, key), *text_table(header, rows)]
        lines += [f"claim {r.summary()}" for r in claims_of_section(board.claims, key)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def render_markdown(board: Leaderboard) -> str:
    """GitHub-flavoured Markdown tables, one per task."""
    blocks = [f"_Note: {note}_" for note in board.notes]
    if board.table.empty:
        return "\n\n".join([*blocks, "_no run records found_"]) + "\n"
    for key in board.sections():
        header, rows = _rows(board, key)
        lines = [f"### {_title(board, key)}", "", *markdown_table(header, rows)]
        claims = claims_of_section(board.claims, key)
        if claims:
            lines += ["", *(f"- **{r.verdict}**: {r.summary()}" for r in claims)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def render_csv(board: Leaderboard) -> str:
    """The full table: one row per (task, scale, variant, method, config), every metric's mean
    and std."""
    table = board.table.copy()
    primary = table["primary_metric"]
    # Name the primary metric's columns after it too (e.g. psnr_mean), as well as primary_*.
    for name in primary.dropna().unique():
        mask = primary == name
        if f"{name}_mean" not in table:
            table.loc[mask, f"{name}_mean"] = table.loc[mask, "primary_mean"]
            table.loc[mask, f"{name}_std"] = table.loc[mask, "primary_std"]
    return table.to_csv(index=False)


def render_html(board: Leaderboard) -> str:
    """One static page: per task, a table and a plot (mean per method, std error bars, seeds)."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<title>Spectral Harness leaderboard</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}"
        "table{border-collapse:collapse;margin:1rem 0}"
        "td,th{border:1px solid #ccc;padding:.3rem .6rem}"
        "th{background:#f3f3f3}img{max-width:100%}</style></head><body>",
        "<h1>Spectral Harness leaderboard</h1>",
        "<p>Rank = 1 + number of methods whose 95 % confidence interval lies entirely above "
        "(below, for metrics to minimise) this one's; overlapping intervals share a rank. "
        "Costs (parameters, time, throughput) stand beside the score with the direction in which "
        "they are cheaper and are never ranked; diagnostics have no direction and are in the "
        "CSV only.</p>",
        *(f"<p><em>Note: {html.escape(note)}</em></p>" for note in board.notes),
    ]
    for key in board.sections():
        header, rows = _rows(board, key)
        parts.append(f"<h2>{html.escape(_title(board, key))}</h2>")
        parts.append(
            "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"
        )
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
        parts.append("</table>")
        claims = claims_of_section(board.claims, key)
        if claims:
            parts.append(
                "<ul>"
                + "".join(
                    f"<li><strong>{html.escape(r.verdict)}</strong>: {html.escape(r.summary())}"
                    "</li>"
                    for r in claims
                )
                + "</ul>"
            )
        parts.append(
            f"<img alt='{html.escape(_title(board, key))}' "
            f"src='data:image/png;base64,{_plot(board, key)}'>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def _plot(board: Leaderboard, key: Section) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    section = board.section(*key)
    metric = section["primary_metric"].iat[0]
    runs = board.section_runs(*key)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(section)), 3.2), dpi=110)
    xs = range(len(section))
    ax.bar(
        xs,
        section["primary_mean"],
        yerr=section["primary_std"].fillna(0),
        capsize=4,
        color="#8fb3d9",
        edgecolor="#35608f",
    )
    for x, row in zip(xs, section.itertuples(), strict=True):
        seeds = runs[
            (runs["method"] == row.method)
            & (runs["config_hash"] == row.config_hash)
            & (runs["status"] == "ok")
        ]["primary_value"]
        ax.scatter([x] * len(seeds), seeds, color="#222", s=10, zorder=3)
    ax.set_xticks(list(xs), section["label"], rotation=20, ha="right")
    ax.set_ylabel(f"{metric} {ARROW.get(section['goal'].iat[0], '')}")
    ax.set_title("mean ± std over seeds; dots: seeds", fontsize=9)
    values = pd.concat(
        [section["primary_mean"] - section["primary_std"].fillna(0), runs["primary_value"]]
    )
    if values.notna().any():
        lo, hi = values.min(), (section["primary_mean"] + section["primary_std"].fillna(0)).max()
        pad = 0.1 * (hi - lo if hi > lo else abs(hi) or 1.0)
        ax.set_ylim(lo - pad, hi + pad)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def render_claims(results: list[ClaimResult], fmt: str) -> str:
    """Claim verdicts as text lines, Markdown, CSV or JSON (one row per judged section)."""
    if fmt == "csv":
        return pd.DataFrame([r.as_row() for r in results]).to_csv(index=False)
    if fmt == "json":
        import json

        rows = [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in (r.as_row() for r in results)
        ]
        return json.dumps(rows, indent=1) + "\n"
    lines = []
    for r in results:
        where = " · ".join(
            part
            for part in (
                r.section[0] if r.section else r.claim.task,
                f"scale={r.section[1]}" if r.section else "",
                r.section[2] if r.section else "",
                f"user data {r.section[3]}" if r.section and r.section[3] else "",
                r.runtime,
            )
            if part
        )
        source = f", {r.claim.source}" if r.claim.source else ""
        line = f"[{where}] {r.summary()} ({r.claim.paper}{source})"
        lines.append(f"- **{r.verdict}** {line}" if fmt == "md" else line)
    return "\n".join(lines) + "\n"
