"""The static results site (`spectral-harness report`): built from generated records, checked as
a person would in headless Chromium (skipped where Chromium is not installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from harness.errors import UserError
from harness.records import RecordStore, RunRecord
from harness.site import build_site, collect

CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
)
TASKS = {"fit_audio": ("psnr", "max"), "classify_graphs": ("error", "min")}


def make_records(runs_dir: Path) -> None:
    """Two tasks × three methods × three seeds, one failed run, with curves and a spectrum."""
    store = RecordStore(runs_dir)
    rng = np.random.default_rng(0)
    for task, (metric, goal) in TASKS.items():
        for m, method in enumerate(["siren", "winner", "a_method_with_a_long_name"]):
            for seed in range(3):
                run_id = f"{task[:3]}{method[:3]}{seed}"
                failed = method == "siren" and seed == 2
                curves = {
                    "loss": {"step": [0, 10, 20], "value": [1.0, 0.5 / (m + 1), 0.2 / (m + 1)]}
                }
                residual = {
                    "step": np.array([0, 10, 20, 30]),
                    "energy": rng.random((4, 3)),
                    "labels": np.array([1, 4, 16]),
                }
                artifacts = store.save_artifacts(
                    task,
                    method,
                    run_id,
                    curves,
                    {"spectrum": {"density": rng.random(16)}, "residual": residual},
                )
                store.save(
                    RunRecord(
                        run_id=run_id,
                        task=task,
                        method=method,
                        slot="s",
                        seed=seed,
                        scale="cpu",
                        status="failed" if failed else "ok",
                        config_hash="c",
                        metrics={} if failed else {metric: 20.0 + 3 * m + seed, "seconds": 1.5},
                        primary_metric=metric,
                        goal=goal,
                        config={"task": {"name": task}, "method": {"name": method}},
                        started_at=f"2026-12-0{seed + 1}T10:00:00+00:00",
                        ended_at=f"2026-12-0{seed + 1}T10:01:00+00:00",
                        artifacts=artifacts,
                        error={"type": "ValueError", "message": "boom"} if failed else None,
                    )
                )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    make_records(root / "results" / "runs")
    build_site(collect([root / "results" / "runs"]), root / "site")
    return root / "site"


def test_index_lists_every_task_with_its_leader_and_counts(site: Path) -> None:
    index = (site / "index.html").read_text()
    for task in TASKS:
        assert f"href='task/{task}.html'" in index
        assert (site / "task" / f"{task}.html").is_file()
    # fit_audio (max): the long-named method leads; classify_graphs (min): siren leads
    assert "a_method_with_a_long_name (27.00)" in index and "siren (20.50)" in index
    assert "Methods × tasks: rank" in index


def test_task_page_has_every_metric_plot_and_links_each_run(site: Path) -> None:
    page = (site / "task" / "fit_audio.html").read_text()
    plots = re.findall(r"src='\.\./plots/([^']+)'", page)
    # psnr and seconds, then each artifact with one panel per method
    assert [p.rsplit("-", 1)[-1] for p in plots] == [
        "psnr.svg",
        "seconds.svg",
        "residual.svg",
        "spectrum.svg",
    ]
    assert all((site / "plots" / p).read_text().lstrip().startswith("<?xml") for p in plots)
    assert page.count("href='../cell/fit_audio/") == 9
    cell = site / "cell" / "fit_audio" / "siren" / "fitsir0.html"
    text = cell.read_text()
    assert "curve loss" in text and "arrays spectrum" in text and "Provenance" in text
    assert "arrays residual" in text


def test_an_artifact_draws_against_its_axis_with_one_line_per_column() -> None:
    from harness.site import _draw_arrays, _pyplot

    fig, ax = _pyplot().subplots()
    _pyplot().close(fig)
    energy = np.arange(12.0).reshape(4, 3)
    _draw_arrays(
        ax,
        {"step": np.array([0, 5, 10, 15]), "energy": energy, "labels": np.array([1, 4, 16])},
        "t",
    )
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["1", "4", "16"]
    assert list(lines[2].get_xdata()) == [0, 5, 10, 15]
    assert list(lines[2].get_ydata()) == [2.0, 5.0, 8.0, 11.0]
    assert ax.get_xlabel() == "step"
    fig3, ax3 = _pyplot().subplots()
    _pyplot().close(fig3)
    curves = np.arange(6.0).reshape(2, 3)  # (graphs, ε): drawn along ε, one line per graph
    _draw_arrays(ax3, {"epsilon": np.array([1e-4, 1e-2, 1.0]), "change": curves}, "s")
    assert ax3.get_xlabel() == "epsilon" and ax3.get_xscale() == "log"
    assert [list(line.get_ydata()) for line in ax3.get_lines()] == [[0, 1, 2], [3, 4, 5]]
    fig2, ax2 = _pyplot().subplots()
    _pyplot().close(fig2)
    _draw_arrays(ax2, {"density": np.ones(5), "scalar": np.float64(3.0)}, "d")
    assert [line.get_label() for line in ax2.get_lines()] == ["density"]
    assert ax2.get_xlabel() == "index"
    fig4, ax4 = _pyplot().subplots()
    _pyplot().close(fig4)
    state = np.array([3 + 4j, 0 - 1j, 1 + 0j])  # drawn as its modulus, never its real part
    _draw_arrays(ax4, {"state": state, "text": np.array(["a", "b", "c"])}, "c")
    assert [line.get_label() for line in ax4.get_lines()] == ["|state|"]
    assert list(ax4.get_lines()[0].get_ydata()) == [5.0, 1.0, 1.0]


def test_the_site_replaces_only_an_earlier_site(site: Path, tmp_path: Path) -> None:
    runs = collect([site.parent / "results" / "runs"])
    build_site(runs, site)  # an earlier site: replaced
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not a site"):
        build_site(runs, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def _chromium(url: str, *extra: str) -> str:
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--window-size=1280,900",
            "--virtual-time-budget=5000",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_site_in_a_real_browser(site: Path) -> None:
    index = site / "index.html"
    pages = [index] + [
        site / href for href in re.findall(r"href='(task/[^']+)'", index.read_text())
    ]
    pages.append(site / "cell" / "fit_audio" / "winner" / "fitwin1.html")
    assert len(pages) == 2 + len(TASKS)
    for page in pages:
        dom = _chromium(page.as_uri() + "#selftest", "--dump-dom")
        found = re.search(r'<pre id="selftest">(.*?)</pre>', dom, re.S)
        assert found, f"{page}: the page's self-check did not run"
        report = json.loads(found.group(1).replace("&quot;", '"'))
        assert report["errors"] == [], page
        assert report["brokenImages"] == [], page
        assert report["clipped"] == [], page
        if "task" in page.parts:
            assert report["images"] >= 2 and report["sorted"] is True, page
        if page.name.startswith("fitwin"):
            assert report["images"] == 3, page  # the loss curve and two artifacts
