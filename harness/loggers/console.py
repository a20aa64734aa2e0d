"""Console logger: one line when a cell starts and one when it ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from harness import hookimpl

if TYPE_CHECKING:
    from harness.context import RunContext
    from harness.records import RunRecord


@hookimpl
def spectral_harness_run_start(run: RunContext) -> None:
    """Announce the cell and its device."""
    tqdm.write(f"▶ {run.name} [{run.scale}] on {run.device} (run {run.run_id})")


@hookimpl
def spectral_harness_run_end(run: RunContext, record: RunRecord) -> None:
    """Report status, the primary metric and the time taken."""
    if record.status == "ok":
        value = record.metrics[record.primary_metric]
        tqdm.write(
            f"✓ {run.name}: {record.primary_metric}={value:.4g} "
            f"(train {record.train_seconds:.1f} s, total {record.wall_seconds:.1f} s{_cpu(record)})"
        )
    else:
        message = (record.error or {}).get("message", "")
        tqdm.write(f"✗ {run.name}: {record.status}: {message}")


def _cpu(record: RunRecord) -> str:
    return "" if record.cpu_seconds is None else f", cpu {record.cpu_seconds:.1f} s"
