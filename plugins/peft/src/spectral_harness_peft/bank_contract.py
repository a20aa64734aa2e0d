"""The ``bank_adapter`` slot: the ``adapter`` slot's contract with a bank of source LoRA adapters in
the problem, for methods that recycle adapters trained on related tasks (EigenLoRAx).

Torch-free at import: the check is the ``adapter`` slot's, imported when the host runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness import SlotSpec
from spectral_harness_peft.contract import AdaptProblem


@dataclass(frozen=True)
class BankAdaptProblem(AdaptProblem):
    """An :class:`AdaptProblem` with the source-adapter bank: ``sources`` maps each adapted
    layer's name to its stacked source factors ``{"a": (d_in, N r), "b": (d_out, N r)}``."""

    sources: dict[str, dict[str, Any]]


BANK_ADAPTER_SLOT = SlotSpec(
    name="bank_adapter",
    summary="parameter-efficient fine-tuning with a bank of LoRA adapters trained on related "
    "tasks (recycled by EigenLoRAx; ignored by the baselines)",
    problem="spectral_harness_peft.bank_contract.BankAdaptProblem: the adapter slot's "
    "AdaptProblem plus `sources` (layer name -> stacked source factors a (d_in, N r), "
    "b (d_out, N r))",
    component="spectral_harness_peft.contract.Adapted (as in the adapter slot)",
    result="accuracy (primary), trainable_params, train_seconds, train_memory_mb",
    check="spectral_harness_peft.contract:check_adapter",
)
