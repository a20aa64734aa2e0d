"""One cell → one record, whatever happens: ok, failed, diverged, timeout; resume and --force."""

import math

import pytest

from harness.errors import UserError
from harness.leaderboard import build_leaderboard
from harness.records import RecordStore
from harness.runner import TrainerOptions, identify, make_cell, run_cell, select_device


def test_ok_record_has_metrics_and_provenance(registry, settings):
    record = run_cell(make_cell(registry, "inr_image", "winner"), registry, settings)
    assert record.status == "ok" and record.primary_metric == "psnr"
    assert record.metrics["psnr"] > 0 and record.metrics["steps_per_s"] > 0
    assert record.device["type"] == "cpu" and record.versions["torch"]
    assert record.versions["plugin:spectral-harness-inr"] == "0.1.0"
    assert record.config["task"]["steps"] == 20  # filled from the smoke preset
    assert record.data == {"skimage:camera": record.data["skimage:camera"]}
    assert record.train_seconds > 0 and record.started_at <= record.ended_at
    assert record.cpu_seconds > 0


def test_cpu_seconds_count_work_not_waiting(registry_with_plugins, settings):
    # Every forward pass sleeps 50 ms: the wall clock counts the sleeps, the CPU clock does not.
    cell = make_cell(
        registry_with_plugins, "inr_image", "slow_init", method_overrides={"sleep_s": 0.05}
    )
    record = run_cell(cell, registry_with_plugins, settings)
    assert record.status == "ok" and record.wall_seconds > 1.0
    assert 0 < record.cpu_seconds < record.wall_seconds - 0.8
    # through the records' index to the board, as `spectral-harness leaderboard` reads it
    board = build_leaderboard(RecordStore(settings.runs_dir).runs_table(), registry_with_plugins)
    assert board.table.iloc[0].cpu_seconds_mean == pytest.approx(record.cpu_seconds)


def test_the_best_model_is_restored_and_evaluated(registry, settings):
    record = run_cell(make_cell(registry, "inr_audio", "siren"), registry, settings)
    assert 1 <= record.metrics["best_step"] <= 20
    assert record.metrics["psnr"] == pytest.approx(-10 * math.log10(record.metrics["mse"]))


def test_failing_diverging_and_slow_methods_become_records(registry_with_plugins, settings):
    registry = registry_with_plugins
    failed = run_cell(make_cell(registry, "inr_image", "always_fails"), registry, settings)
    assert failed.status == "failed" and "always fails" in failed.error["message"]
    assert "RuntimeError" in failed.error["traceback"]
    diverged = run_cell(make_cell(registry, "inr_image", "exploding_init"), registry, settings)
    assert diverged.status == "diverged" and "became" in diverged.error["message"]
    slow = make_cell(
        registry,
        "inr_image",
        "slow_init",
        method_overrides={"sleep_s": 0.2},
        trainer=TrainerOptions(time_limit_s=0.5),
    )
    timed_out = run_cell(slow, registry, settings)
    assert timed_out.status == "timeout" and timed_out.wall_seconds < 10
    assert len(list(RecordStore(settings.runs_dir).iter_records())) == 3


def test_resume_skips_ok_cells_and_force_reruns(registry, settings):
    cell = make_cell(registry, "inr_image", "siren")
    first = run_cell(cell, registry, settings)
    again = run_cell(cell, registry, settings)
    assert again.started_at == first.started_at and again.attempt == 1
    forced = run_cell(cell, registry, settings, force=True)
    assert forced.attempt == 2
    assert len(list(RecordStore(settings.runs_dir).iter_records())) == 1


def test_failed_cells_are_retried_on_rerun(registry_with_plugins, settings):
    cell = make_cell(registry_with_plugins, "inr_image", "always_fails")
    run_cell(cell, registry_with_plugins, settings)
    assert run_cell(cell, registry_with_plugins, settings).attempt == 2


def _run_id(cell, registry) -> str:
    return identify(cell, registry).run_id("cpu")


def test_run_id_names_config_seed_and_what_changes_numbers_but_not_paths(registry):
    base = make_cell(registry, "inr_image", "winner")
    on_cpu = make_cell(registry, "inr_image", "winner", trainer=TrainerOptions(device="cpu"))
    threads = make_cell(registry, "inr_image", "winner", trainer=TrainerOptions(num_threads=3))
    amp = make_cell(registry, "inr_image", "winner", trainer=TrainerOptions(amp=True))
    other = make_cell(registry, "inr_image", "winner", task_overrides={"lr": 1e-3})
    assert _run_id(base, registry) == _run_id(on_cpu, registry) == _run_id(threads, registry)
    assert _run_id(base, registry) != _run_id(other, registry)
    assert _run_id(base, registry) != _run_id(amp, registry)
    reseeded = make_cell(registry, "inr_image", "winner", seed=1)
    assert identify(base, registry).config_hash == identify(reseeded, registry).config_hash
    assert _run_id(base, registry) != _run_id(reseeded, registry)


def test_user_errors_are_one_line(registry_with_plugins):
    with pytest.raises(UserError, match=r"needs slot 'inr_init'; methods that fit: .*winner"):
        registry_with_plugins.check_pair("inr_audio", "other_slot")
    with pytest.raises(UserError, match="unknown method 'wiener'"):
        registry_with_plugins.method("wiener")
    with pytest.raises(UserError, match="unknown scale 'huge'"):
        identify(
            make_cell(registry_with_plugins, "inr_audio", "winner", scale="huge"),
            registry_with_plugins,
        )


def test_cuda_without_a_gpu_is_a_user_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(UserError, match="no CUDA device"):
        select_device("cuda")
    assert select_device("auto").type == "cpu"


def test_method_scale_presets_fill_unset_fields_and_are_recorded(registry):
    from spectral_harness_ms import GRAFF_PRESETS

    cell = make_cell(registry, "ms_predict", "graff_ms", scale="smoke")
    assert identify(cell, registry).method_cfg.hidden == GRAFF_PRESETS["smoke"]["hidden"]
    assert identify(cell, registry).config["method"]["hidden"] == GRAFF_PRESETS["smoke"]["hidden"]
    mine = make_cell(
        registry, "ms_predict", "graff_ms", scale="smoke", method_overrides={"hidden": 7}
    )
    assert identify(mine, registry).method_cfg.hidden == 7
    assert _run_id(mine, registry) != _run_id(cell, registry)


def test_a_broken_wandb_mirror_never_costs_the_record(registry, settings, monkeypatch):
    import dataclasses

    import wandb

    from harness.settings import WandbSettings

    def refuse(**kwargs):
        raise RuntimeError("no W&B here")

    monkeypatch.setattr(wandb, "init", refuse)
    mirrored = dataclasses.replace(settings, wandb=WandbSettings(enabled=True))
    record = run_cell(make_cell(registry, "inr_image", "siren"), registry, mirrored)
    assert record.status == "ok"


def test_a_cell_cannot_change_the_numbers_of_what_runs_after_it_in_process(registry, settings):
    import torch

    from harness.runner import _flushes_subnormals

    threads = torch.get_num_threads()
    # the INR task flushes subnormals while it fits; an in-process cell must not leave it so
    in_process = TrainerOptions(isolate=False, num_threads=1)
    cell = make_cell(registry, "inr_audio", "siren", trainer=in_process)
    assert run_cell(cell, registry, settings).status == "ok"
    assert not _flushes_subnormals()
    assert torch.get_num_threads() == threads
    torch.set_flush_denormal(True)
    try:
        assert _flushes_subnormals()  # the probe sees the setting
    finally:
        torch.set_flush_denormal(False)
