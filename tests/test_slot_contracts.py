"""Every slot's contract can be read and typed against without torch: the problem type a slot
hands to ``build`` lives in a torch-free module, named first in ``SlotSpec.problem``."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from harness.plugins import get_registry

SLOTS = sorted(get_registry().slots.values(), key=lambda spec: spec.name)


def _problem_type(problem_text: str) -> tuple[str, str]:
    """``(module, class)`` of the dotted name a slot's problem text starts with."""
    dotted = re.match(r"[\w.]+", problem_text).group(0)
    module, _, name = dotted.rpartition(".")
    return module, name


def test_every_slot_names_its_problem_type_and_it_imports_without_torch():
    names = [_problem_type(spec.problem) for spec in SLOTS]
    script = (
        "import importlib, json, sys\n"
        f"names = {names!r}\n"
        "found = [hasattr(importlib.import_module(m), c) for m, c in names]\n"
        "heavy = sorted(m for m in ('torch', 'torch_geometric', 'rdkit') if m in sys.modules)\n"
        "print(json.dumps({'found': found, 'heavy': heavy}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout)
    assert all(report["found"]), dict(zip([s.name for s in SLOTS], report["found"], strict=True))
    assert report["heavy"] == []
