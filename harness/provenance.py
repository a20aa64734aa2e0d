"""Where a result came from: software versions, git commit, hardware."""

from __future__ import annotations

import platform
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy


def versions(pm: pluggy.PluginManager) -> dict[str, str]:
    """Versions of Python, the core libraries and every plugin's distribution."""
    found = {"python": platform.python_version()}
    for name in ("spectral-harness", "torch", "numpy", "hydra-core", "torch-geometric"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    for _plugin, dist in pm.list_plugin_distinfo():
        found[f"plugin:{dist.project_name}"] = dist.version
    return found


@cache
def git_sha() -> str | None:
    """The commit of the harness checkout (``+dirty`` if it has uncommitted changes), if any."""
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}+dirty" if dirty else sha


def device_info(device: Any) -> dict[str, Any]:
    """The device a run used: CPU model and thread count, or GPU name, memory and CUDA version."""
    import torch

    info: dict[str, Any] = {
        "type": device.type,
        "cpu": _cpu_model(),
        "torch_threads": torch.get_num_threads(),
        "host": platform.node(),
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(
            gpu=props.name,
            gpu_memory_gb=round(props.total_memory / 2**30, 1),
            cuda=torch.version.cuda,
        )
    return info


@cache
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or sys.platform
