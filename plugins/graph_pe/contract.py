"""The ``graph_pe`` slot: what its tasks hand to ``build`` and what a method must return.

Torch-free, so listing and registration stay cheap. The slot has no component probe yet: a
component of the wrong kind fails inside the task's first use of it, as a ``failed`` cell.
"""

from __future__ import annotations

from harness import SlotSpec

SLOT_SPEC = SlotSpec(
    name="graph_pe",
    summary="positional encodings for graph regression (ZINC, cycle counting)",
    problem=(
        "GraphPEProblem: pe_dims (eigenpairs per graph, zero-padded), pe_out (node-encoding "
        "width the backbone receives), pe_hidden, pe_layers, spe_channels (default sizes of "
        "the PE networks)"
    ),
    component=(
        "a PositionalEncoder (torch nn.Module) with out_dim: int; forward(batch) returns "
        "(num_nodes, out_dim) float node encodings, or None for no encoding"
    ),
    result=(
        "test MAE at the best validation epoch (zinc: penalised logP; cycles: standardised "
        "k-cycle counts)"
    ),
)
