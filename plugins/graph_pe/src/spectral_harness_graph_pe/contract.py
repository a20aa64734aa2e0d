"""The ``graph_pe`` slot's contract: what its tasks hand to ``build`` and what a method returns.

Torch-free at import (the registry loads it); :func:`check` imports torch when it runs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from harness import ContractError, SlotSpec


@dataclass(frozen=True)
class GraphPEProblem:
    """What the ``graph_pe`` slot hands to a method: the sizes its encoder must fit."""

    pe_dims: int  # d: eigenpairs available per graph (trivial pair included, zero-padded)
    pe_out: int  # p: width of the node encoding the backbone receives
    pe_hidden: int  # default width of the PE networks
    pe_layers: int  # default depth of the PE networks
    spe_channels: int  # default m for SPE


SLOT_SPEC = SlotSpec(
    name="graph_pe",
    summary="positional encodings for graph regression (ZINC, cycle counting)",
    problem=(
        "spectral_harness_graph_pe.contract.GraphPEProblem (frozen dataclass of ints, no tensors, "
        "no "
        "device): pe_dims = d (Laplacian eigenpairs per graph, trivial pair included, "
        "zero-padded when a graph has fewer nodes), pe_out = p (the node-encoding width the "
        "backbone receives), pe_hidden and pe_layers (default width and depth of the PE "
        "networks), spe_channels (default m of SPE)"
    ),
    component=(
        "a PositionalEncoder: a torch.nn.Module with `out_dim` (int: p, or 0 for no encoding) "
        "and `features` (spectral_harness_graph_pe.data.Features: eig, rw_steps), which the task "
        "precomputes in float32 on the run's device; forward(batch) takes a "
        "spectral_harness_graph_pe.data.Batch (eigvecs (n, d), eigvals (B, d), eig_mask (B, d), rw "
        "(n, rw_steps); batch.to_pyg() is the same batch as a torch_geometric.data.Batch with "
        "batch, ptr and those fields, for encoders written with PyG layers) and returns a "
        "finite floating tensor (n, out_dim), or None when out_dim is 0; the task puts it "
        "inside the GINE regressor and trains it with the backbone"
    ),
    result=(
        "test_mae (primary) at the epoch of best val_mae; zinc: penalised logP, cycles: "
        "standardised k-cycle counts (test_mae_counts in cycles, test_mae_regular on "
        "single-degree graphs); params, train_graphs_per_s, best_epoch"
    ),
    check="spectral_harness_graph_pe.contract:check",
)


def check(component: Any, problem: Any) -> None:
    """Probe ``component`` on a batch of three small graphs shaped by ``problem``.

    Raises :class:`ContractError` (one line: expected vs. actual) unless it is an ``nn.Module``
    with ``out_dim`` ``problem.pe_out`` (or 0) and :class:`Features`, whose forward returns a
    finite floating tensor (nodes, out_dim) (``None`` when ``out_dim`` is 0). The probe's atom
    and bond types come from a local generator, so the global RNG is untouched.
    """
    from torch import nn

    from harness import module_device
    from spectral_harness_graph_pe.data import Features

    if not isinstance(component, nn.Module):
        raise ContractError(
            f"build returned {type(component).__name__}, expected a torch.nn.Module "
            "(PositionalEncoder)"
        )
    out_dim = getattr(component, "out_dim", None)
    if (
        isinstance(out_dim, bool)
        or not isinstance(out_dim, int)
        or out_dim not in (0, problem.pe_out)
    ):
        raise ContractError(
            f"out_dim {out_dim!r}, expected {problem.pe_out} = problem.pe_out (or 0: no encoding)"
        )
    features = getattr(component, "features", None)
    if not isinstance(features, Features):
        raise ContractError(
            f"features is a {type(features).__name__}, expected "
            "spectral_harness_graph_pe.data.Features"
        )
    batch = probe_batch(problem.pe_dims, features, module_device(component))
    _check_output(component(batch), batch.num_nodes, out_dim)


def probe_batch(pe_dims: int, features: Any, device: Any) -> Any:
    """A :class:`Batch` with the requested PE inputs of three simple graphs: a complete graph on
    ``min(3, pe_dims - 1)`` nodes (at least 1), a 5-node path and a ``max(pe_dims + 1, 4)``-node
    ring with a chord, so that for every ``pe_dims`` > 1 one graph has fewer nodes than
    eigenpairs (padding) and one has more (a cut spectrum)."""
    import numpy as np
    import torch

    from harness import compute_eigenpairs
    from spectral_harness_graph_pe.data import (
        NUM_ATOM_TYPES,
        NUM_BOND_TYPES,
        PackedSplit,
        concat_graphs,
        gather,
        random_walk_return_probs,
    )

    small = max(1, min(3, pe_dims - 1))
    ring = max(pe_dims + 1, 4)  # from 4 nodes on, the chord is not a ring edge
    undirected = [
        list(itertools.combinations(range(small), 2)),
        [(i, i + 1) for i in range(4)],
        [(i, (i + 1) % ring) for i in range(ring)] + [(0, ring // 2)],
    ]
    sizes = [small, 5, ring]
    edges = [
        np.array(pairs + [(j, i) for i, j in pairs], dtype=np.int64).reshape(-1, 2).T
        for pairs in undirected
    ]
    rng = np.random.default_rng(0)
    graphs = concat_graphs(
        [rng.integers(0, NUM_ATOM_TYPES, n) for n in sizes],
        edges,
        [rng.integers(1, NUM_BOND_TYPES, e.shape[1]) for e in edges],
        np.zeros(len(sizes)),
    )
    tensors = {name: torch.from_numpy(value) for name, value in vars(graphs).items()}
    split = PackedSplit(**tensors)
    split.y = split.y.float()
    if features.eig:
        eig = compute_eigenpairs(graphs.graphs(), pe_dims)
        split.eigvals, split.eigvecs = eig.eigvals.float(), eig.eigvecs.float()
        split.num_valid = eig.num_valid
    if features.rw_steps:
        walks = [random_walk_return_probs(e, n, features.rw_steps) for e, n in graphs.graphs()]
        split.rw = torch.from_numpy(np.concatenate(walks)).float()
    for name, value in vars(split).items():
        if isinstance(value, torch.Tensor):
            setattr(split, name, value.to(device))
    return gather(split, torch.arange(len(sizes)))


def _check_output(output: Any, num_nodes: int, out_dim: int) -> None:
    """Refuse an encoding that is not a finite floating (num_nodes, out_dim) tensor, or not
    ``None`` when ``out_dim`` is 0."""
    from harness import check_tensor

    if out_dim == 0:
        if output is not None:
            raise ContractError(
                f"output is a {type(output).__name__}, expected None (out_dim 0: no encoding)"
            )
        return
    check_tensor(output, (num_nodes, out_dim), meaning="(probe nodes, out_dim)")
