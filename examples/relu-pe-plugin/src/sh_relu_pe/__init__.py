"""ReLU + positional encoding (Mildenhall et al. 2020), a baseline for the ``inr_init`` slot.

Everything the harness needs is in this module: a config dataclass and one hook implementation.
It imports no torch: the model is built by ``sh_relu_pe.model:build``, loaded only when a run
needs it.
"""

from dataclasses import dataclass

from harness import MethodConfig, MethodSpec, PaperReference, hookimpl


@dataclass
class ReluPEConfig(MethodConfig):
    """``num_frequencies`` octaves: γ(x) = [sin(2^k π x), cos(2^k π x)] for k < num_frequencies."""

    num_frequencies: int = 10


@hookimpl
def spectral_harness_register_methods() -> list[MethodSpec]:
    """Register ``relu_pe`` for the ``inr_init`` slot."""
    return [
        MethodSpec(
            name="relu_pe",
            slot="inr_init",
            config=ReluPEConfig,
            build="sh_relu_pe.model:build",
            summary="ReLU MLP on a NeRF positional encoding",
            paper=PaperReference(
                "NeRF: Representing Scenes as Neural Radiance Fields", "2003.08934"
            ),
            is_baseline=True,
        )
    ]
