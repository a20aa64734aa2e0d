"""``spectral-harness slots``: every slot contract, who defines it, its tasks and methods; and
no listing command imports torch."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import REPO

from harness.cli import main
from harness.plugins import get_registry

# the built-in families' slots (every family may add more)
BUILTIN_SLOTS = {"inr_init", "graph_pe", "graph_augment", "sr_discriminator", "ms_model"}


def test_slots_lists_each_slot_with_its_plugin_tasks_and_methods(capsys):
    registry = get_registry()
    assert main(["slots"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = {line.split()[0] for line in lines if not line.startswith(" ")}
    assert listed == set(registry.slots) and listed >= {*BUILTIN_SLOTS, "pde_model"}
    (first,) = [i for i, line in enumerate(lines) if line.startswith("inr_init ")]
    assert lines[first].endswith("[plugin inr]")
    tasks = ", ".join(registry.tasks_for_slot("inr_init"))
    methods = ", ".join(registry.methods_for_slot("inr_init"))
    assert lines[first + 1].split() == ["tasks:", *tasks.split()]
    assert lines[first + 2].split() == ["methods:", *methods.split()]
    assert {"inr_audio,", "inr_image,"} <= set(lines[first + 1].split())
    assert {"siren,", "winner,"} <= set(lines[first + 2].split())


def test_slots_name_shows_the_whole_contract(capsys):
    assert main(["slots", "graph_pe"]) == 0
    text = capsys.readouterr().out
    keys = [line.split(":")[0] for line in text.splitlines() if not line.startswith(" ")]
    assert keys == [
        "slot",
        "summary",
        "plugin",
        "problem",
        "component",
        "result",
        "check",
        "tasks",
        "methods",
    ]
    assert "plugin:    graph_pe\n" in text and "tasks:     cycles, stability, zinc\n" in text
    assert "check:     spectral_harness_graph_pe.contract:check\n" in text
    assert "methods:   basisnet, lappe, none, rwse, signnet, spe\n" in text


def test_an_unknown_slot_is_one_line_listing_the_slots(capsys):
    assert main(["slots", "inr"]) == 2
    captured = capsys.readouterr()
    assert not captured.out
    slots = ", ".join(sorted(get_registry().slots))
    assert captured.err == f"error: unknown slot 'inr'; slots: {slots}\n"
    assert "inr_init" in slots


def test_a_slot_without_tasks_or_a_probe_and_one_with_a_callable_probe(capsys):
    from harness import SlotSpec, hookimpl
    from harness.cli import _slots
    from harness.plugins import Registry, build_plugin_manager

    def probe(component, problem):
        """A probe given as a callable instead of a "module:function" string."""

    class Slots:
        @hookimpl
        def spectral_harness_register_slots(self):
            return [
                SlotSpec("bare", "", problem="p", component="c"),
                SlotSpec("probed", "s", problem="p", component="c", check=probe),
            ]

    registry = Registry.from_plugin_manager(build_plugin_manager(extra_plugins=[Slots()]))
    assert _slots(registry, "bare") == 0
    bare = capsys.readouterr().out
    assert "summary:   -\n" in bare and "result:    (not declared)\n" in bare
    assert "check:     (no probe)\n" in bare and "tasks:     none\n" in bare
    assert _slots(registry, "probed") == 0
    assert f"check:     {__name__}:{probe.__qualname__}\n" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [["slots"], ["slots", "inr_init"], ["plugins"], ["plugins", "--json"], ["methods"], ["tasks"]],
)
def test_listing_commands_never_import_torch(args):
    code = (
        "import sys\n"
        "from harness.cli import main\n"
        f"assert main({args!r}) == 0\n"
        "print('torch' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "False"
