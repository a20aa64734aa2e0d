"""Declarative descriptors that plugins hand to the host: tasks, methods, metrics, datasets.

This module is imported when plugins register, so it must stay cheap: no torch, no Hydra.
Heavy code is referenced lazily, either as a callable or as an ``"package.module:attr"`` string
that the host imports only when a run actually builds the component.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Goal = Literal["min", "max"]
LazyRef = Callable[..., Any] | str


def resolve(ref: LazyRef) -> Callable[..., Any]:
    """Return the callable behind ``ref``, importing ``"module:attr"`` strings on first use."""
    if callable(ref):
        return ref
    module_name, _, attr = ref.partition(":")
    if not attr:
        raise ValueError(f"lazy reference {ref!r} must look like 'package.module:function'")
    return getattr(importlib.import_module(module_name), attr)


@dataclass
class MethodConfig:
    """Base class of every method's config dataclass; the host fills ``name`` when it registers.

    Fields left at ``None`` take their value from the method's ``scales`` preset, if it has one.
    """

    name: str = ""


@dataclass
class TaskConfig:
    """Base class of every task's config dataclass.

    Fields left at ``None`` take their value from the chosen ``scale`` preset (smoke/cpu/full);
    anything the user overrides wins over the preset.
    """

    name: str = ""


@dataclass(frozen=True)
class MetricSpec:
    """One metric a task reports, with the direction in which it improves."""

    name: str
    goal: Goal
    description: str = ""
    unit: str = ""


@dataclass(frozen=True)
class PaperReference:
    """The paper a method comes from and the numbers it reports, ``{task: {metric: value}}``."""

    title: str
    arxiv: str = ""
    reported: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class MethodSpec:
    """A component that competes for a task's slot.

    ``build(cfg, problem)`` receives the method's resolved config and whatever the task hands to
    the components of its slot (the slot's contract), and returns the component.
    ``scales`` (optional) maps ``smoke``/``cpu``/``full`` to values for config fields left at
    ``None``, like a task's presets, so records show the sizes that actually ran.
    """

    name: str
    slot: str
    config: type[MethodConfig]
    build: LazyRef
    summary: str = ""
    paper: PaperReference | None = None
    requires_gpu: bool = False
    is_baseline: bool = False
    scales: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskSpec:
    """What is measured: data, protocol, metrics and the slot the methods compete for.

    ``run(cfg, ctx, build)`` trains and evaluates; it calls ``build(problem)`` once it knows what
    the slot's component needs, and returns ``{metric name: value}``.
    ``scales`` maps ``smoke``/``cpu``/``full`` to the values of config fields left at ``None``.
    ``datasets(cfg)`` names the registered datasets (or single files of them, as paths in the data
    directory) that a config needs, so they are checked before a sweep starts.
    """

    name: str
    slot: str
    config: type[TaskConfig]
    run: LazyRef
    metrics: tuple[MetricSpec, ...]
    primary: str
    scales: Mapping[str, Mapping[str, Any]]
    datasets: Callable[[Any], list[str]] | None = None
    summary: str = ""

    def metric(self, name: str) -> MetricSpec:
        """Return the spec of metric ``name``."""
        for spec in self.metrics:
            if spec.name == name:
                return spec
        raise KeyError(f"task {self.name!r} declares no metric {name!r}")


@dataclass(frozen=True)
class RemoteFile:
    """A file of a dataset: where it lives upstream and its expected sha256 (``""``: unchecked)."""

    url: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset read from the data directory: its files (relative paths) and their upstream."""

    name: str
    files: Mapping[str, RemoteFile]
    homepage: str = ""
    license: str = ""
    summary: str = ""
