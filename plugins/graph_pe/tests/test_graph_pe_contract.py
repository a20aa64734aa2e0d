"""The ``graph_pe`` slot contract: every real encoder passes its probe on the problem both tasks
build at every scale (smoke: tests/test_conformance.py) and for any problem sizes, broken encoders
fail it with one line naming what was expected and what came back, the probe leaves the global
RNGs and the encoder alone, and a broken method is a failed cell. Also the ranges of the graph_pe
task and method configs (their presets: tests/test_conformance.py)."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from harness import MethodConfig
from harness.plugins import Registry, get_registry
from harness.runner import TrainerOptions, check_component, identify, make_cell
from harness.specs import resolve
from harness.testing import (
    assert_contract_error,
    assert_failed_record,
    assert_refused,
    broken_method_record,
    build_on_task,
)
from spectral_harness_graph_pe.contract import SLOT_SPEC, check, probe_batch
from spectral_harness_graph_pe.data import Batch, Features
from spectral_harness_graph_pe.encoders import GraphPEProblem, PositionalEncoder

METHODS = ("none", "lappe", "rwse", "signnet", "spe", "basisnet")
TASKS = ("zinc", "cycles")
PROBLEM = GraphPEProblem(pe_dims=8, pe_out=8, pe_hidden=16, pe_layers=2, spe_channels=4)
N = 3 + 5 + (PROBLEM.pe_dims + 1)  # probe nodes: triangle, 5-node path, (d + 1)-node ring
CPU = torch.device("cpu")


def _build(registry: Registry, method: str, problem: GraphPEProblem, **kw: Any) -> nn.Module:
    """The real encoder of ``method`` for ``problem``, in eval mode (as the host probes it)."""
    spec = registry.method(method, SLOT_SPEC.name)
    return resolve(spec.build)(spec.config(name=method, **kw), problem).eval()


def test_the_slot_is_registered_with_this_contract(registry):
    assert registry.slots["graph_pe"] is SLOT_SPEC
    assert resolve(SLOT_SPEC.check) is check
    assert {registry.task(t).slot for t in TASKS} == {"graph_pe"}
    assert set(registry.methods_for_slot(SLOT_SPEC.name)) == set(METHODS)


def _at_scale(task: str, scale: str) -> Any:
    """(task, scale) as a parameter; generating the cycle graphs takes a while beyond smoke."""
    marks = [pytest.mark.slow] if task == "cycles" else []
    return pytest.param(task, scale, id=f"{task}-{scale}", marks=marks)


@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize(
    ("task", "scale"), [_at_scale(task, scale) for task in TASKS for scale in ("cpu", "full")]
)
@pytest.mark.parametrize("method", METHODS)
def test_every_method_passes_the_check_at_every_scale(registry, settings, method, task, scale):
    build_on_task(task, method, scale=scale, registry=registry, settings=settings)


@settings(max_examples=30, deadline=None)
@given(
    pe_dims=st.integers(1, 16),
    pe_out=st.integers(1, 16),
    pe_hidden=st.integers(1, 12),
    pe_layers=st.integers(1, 3),
    spe_channels=st.integers(1, 6),
    rw_steps=st.integers(1, 8),
)
def test_the_probe_pads_and_cuts_spectra_and_real_encoders_pass_it(
    pe_dims, pe_out, pe_hidden, pe_layers, spe_channels, rw_steps
):
    """For any ``pe_dims`` > 1 the probe holds a graph with fewer nodes than eigenpairs (padding)
    and one with more (a cut spectrum), all simple and undirected, and every real encoder passes
    the check (``lappe`` and ``basisnet`` need two eigenpairs, so not at ``pe_dims`` 1)."""
    batch = probe_batch(pe_dims, Features(eig=True, rw_steps=rw_steps), CPU)
    sizes = batch.sizes.tolist()
    assert batch.num_graphs == 3 and batch.num_nodes == sum(sizes)
    assert max(sizes) > pe_dims and (pe_dims == 1 or min(sizes) < pe_dims)
    assert batch.eig_mask.sum(dim=1).tolist() == [min(n, pe_dims) for n in sizes]
    assert batch.eigvecs.shape == (batch.num_nodes, pe_dims)
    assert not batch.eigvecs[~batch.eig_mask[batch.batch]].any()  # padded columns are zero
    assert batch.rw.shape == (batch.num_nodes, rw_steps)
    src, dst = batch.edge_index.tolist()
    pairs = set(zip(src, dst, strict=True))
    assert len(pairs) == len(src), "duplicate edges"
    assert all(i != j and (j, i) in pairs and batch.batch[i] == batch.batch[j] for i, j in pairs)
    problem = GraphPEProblem(pe_dims, pe_out, pe_hidden, pe_layers, spe_channels)
    registry = get_registry()
    for method in METHODS:
        if method in ("lappe", "basisnet") and pe_dims < 2:
            continue
        options = {"steps": rw_steps} if method == "rwse" else {}
        with torch.no_grad():
            check(_build(registry, method, problem, **options), problem)


def test_the_probe_batch_is_the_same_every_time():
    first, second = (probe_batch(8, Features(eig=True, rw_steps=4), CPU) for _ in range(2))
    for name in ("x", "edge_index", "edge_attr", "eigvals", "eigvecs", "rw"):
        assert torch.equal(getattr(first, name), getattr(second, name)), name
    assert first.num_nodes == N


@pytest.mark.parametrize("method", METHODS)
def test_the_check_leaves_the_global_rngs_and_the_encoder_untouched(registry, method):
    encoder = _build(registry, method, PROBLEM)
    before = {k: v.clone() for k, v in encoder.state_dict().items()}
    states = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    check(encoder, PROBLEM)
    assert torch.equal(torch.get_rng_state(), states[0])
    assert np.array_equal(np.random.get_state()[1], states[1]) and random.getstate() == states[2]
    assert all(torch.equal(before[k], v) for k, v in encoder.state_dict().items())
    assert all(p.grad is None for p in encoder.parameters())


def test_the_host_probes_a_training_encoder_in_eval_mode_and_restores_it(registry):
    """LapPE flips signs from the global RNG while training: the host's probe must not."""
    spec = registry.method("lappe", SLOT_SPEC.name)
    encoder = resolve(spec.build)(spec.config(name="lappe"), PROBLEM).train()
    state = torch.get_rng_state()
    check_component(encoder, PROBLEM, registry, "lappe", SLOT_SPEC.name)
    assert encoder.training and torch.equal(torch.get_rng_state(), state)


class _Stub(PositionalEncoder):
    """An encoder of width ``out_dim`` whose forward returns ``output(batch)``."""

    def __init__(
        self, output: Callable[[Batch], Any], out_dim: Any = PROBLEM.pe_out, **attrs: Any
    ) -> None:
        super().__init__()
        self.output, self.out_dim = output, out_dim
        self.features = Features(eig=True)
        for name, value in attrs.items():
            setattr(self, name, value)

    def forward(self, batch: Batch) -> Any:
        return self.output(batch)


def _zeros(rows: int = N, cols: int = PROBLEM.pe_out, **kw: Any) -> Callable[[Batch], Any]:
    return lambda batch: torch.zeros(rows, cols, **kw)


# The slot's probe refuses (component, problem) in one line holding every fragment.
_probe_refuses = partial(assert_contract_error, SLOT_SPEC.name, registry=get_registry())


def test_a_valid_stand_in_passes():
    check(_Stub(_zeros()), PROBLEM)
    check(_Stub(lambda batch: batch.eigvecs.double()), PROBLEM)  # any floating dtype
    check(_Stub(lambda batch: None, out_dim=0), PROBLEM)


class _PyGEncoder(PositionalEncoder):
    """A new PE written only with PyG: a GCN over the eigenvectors of the PyG view."""

    def __init__(self, pe_dims: int, out_dim: int) -> None:
        super().__init__()
        from torch_geometric.nn import GCNConv

        self.out_dim, self.features = out_dim, Features(eig=True)
        self.conv = GCNConv(pe_dims, out_dim)

    def forward(self, batch: Batch) -> torch.Tensor:
        data = batch.to_pyg()
        return self.conv(data.eigvecs, data.edge_index)


def test_a_pe_written_with_pyg_gets_a_pyg_batch_and_passes_the_check():
    from torch_geometric.data import Batch as PyGBatch
    from torch_geometric.nn import global_add_pool

    check(_PyGEncoder(PROBLEM.pe_dims, PROBLEM.pe_out), PROBLEM)
    batch = probe_batch(PROBLEM.pe_dims, Features(eig=True), CPU)
    data = batch.to_pyg()
    assert isinstance(data, PyGBatch) and data.num_graphs == batch.num_graphs == 3
    assert data.eigvecs is batch.eigvecs and data.edge_index is batch.edge_index  # no copy
    assert data.ptr.tolist() == [0, *torch.cumsum(batch.sizes, 0).tolist()]
    sizes = global_add_pool(torch.ones(batch.num_nodes, 1), data.batch).squeeze(1)
    assert sizes.tolist() == batch.sizes.tolist()


def test_a_component_that_is_not_a_module_fails():
    _probe_refuses(
        lambda batch: None, PROBLEM, "build returned function", "expected a torch.nn.Module"
    )
    _probe_refuses(object(), PROBLEM, "build returned object", "(PositionalEncoder)")


def test_a_wrong_out_dim_is_named():
    expected = "expected 8 = problem.pe_out (or 0: no encoding)"
    _probe_refuses(_Stub(_zeros(cols=5), out_dim=5), PROBLEM, "out_dim 5,", expected)
    _probe_refuses(_Stub(_zeros(), out_dim=8.0), PROBLEM, "out_dim 8.0,", expected)
    _probe_refuses(_Stub(_zeros(), out_dim=True), PROBLEM, "out_dim True,", expected)
    _probe_refuses(nn.Linear(2, 8), PROBLEM, "out_dim None,", expected)


def test_missing_or_wrong_features_fail():
    _probe_refuses(_Stub(_zeros(), features=None), PROBLEM, "features is a NoneType", "expected")
    _probe_refuses(_Stub(_zeros(), features={"eig": True}), PROBLEM, "features is a dict")
    linear = nn.Linear(2, 8)
    linear.out_dim = 8
    _probe_refuses(
        linear,
        PROBLEM,
        "features is a NoneType",
        "expected spectral_harness_graph_pe.data.Features",
    )


def test_wrong_output_shapes_are_named():
    expected = f"expected ({N}, 8) = (probe nodes, out_dim)"
    _probe_refuses(_Stub(_zeros(cols=9)), PROBLEM, f"output shape ({N}, 9)", expected)
    _probe_refuses(_Stub(_zeros(rows=N - 1)), PROBLEM, f"output shape ({N - 1}, 8)", expected)
    _probe_refuses(_Stub(_zeros(rows=8, cols=N)), PROBLEM, f"output shape (8, {N})", expected)
    _probe_refuses(
        _Stub(lambda batch: torch.zeros(N * 8)), PROBLEM, f"output shape ({N * 8},)", expected
    )
    _probe_refuses(
        _Stub(lambda batch: torch.zeros(1, N, 8)), PROBLEM, f"output shape (1, {N}, 8)", expected
    )


def test_non_float_non_finite_and_non_tensor_outputs_fail():
    _probe_refuses(
        _Stub(_zeros(dtype=torch.long)), PROBLEM, "dtype torch.int64", "expected a floating dtype"
    )
    _probe_refuses(_Stub(_zeros(dtype=torch.bool)), PROBLEM, "dtype torch.bool")
    nan = _Stub(lambda batch: torch.zeros(N, 8).index_fill_(0, torch.tensor([2]), float("nan")))
    _probe_refuses(nan, PROBLEM, f"8 non-finite values out of {N * 8}", "expected all finite")
    _probe_refuses(
        _Stub(lambda batch: torch.full((N, 8), float("inf"))), PROBLEM, f"{N * 8} non-finite values"
    )
    _probe_refuses(
        _Stub(lambda batch: None), PROBLEM, "output is a NoneType", f"a tensor of shape ({N}, 8)"
    )
    _probe_refuses(_Stub(lambda batch: torch.zeros(N, 8).tolist()), PROBLEM, "output is a list")


def test_an_encoder_of_width_zero_must_return_none():
    message = "expected None (out_dim 0: no encoding)"
    _probe_refuses(_Stub(_zeros(cols=0), out_dim=0), PROBLEM, "output is a Tensor", message)
    _probe_refuses(_Stub(_zeros(), out_dim=0), PROBLEM, "output is a Tensor", message)


def _wide(cfg: MethodConfig, problem: GraphPEProblem) -> PositionalEncoder:
    return _Stub(_zeros(cols=problem.pe_out + 1))


def _nan(cfg: MethodConfig, problem: GraphPEProblem) -> PositionalEncoder:
    return _Stub(lambda batch: torch.full((batch.num_nodes, problem.pe_out), float("nan")))


@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize(
    ("task", "build", "fragment"),
    [
        ("zinc", _wide, f"output shape ({N}, 9), expected ({N}, 8)"),
        ("zinc", _nan, f"output has {N * 8} non-finite values"),
        ("cycles", _wide, f"output shape ({N}, 9), expected ({N}, 8)"),
    ],
    ids=["zinc-wide", "zinc-nan", "cycles-wide"],
)
def test_a_broken_method_is_a_failed_cell_naming_the_method_and_the_slot(
    settings, task, build, fragment
):
    trainer = TrainerOptions(num_threads=1)
    record = broken_method_record(task, build, settings=settings, trainer=trainer)
    assert_failed_record(
        record, "method 'broken_method' broke the 'graph_pe' slot contract", fragment
    )


@pytest.mark.parametrize(
    ("task", "override", "value"),
    [
        ("zinc", "epochs", 0),
        ("zinc", "batch_size", 0),
        ("zinc", "hidden", 0),
        ("zinc", "layers", -1),
        ("zinc", "pe_dims", 0),
        ("zinc", "pe_out", 0),
        ("zinc", "pe_hidden", 0),
        ("zinc", "pe_layers", 0),
        ("zinc", "spe_channels", 0),
        ("zinc", "pool", "max"),
        ("zinc", "lr", 0.0),
        ("zinc", "lr", float("nan")),
        ("zinc", "weight_decay", -1e-6),
        ("zinc", "warmup_steps", -1),
        ("zinc", "eval_every_epochs", 0),
        ("zinc", "train_graphs", -1),
        ("zinc", "eval_graphs", -1),
        ("cycles", "num_graphs", 3),
        ("cycles", "data_seed", -1),
        ("cycles", "pool", "max"),
        ("cycles", "epochs", 0),
    ],
)
def test_out_of_range_task_values_are_one_line(registry, task, override, value):
    assert_refused(task, "none", task_overrides={override: value}, registry=registry)


@pytest.mark.parametrize(
    ("method", "override", "value"),
    [
        ("lappe", "k", 0),
        ("rwse", "steps", 0),
        ("signnet", "k", 0),
        ("signnet", "layers", 0),
        ("signnet", "hidden", -4),
        ("signnet", "norm", "group"),
        ("spe", "k", 0),
        ("spe", "channels", 0),
        ("spe", "phi_layers", 0),
        ("spe", "phi_hidden", 0),
        ("spe", "rho_layers", 0),
        ("spe", "rho_hidden", 0),
        ("spe", "norm", "instance"),
    ],
)
def test_out_of_range_method_values_are_one_line(registry, method, override, value):
    assert_refused("zinc", method, method_overrides={override: value}, registry=registry)


def test_the_bounds_are_inclusive_where_zero_or_the_minimum_means_something(registry):
    """0 warm-up steps, no weight decay, all graphs (0) and the smallest 4:1:1 split are valid."""
    zinc = {"warmup_steps": 0, "weight_decay": 0.0, "train_graphs": 0, "eval_graphs": 0}
    identify(make_cell(registry, "zinc", "none", task_overrides=zinc), registry)
    cycles = {"num_graphs": 4, "data_seed": 0, "cycle_length": 3, "min_nodes": 5, "max_nodes": 5}
    identify(make_cell(registry, "cycles", "none", task_overrides=cycles), registry)
    identify(make_cell(registry, "zinc", "spe", method_overrides={"k": 1}), registry)
