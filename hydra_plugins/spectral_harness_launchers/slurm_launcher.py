"""hydra-submitit-launcher's SLURM launcher with what the harness needs from a cluster.

In the launching process it composes every job's config, leaves out the cells that are already
``ok``, submits one job per cell named after it (``sh-<task>-<method>-s<seed>``), keeps at most
``array_parallelism`` of them queued, and records a job that ended without a result (``scancel``,
time limit, OOM, lost node) as ``timeout`` or ``crashed``. In the worker it turns SLURM's
end-of-job signal into a ``timeout`` record of the running cell, and requeues a preempted job.
The logic lives in :mod:`harness.launchers`; Hydra only finds launchers in ``hydra_plugins``.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, filter_overrides, run_job, setup_globals
from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf
from hydra_plugins.hydra_submitit_launcher.submitit_launcher import SlurmLauncher
from omegaconf import OmegaConf, open_dict

log = logging.getLogger(__name__)
POLL_S = 1.0
INIT_KEYS = ("submitit_folder", "max_num_timeout")


class HarnessSlurmLauncher(SlurmLauncher):
    """``hydra/launcher=slurm``: one SLURM job per cell that is not already ``ok``."""

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Submit the sweep's cells that need to run and wait for them; one return per job."""
        from harness.launchers import JobConfigs, job_device_kind, plan_cells
        from harness.plugins import get_registry

        assert self.config is not None and self.hydra_context is not None
        registry = get_registry()
        kind = job_device_kind(self.params)
        loader = self.hydra_context.config_loader
        compose = JobConfigs(lambda overrides: loader.load_sweep_config(self.config, overrides))
        planned, skipped = plan_cells(job_overrides, compose, registry, kind, initial_job_idx)
        if skipped:
            print(f"skipping {skipped} cells already ok", flush=True)
        returns = self._run(planned, registry, kind) if planned else {}
        return [
            returns.get(initial_job_idx + i) or _completed(overrides)
            for i, overrides in enumerate(job_overrides)
        ]

    def __call__(
        self,
        sweep_overrides: list[str],
        job_dir_key: str,
        job_num: int,
        job_id: str,
        singleton_state: dict[type, Singleton],
    ) -> JobReturn:
        """Run one cell in a SLURM worker (what submitit pickles and calls there)."""
        import submitit

        from harness.launchers import JobEnding, run_in_worker

        assert self.hydra_context is not None and self.config is not None
        assert self.task_function is not None
        Singleton.set_state(singleton_state)
        setup_globals()
        sweep_config = self.hydra_context.config_loader.load_sweep_config(
            self.config, sweep_overrides
        )
        with open_dict(sweep_config.hydra.job) as job:
            job.id = submitit.JobEnvironment().job_id
            sweep_config.hydra.job.num = job_num
        context, task = self.hydra_context, self.task_function
        with JobEnding.installed(submitit.JobEnvironment._usr_sig()) as ending:
            ret = run_in_worker(
                sweep_config,
                ending,
                lambda: run_job(
                    hydra_context=context,
                    task_function=task,
                    config=sweep_config,
                    job_dir_key=job_dir_key,
                    job_subdir_key="hydra.sweep.subdir",
                ),
            )
        return ret or _completed(sweep_overrides)

    def _run(self, planned: list[Any], registry: Any, kind: str) -> dict[int, JobReturn]:
        """Submit ``planned`` cells, at most ``array_parallelism`` at a time; their returns."""
        from harness.launchers import job_name

        executor = self._executor()
        limit = max(1, int(self.params.get("array_parallelism") or len(planned)))
        queue, active, returns = deque(planned), [], {}
        while queue or active:
            while queue and len(active) < limit:
                cell = queue.popleft()
                name = job_name(cell.cell.cell)
                executor.update_parameters(name=name)
                job = executor.submit(
                    self,
                    cell.overrides,
                    "hydra.sweep.dir",
                    cell.index,
                    f"job_id_for_{cell.index}",
                    Singleton.get_state(),
                )
                overrides = " ".join(filter_overrides(cell.overrides))
                log.info(f"\t#{cell.index} : {overrides} (job {job.job_id}, {name})")
                active.append((cell, job))
            finished = [(cell, job) for cell, job in active if job.done()]
            for cell, job in finished:
                active.remove((cell, job))
                returns[cell.index] = _collect(cell, job, registry, kind)
            if not finished:
                time.sleep(POLL_S)
        return returns

    def _executor(self) -> Any:
        """A submitit executor with this launcher's parameters (as the base launcher builds it)."""
        import submitit

        assert self.config is not None
        params = dict(self.params)
        init = {"folder": params.pop("submitit_folder")}
        init[f"{self._EXECUTOR}_max_num_timeout"] = params.pop("max_num_timeout")
        executor = submitit.AutoExecutor(cluster=self._EXECUTOR, **init)
        base = set(OmegaConf.structured(BaseQueueConf).keys())
        executor.update_parameters(
            **{k if k in base else f"{self._EXECUTOR}_{k}": v for k, v in params.items()}
        )
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        log.info(f"Submitit '{self._EXECUTOR}' sweep output dir : {sweep_dir}")
        return executor


def _collect(cell: Any, job: Any, registry: Any, kind: str) -> JobReturn:
    """A finished job's return; a job without a result leaves a record for its cell."""
    from submitit.core.utils import UncompletedJobError

    from harness.launchers import settle_uncompleted

    try:
        return job.result()
    except UncompletedJobError:
        settle_uncompleted(cell, job.state, str(job.job_id), registry, kind)
        return _completed(cell.overrides)


def _completed(overrides: Sequence[str]) -> JobReturn:
    """The return of a job that has no value for Hydra (skipped, or ended without a result)."""
    return JobReturn(overrides=list(overrides), status=JobStatus.COMPLETED, _return_value=None)
