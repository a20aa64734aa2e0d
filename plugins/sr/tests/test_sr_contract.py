"""The ``sr_discriminator`` slot contract: every real method (the empty ``none`` included) passes
its probe at every scale of both tasks, broken discriminators fail it with one line naming what
was expected and what came back, and a broken method is a failed cell. Also the ranges of the SR
task and method configs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch import nn

from harness import MethodConfig, MethodSpec, hookimpl
from harness.config import apply_scale
from harness.errors import ContractError, UserError
from harness.plugins import Registry, build_plugin_manager
from harness.runner import TrainerOptions, identify, make_cell, run_cell
from harness.specs import resolve, validate_config
from spectral_harness_sr.contract import PROBE_IMAGES, SLOT_SPEC, check
from spectral_harness_sr.methods import DiscProblem, Discriminators
from spectral_harness_sr.networks import ReducedSpectrumMLP
from spectral_harness_sr.task import disc_problem

METHODS = ("dual", "spectral", "spatial", "reduced_spectrum", "none")
SIZE_FIELD = {"sr_x4": "hr_crop", "sr_disc_probe": "image_size"}
PROBLEM = DiscProblem(image_size=16, patch=8, embed_dim=8, depths=(1, 1), heads=(2, 2))
B = PROBE_IMAGES


def _task_problem(registry: Registry, task: str, scale: str) -> DiscProblem:
    spec = registry.task(task)
    cfg = apply_scale(spec, spec.config(name=task), scale)
    return disc_problem(cfg, getattr(cfg, SIZE_FIELD[task]))


def _build(registry: Registry, method: str, problem: DiscProblem, scale: str = "smoke", **kw):
    spec = registry.method(method, SLOT_SPEC.name)
    cfg = apply_scale(spec, spec.config(name=method, **kw), scale)
    return resolve(spec.build)(cfg, problem)


def test_the_slot_is_registered_with_this_contract(registry):
    assert registry.slots["sr_discriminator"] is SLOT_SPEC
    assert resolve(SLOT_SPEC.check) is check
    assert {registry.task(t).slot for t in SIZE_FIELD} == {"sr_discriminator"}
    assert set(registry.methods_for_slot(SLOT_SPEC.name)) == set(METHODS)


@pytest.mark.parametrize("scale", ["smoke", "cpu", "full"])
@pytest.mark.parametrize("task", sorted(SIZE_FIELD))
@pytest.mark.parametrize("method", METHODS)
def test_every_method_passes_the_check_at_every_scale(registry, method, task, scale):
    problem = _task_problem(registry, task, scale)
    component = _build(registry, method, problem, scale).eval()
    with torch.no_grad():
        check(component, problem)


def test_none_is_the_empty_component_and_passes(registry):
    component = _build(registry, "none", PROBLEM)
    assert len(component) == 0 and component.weights == {}
    assert not list(component.parameters())
    check(component, PROBLEM)


@pytest.mark.parametrize(
    "overrides",
    [{"spatial_weight": 1.0, "spectral_weight": 0.0}, {"spatial_weight": 3.0}],
)
def test_dual_with_other_weights_passes(registry, overrides):
    check(_build(registry, "dual", PROBLEM, **overrides), PROBLEM)


def test_reduced_spectrum_with_its_own_sizes_passes(registry):
    check(_build(registry, "reduced_spectrum", PROBLEM, bins=5, hidden=7), PROBLEM)


def test_the_check_leaves_the_global_rng_and_the_model_untouched(registry):
    component = _build(registry, "dual", PROBLEM)
    before = {k: v.clone() for k, v in component.state_dict().items()}
    rng = torch.get_rng_state()
    check(component, PROBLEM)
    assert torch.equal(torch.get_rng_state(), rng)
    assert all(torch.equal(before[k], v) for k, v in component.state_dict().items())
    assert all(p.grad is None for p in component.parameters())


class _Edited(Discriminators):
    """One reduced-spectrum member whose logits (and ensemble logit) pass through ``post``;
    ``weights`` replaces the normalised loss weights as they are."""

    def __init__(self, post=lambda y: y, weights: dict[str, float] | None = None) -> None:
        super().__init__({"reduced": ReducedSpectrumMLP(8, 8)}, {"reduced": 1.0})
        self.post = post
        if weights is not None:
            self.weights = weights

    def forward(self, x: torch.Tensor):
        return {name: self.post(logit) for name, logit in super().forward(x).items()}


def _fails(component, *fragments: str, problem: DiscProblem = PROBLEM) -> str:
    with pytest.raises(ContractError) as info:
        check(component, problem)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_wrong_logit_shapes_are_named():
    _fails(
        _Edited(lambda y: y[:, None]),
        f"member 'reduced' logits shape ({B}, 1)",
        f"expected ({B},)",
        f"input ({B}, 3, 16, 16)",
    )
    _fails(_Edited(lambda y: y[:, None].expand(B, 3)), f"logits shape ({B}, 3)")
    _fails(_Edited(lambda y: y[:1]), "logits shape (1,)", f"expected ({B},)")
    _fails(_Edited(lambda y: y.sum()), "logits shape ()", f"expected ({B},)")


def test_a_wrong_ensemble_logit_shape_is_named():
    component = _Edited()
    component.combined = lambda x: torch.zeros(x.shape[0], 1)
    _fails(component, f"combined logits shape ({B}, 1)", f"expected ({B},)")


def test_non_finite_and_non_float_logits_fail():
    _fails(_Edited(lambda y: y * float("nan")), f"{B} non-finite values", "expected all finite")
    _fails(_Edited(lambda y: y + float("inf")), "non-finite")
    _fails(_Edited(lambda y: (y > 0).long()), "dtype torch.int64", "expected a floating dtype")
    _fails(_Edited(lambda y: y.tolist()), "logits is a list", f"expected a tensor of shape ({B},)")


def test_wrong_members_and_weights_fail():
    _fails(_Edited(weights={"reduced": 0.5}), "sum to 0.5 over 1 members", "expected 1")
    _fails(_Edited(weights={"reduced": float("nan")}), "expected finite values >= 0")
    _fails(_Edited(weights={"reduced": 2.0, "other": -1.0}), "expected finite values >= 0")
    _fails(
        _Edited(weights={"other": 1.0}),
        "logits of ['reduced']",
        "expected one per member ['other']",
    )
    unnamed = _Edited()
    unnamed.forward = lambda x: torch.zeros(x.shape[0])
    _fails(unnamed, "forward returned a Tensor", "expected a mapping of member name")
    frozen = _Edited()
    frozen.requires_grad_(False)
    _fails(frozen, "no trainable parameters")


def test_dual_with_both_weights_zero_fails(registry):
    component = _build(registry, "dual", PROBLEM, spatial_weight=0.0, spectral_weight=0.0)
    _fails(component, "weights {} sum to 0 over 2 members", "expected 1")


def test_an_empty_component_must_make_no_decision():
    empty = Discriminators({}, {})
    empty.combined = lambda x: torch.ones(x.shape[0])
    _fails(empty, "without members are not all zero", "expected zeros")
    weighted = Discriminators({}, {})
    weighted.weights = {"ghost": 1.0}
    _fails(weighted, "logits of []", "expected one per member ['ghost']")


def test_wrong_component_types_fail():
    _fails(lambda x: {}, "build returned function", "expected a torch.nn.Module")
    _fails(nn.Linear(3, 1), "len() of the Linear failed")
    no_weights = nn.ModuleList()
    _fails(no_weights, "component.weights is a NoneType", "expected a mapping")
    no_combined = nn.ModuleList()
    no_combined.weights = {}
    _fails(no_combined, "ModuleList has no combined(x) method")


@dataclass
class _BrokenConfig(MethodConfig):
    """No options."""


def _column_logits(cfg: _BrokenConfig, problem: DiscProblem) -> Discriminators:
    return _Edited(lambda y: y[:, None])


def _nan_logits(cfg: _BrokenConfig, problem: DiscProblem) -> Discriminators:
    return _Edited(lambda y: y * float("nan"))


class _BrokenMethods:
    """A plugin whose ``sr_discriminator`` methods return (B, 1) logits and NaN logits."""

    @hookimpl
    def spectral_harness_register_methods(self) -> list[MethodSpec]:
        return [
            MethodSpec("column_logits", SLOT_SPEC.name, _BrokenConfig, _column_logits),
            MethodSpec("nan_logits", SLOT_SPEC.name, _BrokenConfig, _nan_logits),
        ]


@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize(
    ("task", "method", "fragment"),
    [
        ("sr_disc_probe", "column_logits", f"logits shape ({B}, 1), expected ({B},)"),
        ("sr_disc_probe", "nan_logits", "non-finite values"),
        ("sr_x4", "column_logits", f"logits shape ({B}, 1), expected ({B},)"),
    ],
)
def test_a_broken_method_is_a_failed_cell_naming_the_shapes(settings, task, method, fragment):
    registry = Registry.from_plugin_manager(build_plugin_manager(extra_plugins=[_BrokenMethods()]))
    cell = make_cell(registry, task, method, trainer=TrainerOptions(num_threads=1))
    record = run_cell(cell, registry, settings)
    assert record.status == "failed"
    message = record.error["message"]
    assert method in message and fragment in message, message
    assert registry.task(task).primary not in record.metrics


@pytest.mark.parametrize(
    ("task", "override", "value"),
    [
        ("sr_x4", "steps", 0),
        ("sr_x4", "steps", -5),
        ("sr_x4", "lr", 0.0),
        ("sr_x4", "d_lr", -1e-4),
        ("sr_x4", "hr_crop", 2),
        ("sr_x4", "batch_size", 0),
        ("sr_x4", "g_blocks", 0),
        ("sr_x4", "pretrain_steps", 0),
        ("sr_x4", "ema_decay", 1.0),
        ("sr_x4", "l1_weight", 0.0),
        ("sr_x4", "gan_weight", -1.0),
        ("sr_x4", "log_every", 0),
        ("sr_x4", "test_crop", -1),
        ("sr_disc_probe", "eval_every", 0),
        ("sr_disc_probe", "train_patches", 2),
        ("sr_disc_probe", "d_patch", 0),
        ("sr_disc_probe", "low_cut", 0.0),
        ("sr_disc_probe", "high_cut", 1.0),
        ("sr_disc_probe", "gain", -0.5),
        ("sr_disc_probe", "gain", float("nan")),
    ],
)
def test_out_of_range_task_values_are_one_line(registry, task, override, value):
    cell = make_cell(registry, task, "spatial", task_overrides={override: value})
    with pytest.raises(UserError, match=f"^invalid value task.{override}=") as info:
        identify(cell, registry)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("method", "override", "value"),
    [
        ("reduced_spectrum", "bins", -1),
        ("reduced_spectrum", "hidden", -8),
        ("dual", "spatial_weight", -0.5),
        ("dual", "spectral_weight", float("inf")),
    ],
)
def test_out_of_range_method_values_are_one_line(registry, method, override, value):
    cell = make_cell(registry, "sr_disc_probe", method, method_overrides={override: value})
    with pytest.raises(UserError, match=f"^invalid value method.{override}=") as info:
        identify(cell, registry)
    assert "\n" not in str(info.value)


def test_every_preset_of_every_task_and_method_is_in_range(registry):
    for task in SIZE_FIELD:
        spec = registry.task(task)
        assert set(spec.scales) == {"smoke", "cpu", "full"}
        for scale in spec.scales:
            validate_config(apply_scale(spec, spec.config(name=task), scale), "task")
    for method in METHODS:
        spec = registry.method(method, SLOT_SPEC.name)
        for scale in spec.scales or ("smoke",):
            validate_config(apply_scale(spec, spec.config(name=method), scale), "method")
