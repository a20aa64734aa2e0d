"""Keep ``torch._dynamo`` (about 2.5 s of imports, more than torch itself on a busy machine) out
of processes that never compile.

torch's optimizers import it on first use although nothing is compiled: ``Optimizer``'s
``zero_grad``, ``add_param_group``, ``state_dict`` and ``load_state_dict`` are wrapped by
``torch._disable_dynamo``, which imports ``torch._dynamo`` on its first call (the optimizer's
constructor calls ``add_param_group``), and every optimizer's ``step`` is wrapped by
``_use_grad_for_differentiable``, which imports it on every call to insert graph breaks. Outside
``torch.compile`` both wrappers are no-ops apart from the import (``disable`` of a function no
frame evaluation hook watches, ``graph_break`` outside a trace), so calling the wrapped functions
directly is the same computation.

:func:`avoid_dynamo_import` does that while ``torch._dynamo`` is not imported, and hands each call
back to torch's own wrapper as soon as it is (a method that uses ``torch.compile`` imports it), so
compiled code keeps torch's behaviour. It recognises torch's wrappers by their code objects and
leaves anything else alone, so a torch version that changes them only loses the saving.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from typing import Any

DYNAMO = "torch._dynamo"
_patched = False


def avoid_dynamo_import() -> None:
    """Let torch's optimizers run without importing ``torch._dynamo`` (idempotent)."""
    global _patched
    if _patched or DYNAMO in sys.modules:
        return
    import torch
    import torch._compile
    import torch.optim
    from torch.optim import optimizer as optimizer_module

    disable_code = torch._compile._disable_dynamo(_probe).__code__
    use_grad_code = optimizer_module._use_grad_for_differentiable(_probe).__code__
    for cls in _optimizer_classes(torch.optim.Optimizer):
        for name, attr in list(vars(cls).items()):
            code = getattr(attr, "__code__", None)
            wrapped = getattr(attr, "__wrapped__", None)
            if wrapped is None or code is None:
                continue
            if code is disable_code:
                wrapped.__dynamo_disable = _undisabled(attr, wrapped)
            elif code is use_grad_code:
                setattr(cls, name, _lean_step(attr, wrapped, torch))
    _patched = True


def _probe() -> None:
    """A function to wrap, to learn the code object of torch's wrappers."""


def _optimizer_classes(base: type) -> Iterator[type]:
    """``base`` and every subclass of it defined so far."""
    yield base
    subclasses: list[type] = base.__subclasses__()
    for sub in subclasses:
        yield from _optimizer_classes(sub)


def _undisabled(torch_wrapper: Callable[..., Any], fn: Callable[..., Any]) -> Callable[..., Any]:
    """What ``torch._disable_dynamo``'s wrapper of ``fn`` caches as its disabled function:
    ``fn`` itself while dynamo is not imported; after that, torch's ``disable`` again."""

    def call(*args: Any, **kwargs: Any) -> Any:
        if DYNAMO in sys.modules:
            del fn.__dynamo_disable  # type: ignore[attr-defined]  # torch caches its own
            return torch_wrapper(*args, **kwargs)
        return fn(*args, **kwargs)

    return call


def _lean_step(
    torch_wrapper: Callable[..., Any], step: Callable[..., Any], torch: Any
) -> Callable[..., Any]:
    """An optimizer's ``step`` as ``_use_grad_for_differentiable`` runs it, without its graph
    breaks (no-ops outside ``torch.compile``) while dynamo is not imported."""

    @functools.wraps(step)
    def lean(self: Any, *args: Any, **kwargs: Any) -> Any:
        if DYNAMO in sys.modules:
            return torch_wrapper(self, *args, **kwargs)
        previous = torch.is_grad_enabled()
        try:
            torch.set_grad_enabled(self.defaults["differentiable"])
            return step(self, *args, **kwargs)
        finally:
            torch.set_grad_enabled(previous)

    return lean
