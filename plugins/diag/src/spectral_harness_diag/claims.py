from __future__ import annotations

from harness import Claim, hookimpl


@hookimpl
def spectral_harness_register_claims() -> list[Claim]:
    """The papers claims."""
    return []
