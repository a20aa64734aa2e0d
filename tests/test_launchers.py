"""The harness's SLURM launcher logic, without a cluster: thread defaults, job names, presets,
resume before submission, records for jobs that ended without a result, end-of-job signals."""

import os
import signal
import time

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from harness.app import CONF_DIR, CONFIG_NAME, HYDRA_VERSION_BASE, cell_from_config
from harness.config import register_configs
from harness.launchers import (
    JobConfigs,
    JobEnding,
    SlurmPreempted,
    SlurmTimeLimit,
    default_num_threads,
    job_device_kind,
    job_name,
    plan_cells,
    record_key,
    run_in_worker,
    settle_uncompleted,
    status_for_state,
    stored_record,
)
from harness.runner import make_cell, run_cell
from harness.settings import Settings

LAUNCHER = "hydra_plugins.spectral_harness_launchers.slurm_launcher.HarnessSlurmLauncher"
CELL = ["task=inr_audio", "scale=smoke", "logger=console", "trainer.isolate=false"]


@pytest.fixture
def composer(registry):
    """``compose(overrides)`` of the harness's config (with the hydra node), counting calls."""
    register_configs(registry)
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=HYDRA_VERSION_BASE):
        calls = []

        def load(overrides):
            calls.append(list(overrides))
            return compose(CONFIG_NAME, list(overrides), return_hydra_config=True)

        load.calls = calls
        yield load
    GlobalHydra.instance().clear()


@pytest.mark.parametrize(
    ("env", "n_cpus", "n_jobs", "expected"),
    [
        ({}, 16, None, None),  # basic launcher, no SLURM: torch's default
        ({}, 16, 1, None),
        ({"SLURM_CPUS_PER_TASK": "4"}, 64, None, 4),  # the job's CPUs, not the node's
        ({}, 16, 4, 4),  # joblib: an equal share per worker
        ({}, 16, -1, 1),  # joblib's -1: one worker per CPU
        ({}, 16, -4, 1),  # 13 workers on 16 CPUs
        ({}, 2, 8, 1),  # more workers than CPUs: never 0
        ({"SLURM_CPUS_PER_TASK": "8"}, 64, 2, 4),  # joblib inside a SLURM allocation
        ({"SLURM_CPUS_PER_TASK": "0"}, 16, None, None),  # malformed values are ignored
        ({"SLURM_CPUS_PER_TASK": "abc"}, 16, 2, 8),
        ({"SLURM_CPUS_PER_TASK": "-3"}, 16, None, None),
    ],
)
def test_default_num_threads(env, n_cpus, n_jobs, expected):
    assert default_num_threads(env, n_cpus, n_jobs) == expected


def test_jobs_are_named_after_their_cell(registry):
    cell = make_cell(registry, "inr_audio", "winner", seed=3)
    assert job_name(cell) == "sh-inr_audio-winner-s3"


@pytest.mark.parametrize(
    ("params", "kind"),
    [
        ({"gpus_per_node": None, "gres": None}, "cpu"),
        ({"gpus_per_node": 1}, "cuda"),
        ({"gpus_per_task": 2}, "cuda"),
        ({"gres": "gpu:a100:1"}, "cuda"),
        ({"gres": "tmpdisk:10"}, "cpu"),
    ],
)
def test_the_jobs_device_kind_follows_the_gpu_request(params, kind):
    assert job_device_kind(params) == kind


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("TIMEOUT", "timeout"),
        ("DEADLINE", "timeout"),
        ("CANCELLED by 0", "crashed"),
        ("OUT_OF_MEMORY", "crashed"),
        ("NODE_FAIL", "crashed"),
        ("FAILED", "crashed"),
    ],
)
def test_a_job_without_result_maps_to_a_record_status(state, status):
    assert status_for_state(state) == status


def test_the_presets_ask_for_what_a_cpu_and_a_gpu_partition_give(composer):
    cell = ["task=inr_image", "method=siren"]
    cpu = composer(["hydra/launcher=slurm", *cell])
    gpu = composer(["hydra/launcher=slurm_gpu", *cell])
    for cfg in (cpu, gpu):
        launcher = cfg.hydra.launcher
        assert launcher._target_ == LAUNCHER
        # the harness's own limit must end a cell before SLURM's does
        assert launcher.timeout_min * 60 > cfg.trainer.time_limit_s + cfg.trainer.timeout_grace_s
        assert launcher.signal_delay_s > 0 and launcher.max_num_timeout == 0
    assert cpu.hydra.launcher.partition is None  # the cluster's default partition
    assert cpu.hydra.launcher.gpus_per_node is None and cpu.hydra.launcher.gres is None
    assert cpu.hydra.launcher.cpus_per_task == 2 and cpu.hydra.launcher.mem_gb == 8
    assert job_device_kind(OmegaConf.to_container(cpu.hydra.launcher)) == "cpu"
    assert gpu.hydra.launcher.gpus_per_node == 1 and gpu.hydra.launcher.partition == "gpu"
    assert gpu.hydra.launcher.timeout_min * 60 > 14400  # trainer=gpu's limit
    assert job_device_kind(OmegaConf.to_container(gpu.hydra.launcher)) == "cuda"


def test_hydra_finds_the_launcher_plugin():
    from hydra.core.plugins import Plugins

    assert LAUNCHER in Plugins.instance().class_name_to_class


def test_job_configs_compose_once_per_config_choice(composer, registry):
    configs = JobConfigs(composer)
    jobs = [
        [*CELL, f"method={method}", f"seed={seed}", "task.steps=7"]
        for method in ("siren", "winner")
        for seed in (0, 1, 2)
    ]
    shared = [cell_from_config(configs(overrides), registry) for overrides in jobs]
    assert len(composer.calls) == 2  # one per method; seeds and steps are assigned
    alone = [cell_from_config(composer(overrides), registry) for overrides in jobs]
    assert shared == alone
    assert [c.cell.seed for c in shared] == [0, 1, 2] * 2 and {
        c.task_cfg.steps for c in shared
    } == {7}


def test_job_configs_compose_jobs_with_other_fields_separately(composer, registry):
    configs = JobConfigs(composer)
    first = cell_from_config(configs([*CELL, "method=siren", "task.steps=7"]), registry)
    other = cell_from_config(configs([*CELL, "method=siren", "task.lr=0.01"]), registry)
    assert first.task_cfg.steps == 7 and other.task_cfg.steps != 7 and other.task_cfg.lr == 0.01


def test_cells_already_ok_are_not_submitted(composer, registry):
    done = [*CELL, "method=siren"]
    cfg = composer(done)
    settings = Settings.from_config(cfg.paths, cfg.logger)
    assert run_cell(cell_from_config(cfg, registry), registry, settings).status == "ok"
    jobs = [done, [*CELL, "method=winner"], [*CELL, "method=siren", "force=true"]]
    planned, skipped = plan_cells(jobs, composer, registry, "cpu", first_index=5)
    assert skipped == 1
    assert [p.index for p in planned] == [6, 7]  # winner, and siren forced
    assert planned[0].before is None and planned[1].before is not None


def test_a_job_without_result_leaves_one_record_unless_it_wrote_its_own(composer, registry):
    jobs = [[*CELL, "method=siren"], [*CELL, "method=winner"]]
    (cancelled, finished), _ = plan_cells(jobs, composer, registry, "cpu")
    run_cell(finished.cell, registry, finished.settings)  # the job wrote its record, then died
    record = settle_uncompleted(cancelled, "CANCELLED by 0", "12", registry, "cpu")
    assert record.status == "crashed" and record.error["message"].startswith("SLURM job 12 ended")
    kept = settle_uncompleted(finished, "TIMEOUT", "13", registry, "cpu")
    assert kept.status == "ok" and kept.error is None
    # a second report of the same job does not stack records
    again = settle_uncompleted(cancelled, "CANCELLED by 0", "12", registry, "cpu")
    assert record_key(again) == record_key(record)
    (timed_out,), _ = plan_cells([[*CELL, "method=fourier_features"]], composer, registry, "cpu")
    assert settle_uncompleted(timed_out, "TIMEOUT", "14", registry, "cpu").status == "timeout"


class FakeSubmitit:
    """Stands in for submitit's signal handler: says whether the job timed out, counts calls."""

    def __init__(self, timed_out: bool) -> None:
        self.timed_out = timed_out
        self.requeued: list[int] = []

    def has_timed_out(self) -> bool:
        return self.timed_out

    def checkpoint_and_try_requeue(self, signum, frame) -> None:
        self.requeued.append(signum)


def _wait_for_signal(seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.01)


@pytest.mark.parametrize(("timed_out", "error"), [(True, SlurmTimeLimit), (False, SlurmPreempted)])
def test_the_signal_stops_a_cell_running_in_the_worker(timed_out, error):
    fake = FakeSubmitit(timed_out)
    signal.signal(signal.SIGUSR2, fake.checkpoint_and_try_requeue)
    try:
        with JobEnding.installed(signal.SIGUSR2) as ending, pytest.raises(error):
            os.kill(os.getpid(), signal.SIGUSR2)
            _wait_for_signal()
        assert signal.getsignal(signal.SIGUSR2) == fake.checkpoint_and_try_requeue  # restored
        os.kill(os.getpid(), signal.SIGUSR2)  # a second signal is submitit's again
        assert fake.requeued == [signal.SIGUSR2]
        ending.requeue()
        assert fake.requeued == [signal.SIGUSR2] * (1 if timed_out else 2)
    finally:
        signal.signal(signal.SIGUSR2, signal.SIG_DFL)


def test_the_signal_stops_the_forked_cell_not_the_worker_waiting_for_it():
    fake = FakeSubmitit(True)
    with JobEnding.installed(signal.SIGUSR2) as ending:
        ending.submitit_handler = fake.checkpoint_and_try_requeue
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the cell: reports what the signal raised in it
            os.close(read)
            try:
                os.write(write, b"ready")
                _wait_for_signal()
                os.write(write, b"|none")
            except SlurmTimeLimit as exc:
                os.write(write, f"|{type(exc).__name__}: {exc}".encode())
            os._exit(0)
        os.close(write)
        assert os.read(read, 5) == b"ready"
        os.kill(os.getpid(), signal.SIGUSR2)  # SLURM signals every process of the step
        os.kill(pid, signal.SIGUSR2)
        _, status = os.waitpid(pid, 0)  # the worker went on waiting for its cell
        message = os.read(read, 200).decode()
        os.close(read)
    assert os.waitstatus_to_exitcode(status) == 0
    assert message.startswith("|SlurmTimeLimit: SLURM job") and "time limit" in message
    assert ending.signum == signal.SIGUSR2 and ending.timed_out


def test_a_cell_stopped_before_it_started_gets_a_timeout_record(composer, registry):
    cfg = composer([*CELL, "method=siren"])
    fake = FakeSubmitit(False)
    ending = JobEnding(fake.checkpoint_and_try_requeue)

    def stopped_before_the_cell():
        ending.signum = signal.SIGUSR2
        raise ending.exception()

    assert run_in_worker(cfg, ending, stopped_before_the_cell) is None
    settings = Settings.from_config(cfg.paths, cfg.logger)
    record = stored_record(cell_from_config(cfg, registry), registry, settings, "cpu")
    assert record.status == "timeout" and record.error["type"] == "SlurmPreempted"
    assert fake.requeued == [signal.SIGUSR2]  # preempted: requeued after the record


def test_a_cell_that_recorded_its_own_end_is_left_alone(composer, registry):
    cfg = composer([*CELL, "method=winner"])
    settings = Settings.from_config(cfg.paths, cfg.logger)
    cell = cell_from_config(cfg, registry)
    fake = FakeSubmitit(True)
    ending = JobEnding(fake.checkpoint_and_try_requeue)

    def cell_ends_with_its_record():
        ending.signum, ending.timed_out = signal.SIGUSR2, True
        return run_cell(cell, registry, settings)

    result = run_in_worker(cfg, ending, cell_ends_with_its_record)
    assert result.status == "ok" and stored_record(cell, registry, settings, "cpu") == result
    assert fake.requeued == []  # a job at its time limit is not requeued
