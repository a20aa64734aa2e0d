"""The claims this family checks against its records (judged at the ``cpu`` scale of the presets
in ``conf/experiment/peft_*.yaml``)."""

from __future__ import annotations

from harness import Claim, hookimpl

CPU = "cpu"


@hookimpl
def spectral_harness_register_claims() -> list[Claim]:
    """FourierFT vs LoRA, Spectrum vs full fine-tuning, EoRA and ResQ vs RTN."""
    return []
