"""The ``sr_discriminator`` slot contract: every real method (the empty ``none`` included) passes
its probe on the problem both tasks build at every scale (smoke: tests/test_conformance.py),
broken discriminators fail it with one line naming what was expected and what came back, and a
broken method is a failed cell. Also the ranges of the SR task and method configs (their presets:
tests/test_conformance.py)."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from torch import nn

from harness import MethodConfig
from harness.config import apply_scale
from harness.plugins import Registry, get_registry
from harness.runner import TrainerOptions
from harness.specs import resolve
from harness.testing import (
    assert_contract_error,
    assert_failed_record,
    assert_refused,
    broken_method_record,
    build_on_task,
)
from spectral_harness_sr.contract import PROBE_IMAGES, SLOT_SPEC, check
from spectral_harness_sr.methods import DiscProblem, Discriminators
from spectral_harness_sr.networks import ReducedSpectrumMLP

METHODS = ("dual", "spectral", "spatial", "reduced_spectrum", "none")
TASKS = ("sr_x4", "sr_disc_probe")
# sr_x4 pre-trains its generator and scores it on the test sets before it builds the
# discriminators; neither shapes their problem, so the build checks cut both short (and run the
# L1-anchored protocol: scale=full's loss=paper needs VGG19 weights, which are not here).
SHORT_PRETRAINING = {
    "pretrain_steps": 1,
    "test_sets": ["sr_set5"],
    "test_crop": 48,
    "loss": "l1_anchor",
}
PROBLEM = DiscProblem(image_size=16, patch=8, embed_dim=8, depths=(1, 1), heads=(2, 2))
B = PROBE_IMAGES


def _build(registry: Registry, method: str, problem: DiscProblem, scale: str = "smoke", **kw):
    spec = registry.method(method, SLOT_SPEC.name)
    cfg = apply_scale(spec, spec.config(name=method, **kw), scale)
    return resolve(spec.build)(cfg, problem)


def test_the_slot_is_registered_with_this_contract(registry):
    assert registry.slots["sr_discriminator"] is SLOT_SPEC
    assert resolve(SLOT_SPEC.check) is check
    assert {registry.task(t).slot for t in TASKS} == {"sr_discriminator"}
    assert set(registry.methods_for_slot(SLOT_SPEC.name)) == set(METHODS)


@pytest.mark.slow  # both tasks load and cut real images before they build (~20 s to minutes)
@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize("scale", ["cpu", "full"])
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("method", METHODS)
def test_every_method_passes_the_check_at_every_scale(registry, settings, method, task, scale):
    overrides = SHORT_PRETRAINING if task == "sr_x4" else {}
    build_on_task(
        task, method, scale=scale, task_overrides=overrides, registry=registry, settings=settings
    )


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


# The slot's probe refuses (component, problem) in one line holding every fragment.
_probe_refuses = partial(assert_contract_error, SLOT_SPEC.name, registry=get_registry())


def test_wrong_logit_shapes_are_named():
    _probe_refuses(
        _Edited(lambda y: y[:, None]),
        PROBLEM,
        f"member 'reduced' logits shape ({B}, 1)",
        f"expected ({B},)",
        f"input ({B}, 3, 16, 16)",
    )
    _probe_refuses(_Edited(lambda y: y[:, None].expand(B, 3)), PROBLEM, f"logits shape ({B}, 3)")
    _probe_refuses(_Edited(lambda y: y[:1]), PROBLEM, "logits shape (1,)", f"expected ({B},)")
    _probe_refuses(_Edited(lambda y: y.sum()), PROBLEM, "logits shape ()", f"expected ({B},)")


def test_a_wrong_ensemble_logit_shape_is_named():
    component = _Edited()
    component.combined = lambda x: torch.zeros(x.shape[0], 1)
    _probe_refuses(component, PROBLEM, f"combined logits shape ({B}, 1)", f"expected ({B},)")


def test_non_finite_and_non_float_logits_fail():
    _probe_refuses(
        _Edited(lambda y: y * float("nan")),
        PROBLEM,
        f"{B} non-finite values",
        "expected all finite",
    )
    _probe_refuses(_Edited(lambda y: y + float("inf")), PROBLEM, "non-finite")
    _probe_refuses(
        _Edited(lambda y: (y > 0).long()), PROBLEM, "dtype torch.int64", "expected a floating dtype"
    )
    _probe_refuses(
        _Edited(lambda y: y.tolist()),
        PROBLEM,
        "logits is a list",
        f"expected a tensor of shape ({B},)",
    )


def test_wrong_members_and_weights_fail():
    _probe_refuses(
        _Edited(weights={"reduced": 0.5}), PROBLEM, "sum to 0.5 over 1 members", "expected 1"
    )
    _probe_refuses(
        _Edited(weights={"reduced": float("nan")}), PROBLEM, "expected finite values >= 0"
    )
    _probe_refuses(
        _Edited(weights={"reduced": 2.0, "other": -1.0}), PROBLEM, "expected finite values >= 0"
    )
    _probe_refuses(
        _Edited(weights={"other": 1.0}),
        PROBLEM,
        "logits of ['reduced']",
        "expected one per member ['other']",
    )
    unnamed = _Edited()
    unnamed.forward = lambda x: torch.zeros(x.shape[0])
    _probe_refuses(
        unnamed, PROBLEM, "forward returned a Tensor", "expected a mapping of member name"
    )
    frozen = _Edited()
    frozen.requires_grad_(False)
    _probe_refuses(frozen, PROBLEM, "no trainable parameters")


def test_dual_with_both_weights_zero_fails(registry):
    component = _build(registry, "dual", PROBLEM, spatial_weight=0.0, spectral_weight=0.0)
    _probe_refuses(component, PROBLEM, "weights {} sum to 0 over 2 members", "expected 1")


def test_an_empty_component_must_make_no_decision():
    empty = Discriminators({}, {})
    empty.combined = lambda x: torch.ones(x.shape[0])
    _probe_refuses(empty, PROBLEM, "without members are not all zero", "expected zeros")
    weighted = Discriminators({}, {})
    weighted.weights = {"ghost": 1.0}
    _probe_refuses(weighted, PROBLEM, "logits of []", "expected one per member ['ghost']")


def test_wrong_component_types_fail():
    _probe_refuses(lambda x: {}, PROBLEM, "build returned function", "expected a torch.nn.Module")
    _probe_refuses(nn.Linear(3, 1), PROBLEM, "len() of the Linear failed")
    no_weights = nn.ModuleList()
    _probe_refuses(no_weights, PROBLEM, "component.weights is a NoneType", "expected a mapping")
    no_combined = nn.ModuleList()
    no_combined.weights = {}
    _probe_refuses(no_combined, PROBLEM, "ModuleList has no combined(x) method")


def _column_logits(cfg: MethodConfig, problem: DiscProblem) -> Discriminators:
    return _Edited(lambda y: y[:, None])


def _nan_logits(cfg: MethodConfig, problem: DiscProblem) -> Discriminators:
    return _Edited(lambda y: y * float("nan"))


@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize(
    ("task", "build", "fragment"),
    [
        ("sr_disc_probe", _column_logits, f"logits shape ({B}, 1), expected ({B},)"),
        ("sr_disc_probe", _nan_logits, "non-finite values"),
        ("sr_x4", _column_logits, f"logits shape ({B}, 1), expected ({B},)"),
    ],
    ids=["sr_disc_probe-column", "sr_disc_probe-nan", "sr_x4-column"],
)
def test_a_broken_method_is_a_failed_cell_naming_the_shapes(settings, task, build, fragment):
    trainer = TrainerOptions(num_threads=1)
    record = broken_method_record(task, build, settings=settings, trainer=trainer)
    assert_failed_record(record, "method 'broken_method'", fragment)


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
    assert_refused(task, "spatial", task_overrides={override: value}, registry=registry)


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
    assert_refused("sr_disc_probe", method, method_overrides={override: value}, registry=registry)
