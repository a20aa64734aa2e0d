"""The ``graph_augment`` slot: what its tasks hand to ``build`` and what a method must return.

Torch-free, so listing and registration stay cheap. The slot has no component probe yet: a
component of the wrong kind fails inside the task's first use of it, as a ``failed`` cell.
"""

from __future__ import annotations

from harness import SlotSpec

SLOT_SPEC = SlotSpec(
    name="graph_augment",
    summary="graph augmentations for contrastive learning (GraphCL, GRACE)",
    problem=(
        "AugProblem: level ('graph' or 'node'), graphs (the training graphs), cache_dir, "
        "data_key (dataset and checksum for cache keys), seed, device"
    ),
    component=(
        "an Augmentor: two stochastic views of each input graph; feature_mask says whether "
        "the framework's feature masking is composed with them"
    ),
    result="linear-probe accuracy of the frozen encoder (graph or node classification)",
)
