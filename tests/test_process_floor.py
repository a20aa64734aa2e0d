"""What keeps the process floor of a cell low: torch's optimizers without ``torch._dynamo``, and
the launching process adopting what its forked cells import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.isolation import run_isolated
from harness.warm import ImportLog

TRAIN = """
import sys, torch
{patch}
torch.manual_seed(0)
out = []
for opt in (torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD):
    model = torch.nn.Linear(4, 2)
    optimizer = opt(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    for _ in range(4):
        optimizer.zero_grad()
        model(torch.randn(8, 4)).pow(2).sum().backward()
        optimizer.step()
        scheduler.step()
    optimizer.load_state_dict(optimizer.state_dict())
    out += model.weight.flatten().tolist()
print("dynamo" if "torch._dynamo" in sys.modules else "no-dynamo", repr(out))
"""
PATCH = "from harness.lean_torch import avoid_dynamo_import; avoid_dynamo_import()"


def _train(patch: str) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", TRAIN.format(patch=patch)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    imported, weights = done.stdout.strip().split(" ", 1)
    return imported, weights


def test_optimizers_train_the_same_without_importing_dynamo() -> None:
    lean, lean_weights = _train(PATCH)
    plain, plain_weights = _train("")
    assert (lean, plain) == ("no-dynamo", "dynamo")  # the patch is what keeps it out
    assert lean_weights == plain_weights


@pytest.mark.slow
def test_once_dynamo_is_imported_torch_handles_the_calls_again() -> None:
    imported, weights = _train(PATCH + "\nimport torch._dynamo")
    assert imported == "dynamo"
    assert weights == _train("")[1]


def test_the_parent_adopts_what_a_forked_cell_imported() -> None:
    module = "tabnanny"  # a stdlib module nothing else here imports
    assert module not in sys.modules
    log = ImportLog()

    def cell() -> int:
        __import__(module)
        log.write()
        return 0

    outcome = run_isolated(cell, deadline_s=60, heartbeat=lambda: None, heartbeat_s=1)
    assert outcome.exit_code == 0 and module not in sys.modules
    assert log.adopt() >= 1
    assert module in sys.modules and not log.path.exists()
