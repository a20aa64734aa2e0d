"""A task plugin as a user meets it: installed from its own package (examples/chirp-task-plugin),
listed, and run through the command line with the INR family's and another plugin's methods."""

from support import run_cli

from harness.records import RecordStore

SMOKE = ("scale=smoke", "logger=console")


def test_an_installed_task_plugin_is_listed_and_runnable(plugin_env, isolated_dirs):
    listing = run_cli("tasks", env=plugin_env).stdout
    (line,) = [row for row in listing.splitlines() if row.startswith("inr_chirp ")]
    assert "slot=inr_init" in line and "relu_pe" in line and "winner" in line

    sweep = run_cli("run", "-m", "task=inr_chirp", "method=winner,relu_pe",
                    "task.signal_seed=3", *SMOKE, env=plugin_env)  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    records = {r.method: r for r in RecordStore(isolated_dirs / "runs").iter_records()}
    assert set(records) == {"winner", "relu_pe"}
    for record in records.values():
        assert record.status == "ok" and record.task == "inr_chirp", record.error
        assert {"psnr", "snr", "params"} <= set(record.metrics)
        assert record.config["task"]["signal_seed"] == 3
        assert record.versions["plugin:spectral-harness-chirp"] == "0.1.0"
    assert records["winner"].data["generated:chirp"] == records["relu_pe"].data["generated:chirp"]
