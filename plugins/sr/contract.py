"""The ``sr_discriminator`` slot: what its tasks hand to ``build`` and what a method must return.

Torch-free, so listing and registration stay cheap. The slot has no component probe yet: a
component of the wrong kind fails inside the task's first use of it, as a ``failed`` cell.
"""

from __future__ import annotations

from harness import SlotSpec

SLOT_SPEC = SlotSpec(
    name="sr_discriminator",
    summary="GAN discriminators for x4 super-resolution",
    problem=(
        "DiscProblem: image_size, patch, embed_dim, depths, heads, mlp_ratio, channels, "
        "spectrum_bins, mlp_hidden (the patch-Transformer size the discriminators share)"
    ),
    component=(
        "a Discriminators nn.Module: named discriminators and the weights (summing to 1) that"
        " split the GAN loss among them; empty for none"
    ),
    result=(
        "Y-channel PSNR of the generator on Set5/Set14/BSD100 (sr_x4), or held-out band-"
        "attenuation detection accuracy (sr_disc_probe)"
    ),
)
