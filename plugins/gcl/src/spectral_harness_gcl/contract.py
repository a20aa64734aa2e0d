"""The ``graph_augment`` slot's contract: what its tasks hand to ``build`` and what methods return.

Torch-free at import (the registry loads it); :func:`check` imports NumPy and torch when it runs.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import ContractError, SlotSpec

if TYPE_CHECKING:
    import torch

    from spectral_harness_gcl.data import Graph


PROBE_SEED = 0
ATTRIBUTES = ("problem", "feature_mask", "precompute_seconds", "cache_hit", "prepare", "views")


def _cpu() -> torch.device:
    """The default device, imported only when a problem is made without one."""
    import torch

    return torch.device("cpu")


@dataclass
class AugProblem:
    """What the ``graph_augment`` slot hands to a method.

    ``level``: ``graph`` (many small graphs) or ``node`` (one large graph). ``data_key`` names
    the data in cache keys (dataset and checksum); ``seed`` is the cell's seed.
    """

    level: str
    graphs: list[Graph]
    cache_dir: Path
    data_key: dict[str, Any] = dataclasses.field(default_factory=dict)
    seed: int = 0
    device: torch.device = dataclasses.field(default_factory=_cpu)


SLOT_SPEC = SlotSpec(
    name="graph_augment",
    summary="graph augmentations for contrastive learning (GraphCL, GRACE)",
    problem=(
        "spectral_harness_gcl.contract.AugProblem (dataclass; host-side NumPy data): level "
        "('graph': the "
        "TU dataset's graphs, all of them or a fixed stratified subset of task.max_graphs; "
        "'node': a list of the one Planetoid graph), graphs (list of "
        "spectral_harness_gcl.data.Graph: "
        "pairs, an int64 (2, M) array of undirected edges with i < j, each once, no self-loops; "
        "num_nodes n; x, float32 (n, F) node features, F the same for every graph; y, the int "
        "graph label, 0 at node level), cache_dir (Path for on-disk precomputes), data_key "
        "(dict naming the data in cache keys: dataset, checksum and, graph level, max_graphs), "
        "seed (int, the cell's), device (the torch.device the task trains on; views stay on the "
        "host)"
    ),
    component=(
        "an instance of a spectral_harness_gcl.augment.Augmentor subclass: problem (the AugProblem "
        "handed to build), feature_mask (bool: whether the task composes its feature masking, "
        "task.feature_mask_1 / _2, with the views), precompute_seconds (float >= 0) and "
        "cache_hit (bool), set by prepare(), the one-off precompute the task calls once after "
        "this check and before training; views(g, rng), for a graph index g and a "
        "numpy.random.Generator rng, returns a tuple of two spectral_harness_gcl.augment.View of "
        "problem.graphs[g], drawn from rng alone, leaving the graph untouched: pairs (int64 "
        "(2, M') NumPy array, 0 <= i < j < n, each edge once) and keep (None, or a bool (n,) "
        "NumPy mask with at least one kept node and every edge between kept nodes; graph level: "
        "the dropped nodes are removed with their rows of x, node level: isolated with zero "
        "features). Views carry structure only: the encoder reads x from problem.graphs. The "
        "check draws views only from an augmentor without a precompute (prepare() not "
        "overridden): it never runs prepare()"
    ),
    result=(
        "accuracy (primary, %) of a logistic-regression probe on the frozen encoder: gcl_graph: "
        "mean over task.folds stratified CV folds on GIN graph embeddings (accuracy_fold_std), "
        "gcl_node: test nodes of a random train_frac / val_frac / rest split on GCN node "
        "embeddings (val_accuracy); both: ssl_loss, aug_seconds = aug_precompute_s + "
        "aug_sample_s, aug_ms_per_graph, aug_cache_hit, edge_change_frac (the realised fraction "
        "of edges changed per view, mean of both) and edge_change_frac_1 / _2 (per view)"
    ),
    check="spectral_harness_gcl.contract:check",
)


def check(component: Any, problem: Any) -> None:
    """Probe ``component`` on the smallest and the largest graph of ``problem`` (its one graph at
    node level).

    Raises :class:`ContractError` (one line: expected vs. actual) unless it is an
    :class:`~spectral_harness_gcl.augment.Augmentor` bound to ``problem`` with the slot's
    attributes and,
    when it has no precompute, :func:`probe_views` accepts its views. An augmentor that overrides
    ``prepare`` has only its attributes checked: its views need the precompute (SPAN's Δ, seconds
    on a large graph), which only the task runs.
    """
    from spectral_harness_gcl.augment import Augmentor

    if not isinstance(component, Augmentor):
        raise ContractError(
            f"build returned {type(component).__name__}, expected a "
            "spectral_harness_gcl.augment.Augmentor"
        )
    _check_attributes(component, problem)
    if type(component).prepare is not Augmentor.prepare:
        return
    sizes = [graph.num_nodes for graph in problem.graphs]
    for g in sorted({sizes.index(min(sizes)), sizes.index(max(sizes))}):
        probe_views(component, problem, g)


def probe_views(component: Any, problem: Any, g: int) -> None:
    """Draw the views of ``problem.graphs[g]`` twice, from NumPy generators seeded alike.

    Raises :class:`ContractError` unless both draws are two well-formed views (see
    :data:`SLOT_SPEC`), equal to each other, and the input graph is untouched. Python's, NumPy's
    and torch's global generators are restored afterwards.
    """
    import numpy as np

    graph = problem.graphs[g]
    pairs, x = graph.pairs.copy(), graph.x.copy()
    with _global_rngs_kept():
        first = component.views(g, np.random.default_rng(PROBE_SEED))
        again = component.views(g, np.random.default_rng(PROBE_SEED))
    where = f"graph {g} ({graph.num_nodes} nodes)"
    for views in (first, again):
        _check_views(views, graph.num_nodes, g, where)
    _check_untouched(problem, g, graph, pairs, x)
    if not all(_same(a, b) for a, b in zip(first, again, strict=True)):
        raise ContractError(
            f"views({g}, rng) differ between two generators seeded alike, expected views drawn "
            "from rng alone"
        )


def _check_attributes(component: Any, problem: Any) -> None:
    """Refuse an augmentor without the slot's attributes, or with values of the wrong kind."""
    kind = type(component).__name__
    missing = [name for name in ATTRIBUTES if not hasattr(component, name)]
    if missing:
        raise ContractError(
            f"{kind} has no {', '.join(missing)}, expected every Augmentor attribute "
            f"({', '.join(ATTRIBUTES)}; Augmentor.__init__ sets problem and precompute_seconds)"
        )
    if component.problem is not problem:
        raise ContractError(
            f"{kind}.problem is a {type(component.problem).__name__} other than the problem "
            "handed to build, expected that AugProblem"
        )
    for name in ("prepare", "views"):
        if not callable(getattr(component, name)):
            raise ContractError(f"{kind}.{name} is not callable, expected a method")
    for name in ("feature_mask", "cache_hit"):
        if not isinstance(getattr(component, name), bool):
            raise ContractError(f"{kind}.{name} = {getattr(component, name)!r}, expected a bool")
    seconds = component.precompute_seconds
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise ContractError(f"{kind}.precompute_seconds = {seconds!r}, expected a float >= 0")


def _check_views(views: Any, n: int, g: int, where: str) -> None:
    """Refuse anything but a tuple of two well-formed views of a graph with ``n`` nodes."""
    if not isinstance(views, tuple | list):
        raise ContractError(
            f"views({g}, rng) returned a {type(views).__name__}, expected a tuple of two "
            "spectral_harness_gcl.augment.View"
        )
    if len(views) != 2:
        raise ContractError(f"views({g}, rng) returned {len(views)} views, expected 2")
    for i, view in enumerate(views, start=1):
        _check_view(view, n, f"view {i} of {where}")


def _check_view(view: Any, n: int, what: str) -> None:
    """Refuse a view whose pairs or keep mask break the undirected form of an ``n``-node graph."""
    import numpy as np

    from spectral_harness_gcl.augment import View

    if not isinstance(view, View):
        raise ContractError(
            f"{what} is a {type(view).__name__}, expected a spectral_harness_gcl.augment.View"
        )
    pairs = view.pairs
    if not isinstance(pairs, np.ndarray):
        raise ContractError(
            f"{what}: pairs is a {type(pairs).__name__}, expected an int64 NumPy array (2, M)"
        )
    if pairs.dtype != np.int64:
        raise ContractError(f"{what}: pairs dtype {pairs.dtype}, expected int64")
    if pairs.ndim != 2 or pairs.shape[0] != 2:
        raise ContractError(f"{what}: pairs shape {pairs.shape}, expected (2, M)")
    if pairs.size and (pairs.min() < 0 or pairs.max() >= n):
        raise ContractError(
            f"{what}: pairs hold node ids {pairs.min()}..{pairs.max()}, expected ids in 0..{n - 1}"
        )
    edges = pairs.shape[1]
    unordered = int((pairs[0] >= pairs[1]).sum())
    if unordered:
        raise ContractError(
            f"{what}: {unordered} of {edges} pairs have i >= j, expected i < j (undirected, "
            "no self-loops)"
        )
    duplicates = edges - np.unique(pairs[0] * n + pairs[1]).size
    if duplicates:
        raise ContractError(
            f"{what}: {duplicates} duplicate pairs, expected each undirected edge once"
        )
    keep = view.keep
    if keep is None:
        return
    if not isinstance(keep, np.ndarray):
        raise ContractError(
            f"{what}: keep is a {type(keep).__name__}, expected None or a bool NumPy array ({n},)"
        )
    if keep.dtype != np.bool_:
        raise ContractError(f"{what}: keep dtype {keep.dtype}, expected bool")
    if keep.shape != (n,):
        raise ContractError(f"{what}: keep shape {keep.shape}, expected ({n},) = (num_nodes,)")
    if not keep.any():
        raise ContractError(f"{what}: keep drops all {n} nodes, expected at least one kept")
    touching = edges - int((keep[pairs[0]] & keep[pairs[1]]).sum())
    if touching:
        raise ContractError(
            f"{what}: {touching} edges touch dropped nodes, expected edges between kept nodes only"
        )


def _check_untouched(problem: Any, g: int, graph: Any, pairs: Any, x: Any) -> None:
    """Refuse views that replaced ``problem.graphs[g]`` or changed its pairs or features."""
    import numpy as np

    now = problem.graphs[g]
    if now is not graph:
        raise ContractError(f"views replaced problem.graphs[{g}], expected the input untouched")
    name = f"problem.graphs[{g}]"
    for field, before in (("pairs", pairs), ("x", x)):
        after = getattr(now, field)
        if after.dtype != before.dtype or after.shape != before.shape:
            raise ContractError(
                f"views changed {name}.{field} from {before.dtype} {before.shape} to "
                f"{after.dtype} {after.shape}, expected the input untouched"
            )
        if np.array_equal(after, before):
            continue
        bad = int((~np.isfinite(after)).sum())
        if bad:
            raise ContractError(
                f"views left {bad} non-finite values in {name}.{field}, expected the input "
                "untouched (all finite)"
            )
        raise ContractError(
            f"views changed {int((after != before).sum())} values of {name}.{field} in place, "
            "expected the input untouched"
        )


def _same(a: Any, b: Any) -> bool:
    """Whether two (checked) views have the same pairs and keep mask."""
    import numpy as np

    if (a.keep is None) != (b.keep is None):
        return False
    return np.array_equal(a.pairs, b.pairs) and (a.keep is None or np.array_equal(a.keep, b.keep))


@contextmanager
def _global_rngs_kept() -> Iterator[None]:
    """Restore Python's, NumPy's and torch's (CPU) global generators on exit.

    The host forks only torch's; an augmentor that draws from NumPy's global generator against
    the contract must not shift what the cell draws after the probe.
    """
    import numpy as np
    import torch

    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        with torch.random.fork_rng(devices=[]):
            yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
