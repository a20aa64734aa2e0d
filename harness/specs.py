"""Declarative descriptors that plugins hand to the host: tasks, methods, metrics, datasets.

This module is imported when plugins register, so it must stay cheap: no torch, no Hydra.
Heavy code is referenced lazily, either as a callable or as an ``"package.module:attr"`` string
that the host imports only when a run actually builds the component.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from harness.errors import UserError

Goal = Literal["min", "max"]
GOALS: tuple[str, ...] = ("min", "max")
MetricKind = Literal["score", "cost", "diagnostic"]
METRIC_KINDS: tuple[str, ...] = ("score", "cost", "diagnostic")
LazyRef = Callable[..., Any] | str


def resolve(ref: LazyRef) -> Callable[..., Any]:
    """Return the callable behind ``ref``, importing ``"module:attr"`` strings on first use."""
    if callable(ref):
        return ref
    module_name, _, attr = ref.partition(":")
    if not attr:
        raise ValueError(f"lazy reference {ref!r} must look like 'package.module:function'")
    return getattr(importlib.import_module(module_name), attr)


def param(
    default: Any = None,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: Sequence[Any] | None = None,
    doc: str = "",
) -> Any:
    """A config field with a range: ``steps: int | None = param(None, ge=1)``.

    The host checks every such field once the scale preset has filled it, in the pre-flight of a
    sweep and again in the worker, so an out-of-range value is one line before any cell starts.
    ``None`` is always allowed (it means "take the preset's value").
    """
    bounds = {"ge": ge, "gt": gt, "le": le, "lt": lt}
    check: dict[str, Any] = {k: v for k, v in bounds.items() if v is not None}
    if choices is not None:
        check["choices"] = tuple(choices)
    return field(default=default, metadata={"harness_check": check, "doc": doc})


_BOUND_TEXT = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


def validate_config(cfg: Any, prefix: str) -> None:
    """Refuse, in one line, a field of ``cfg`` that is out of its declared range or not finite.

    ``prefix`` is how the user writes the config on the command line (``task``, ``method``,
    ``trainer``), so the message names the exact override to fix.
    """
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if value is None or isinstance(value, bool):
            continue
        where = f"{prefix}.{f.name}={value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            raise UserError(f"invalid value {where}: it must be a finite number")
        check = f.metadata.get("harness_check", {})
        choices = check.get("choices")
        if choices is not None and value not in choices:
            options = ", ".join(str(c) for c in choices)
            raise UserError(f"invalid value {where}: choose one of {options}")
        for bound, text in _BOUND_TEXT.items():
            limit = check.get(bound)
            if limit is None:
                continue
            ok = {
                "ge": value >= limit,
                "gt": value > limit,
                "le": value <= limit,
                "lt": value < limit,
            }[bound]
            if not ok:
                raise UserError(f"invalid value {where}: it must be {text} {limit:g}")


@dataclass(frozen=True)
class SlotSpec:
    """A slot: the contract between a task and the methods that compete in it.

    ``problem`` says what a task hands to ``build(cfg, problem)`` (fields, shapes, dtypes,
    device); ``component`` what ``build`` must return; ``result`` what the slot's tasks report.
    ``check(component, problem)`` (a lazy reference) probes a freshly built component on a tiny
    input and raises :class:`harness.ContractError` naming the expected and the actual
    value; the host runs it, under ``torch.no_grad`` with the RNG state saved and restored, on
    every component before training, so a component of the wrong shape is a failed cell and never
    a ranked row.
    """

    name: str
    summary: str
    problem: str
    component: str
    result: str = ""
    check: LazyRef | None = None


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
    """One metric a task reports: its name, its kind and, for a score or a cost, its goal.

    ``kind`` says how the leaderboard reads the metric:

    - ``score`` (the default): a quality measure such as PSNR, accuracy or MAE; ``goal`` (``max``
      or ``min``) is the direction in which it is *better*. Only a score is ranked and compared
      by confidence interval, and a task's primary metric must be one.
    - ``cost``: what a result costs, such as seconds, throughput, memory or parameters; ``goal``
      is the direction in which it is *cheaper* (``min`` for seconds and parameters, ``max`` for
      throughput). The board shows it beside the score, marked as a cost, and never ranks on it.
    - ``diagnostic``: a fact about the run with no better direction (the best epoch, a cache hit,
      the spread of CV folds). It is declared without a goal and shown without one.

    ``MetricSpec("psnr", "max", "…", "dB")`` is a score, as it was before metrics had kinds;
    ``MetricSpec("best_step", kind="diagnostic")`` a diagnostic. A ``name`` with a
    ``{placeholder}`` declares a family of names that a config chooses, e.g. ``psnr_y_{set}`` for
    one PSNR per test set (``psnr_y_set5``, ``psnr_y_set14``, …).
    """

    name: str
    goal: Goal | None = None
    description: str = ""
    unit: str = ""
    kind: MetricKind = field(default="score", kw_only=True)

    def __post_init__(self) -> None:
        if self.kind not in METRIC_KINDS:
            raise UserError(
                f"metric {self.name!r} has kind {self.kind!r}; choose one of "
                f"{', '.join(METRIC_KINDS)}"
            )
        if self.goal is not None and self.goal not in GOALS:
            raise UserError(f"metric {self.name!r} has goal {self.goal!r}; choose 'max' or 'min'")
        if self.kind == "diagnostic" and self.goal is not None:
            raise UserError(
                f"metric {self.name!r} is a diagnostic with goal {self.goal!r}: a diagnostic has "
                "no better direction; drop the goal, or declare kind='score' or kind='cost'"
            )
        if self.kind != "diagnostic" and self.goal is None:
            raise UserError(
                f"metric {self.name!r} is a {self.kind} without a goal: say whether 'max' or "
                "'min' is " + ("better" if self.kind == "score" else "cheaper") + ", or declare "
                "kind='diagnostic'"
            )

    def matches(self, name: str) -> bool:
        """Whether a reported metric ``name`` is this metric (or one of its ``{placeholder}``
        family)."""
        return _name_pattern(self.name).fullmatch(name) is not None


_PLACEHOLDER = re.compile(r"\{\w+\}")


@cache
def _name_pattern(declared: str) -> re.Pattern[str]:
    """``psnr_y_{set}`` → a regular expression matching ``psnr_y_`` followed by any value."""
    return re.compile(".+".join(re.escape(part) for part in _PLACEHOLDER.split(declared)))


@dataclass
class ProbeConfig:
    """Base class of a probe's options (``probe_options.<probe>.<field>=…`` on the command line)."""


PROBE_NEEDS: tuple[str, ...] = ("model", "loss")


@dataclass(frozen=True)
class ProbeSpec:
    """A measurement of a trained model that any task's cell can ask for, whatever its family.

    ``run(target, cfg)`` (a lazy reference) receives a :class:`harness.ProbeTarget` (the cell's
    trained model, in eval mode, and, where the task exposes it, a loss closure on a fixed batch)
    and the probe's options, and returns ``{metric: value}``; each lands in the cell's record as
    the diagnostic ``<probe>/<metric>``. Results that are not scalars (a spectrum, a density)
    go beside the record through ``target.ctx.save_arrays``. ``needs`` says what the probe reads:
    ``("model",)`` or ``("model", "loss")``. ``metrics`` declares what it reports (each a
    diagnostic, with names relative to the probe). A ``track`` probe is also called at every
    evaluation of :func:`harness.fit` (``target.step`` set), its values kept as curves.
    Users ask for probes with ``probes=[name,…]``.
    """

    name: str
    summary: str
    run: LazyRef
    needs: tuple[str, ...] = ("model",)
    metrics: tuple[MetricSpec, ...] = ()
    config: type[ProbeConfig] = ProbeConfig
    track: bool = False

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", self.name):
            raise UserError(f"probe name {self.name!r} must be a word (letters, digits, _)")
        unknown = sorted(set(self.needs) - set(PROBE_NEEDS))
        if unknown or "model" not in self.needs:
            raise UserError(
                f"probe {self.name!r} needs {list(self.needs)}; needs is ('model',) or "
                "('model', 'loss')"
            )
        for spec in self.metrics:
            if spec.kind != "diagnostic":
                raise UserError(
                    f"probe {self.name!r} declares metric {spec.name!r} as a {spec.kind}: a "
                    "probe's metrics are diagnostics (kind='diagnostic'); they measure a model, "
                    "they do not rank it"
                )
        if not (dataclasses.is_dataclass(self.config) and issubclass(self.config, ProbeConfig)):
            raise UserError(
                f"the config of probe {self.name!r} must be a dataclass subclass of "
                "harness.ProbeConfig"
            )

    def metric_name(self, metric: str) -> str:
        """The name a probe metric has in a record: ``<probe>/<metric>``."""
        return f"{self.name}/{metric}"

    def declared(self, name: str) -> MetricSpec | None:
        """The declaration of a record's metric ``name`` if it is one of this probe's."""
        prefix, _, metric = name.partition("/")
        if prefix != self.name:
            return None
        return next((spec for spec in self.metrics if spec.matches(metric)), None)


@dataclass(frozen=True)
class PaperReference:
    """The paper a method comes from and the numbers it reports, ``{task: {metric: value}}``.

    A key may name one protocol of a task by its task config, ``"gcl_node[dataset=CiteSeer]"``
    (several ``field=value`` pairs separated by commas): the paper reports one number per
    dataset, and a board row shows the number of the most specific key its config matches (a
    plain task name matches every config of the task).
    """

    title: str
    arxiv: str = ""
    reported: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        for key in self.reported:
            _reported_key(key)

    def number(self, task: str, metric: str, task_config: Mapping[str, Any]) -> float | None:
        """The paper's number for ``metric`` of ``task`` run with ``task_config``, if reported."""
        best: tuple[int, float] | None = None
        for key, values in self.reported.items():
            name, conditions = _reported_key(key)
            if name != task or metric not in values:
                continue
            matches = all(str(task_config.get(k)) == v for k, v in conditions.items())
            if matches and (best is None or len(conditions) > best[0]):
                best = (len(conditions), float(values[metric]))
        return None if best is None else best[1]


@cache
def _reported_key(key: str) -> tuple[str, dict[str, str]]:
    """``"task[a=1,b=x]"`` → ``("task", {"a": "1", "b": "x"})``; a malformed key is refused."""
    match = re.fullmatch(r"([^\[\]]+?)(?:\[([^\]]*)\])?", key)
    if match is None:
        raise UserError(f"reported key {key!r} must be 'task' or 'task[field=value,...]'")
    conditions: dict[str, str] = {}
    for part in filter(None, (match.group(2) or "").split(",")):
        field_name, sep, value = part.partition("=")
        if not sep or not field_name.strip():
            raise UserError(f"reported key {key!r}: {part!r} is not field=value")
        conditions[field_name.strip()] = value.strip()
    return match.group(1), conditions


@dataclass(frozen=True)
class MethodSpec:
    """A component that competes for a task's slot.

    ``build(cfg, problem)`` receives the method's resolved config and whatever the task hands to
    the components of its slot (the slot's contract), and returns the component.
    ``scales`` (optional) maps ``smoke``/``cpu``/``full`` to values for config fields left at
    ``None``, like a task's presets, so records show the sizes that actually ran.
    ``check_config(cfg)`` (optional, see :class:`TaskSpec`) refuses what ranges cannot say.
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
    check_config: LazyRef | None = None


@dataclass(frozen=True)
class TaskSpec:
    """What is measured: data, protocol, metrics and the slot the methods compete for.

    ``run(cfg, ctx, build)`` trains and evaluates; it calls ``build(problem)`` once it knows what
    the slot's component needs, and returns ``{metric name: value}``.
    ``scales`` maps ``smoke``/``cpu``/``full`` to the values of config fields left at ``None``.
    ``datasets(cfg)`` names the registered datasets (or single files of them, as paths in the data
    directory) that a config needs, so they are checked before a sweep starts.
    ``borrowed_datasets`` names the datasets among them that another family registers, with the
    distribution that registers them (``{"kodak24": "spectral-harness-inr"}``): without it, a
    run that reads one is refused in one line saying which distribution to install or unblock.
    ``check_config(cfg)`` (optional; a cheap, torch-free function) receives the config with the
    scale preset filled and raises :class:`harness.UserError` for what ``param`` ranges cannot
    say (a combination of fields, a width that must divide the grid, a file an option needs);
    the host calls it in the pre-flight of a sweep and again in the worker, so such a config is
    one line before any cell starts instead of a failed cell.
    ``programs`` names the external programs the task runs, each with how to install it
    (``{"espeak-ng": "apt-get install espeak-ng"}``): one that is not on ``PATH`` is one line
    before any cell starts, and a test that fails only for its lack is skipped, naming it.
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
    borrowed_datasets: Mapping[str, str] = field(default_factory=dict)
    check_config: LazyRef | None = None
    programs: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.declares(self.primary):
            raise UserError(
                f"task {self.name!r} has primary metric {self.primary!r}, which it does not "
                "declare; add it to TaskSpec.metrics"
            )
        kind = self.metric(self.primary).kind
        if kind != "score":
            raise UserError(
                f"task {self.name!r} has primary metric {self.primary!r}, a {kind}: the board "
                "ranks methods on the primary metric, so it must be a score (a quality measure "
                "with a goal)"
            )

    def metric(self, name: str) -> MetricSpec:
        """Return the spec of metric ``name``: its own declaration, else the ``{placeholder}``
        family it belongs to."""
        for spec in self.metrics:
            if spec.name == name:
                return spec
        for spec in self.metrics:
            if spec.matches(name):
                return spec
        raise KeyError(f"task {self.name!r} declares no metric {name!r}")

    @property
    def goal(self) -> Goal:
        """The direction in which the primary metric improves (a score always has one)."""
        goal = self.metric(self.primary).goal
        assert goal is not None, "__post_init__ refuses a primary metric without a goal"
        return goal

    def declares(self, name: str) -> bool:
        """Whether metric ``name`` is declared in :attr:`metrics` (by name or by family)."""
        return any(spec.matches(name) for spec in self.metrics)


Expectation = Literal["better", "not_worse", "at_least", "at_most", "within"]
EXPECTATIONS: tuple[str, ...] = ("better", "not_worse", "at_least", "at_most", "within")


@dataclass(frozen=True)
class Claim:
    """A paper's claim, stated so that run records can confirm or refute it.

    A claim is about one ``metric`` of one ``task`` and one ``method``; ``expect`` says what the
    paper asserts:

    - ``better``: ``method`` beats ``baseline`` on ``metric`` by more than ``margin`` (in the
      metric's unit, in the metric's better direction; for a cost, *cheaper*). Evaluated on
      per-seed paired differences. The baseline may be another config of the same method
      (``baseline=method`` with ``where={"method.loss": "masked"}``,
      ``baseline_where={"method.loss": "reference"}``): an ablation.
      ``baseline`` may name several methods (a tuple): the claim is then about the *best* of
      them, seed by seed ("beats every baseline"), each baseline with one config per section.
    - ``not_worse``: ``method`` is at most ``margin`` worse than ``baseline`` ("matches").
    - ``at_least`` / ``at_most``: ``method``'s mean is ≥ / ≤ ``value``.
    - ``within``: ``method``'s mean is within ``tolerance`` of ``value`` (a reported number
      reproduced, an exact answer recovered).

    ``scale`` restricts the claim to one scale's sections (``None``: every scale with records);
    ``where`` restricts it to records whose config has these values, by dotted key: ``task.*``
    keys pick sections (``{"task.dataset": "MUTAG"}``), ``method.*`` keys pick the claimed
    method's config (``{"method.variant": "reference"}``) and ``baseline_where``'s the
    baseline's, when a section holds several configs of one method (each pair of configs left
    is judged on its own). ``source`` says where in the paper the claim
    is (``"Table 2"``); ``reported`` is the paper's own number for the compared quantity, shown
    beside ours (the difference for ``better``/``not_worse``, the value otherwise).
    ``spectral-harness claims`` evaluates every installed claim: a 95 % CI and a verdict
    ``holds``, ``refuted``, ``inconclusive`` or ``not run``.
    """

    id: str
    paper: str
    statement: str
    task: str
    metric: str
    method: str
    expect: Expectation = "better"
    baseline: str | tuple[str, ...] | None = None
    margin: float = 0.0
    value: float | None = None
    tolerance: float | None = None
    scale: str | None = None
    where: Mapping[str, Any] = field(default_factory=dict)
    baseline_where: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    reported: float | None = None

    def __post_init__(self) -> None:
        def refuse(problem: str) -> None:
            raise UserError(f"claim {self.id!r}: {problem}")

        if not re.fullmatch(r"[A-Za-z0-9_.:-]+", self.id or ""):
            refuse("its id must be a non-empty word of letters, digits, '_', '-', '.', ':'")
        if self.expect not in EXPECTATIONS:
            refuse(f"expect={self.expect!r}; choose one of {', '.join(EXPECTATIONS)}")
        paired = self.expect in ("better", "not_worse")
        if isinstance(self.baseline, (list, tuple)):
            object.__setattr__(self, "baseline", tuple(self.baseline))
            if len(self.baseline) == 1:
                object.__setattr__(self, "baseline", self.baseline[0])
        if paired and not self.baseline:
            refuse(f"expect={self.expect!r} compares with a baseline: name one")
        if not paired and self.baseline:
            refuse(f"expect={self.expect!r} compares with a value, not with a baseline")
        mine = {k: v for k, v in self.where.items() if k.startswith("method.")}
        if paired and self.method in self.baselines and mine == dict(self.baseline_where):
            refuse(
                "the baseline must be another method, or another config of the same method "
                "(method.* keys in where differing from baseline_where)"
            )
        if not paired and self.value is None:
            refuse(f"expect={self.expect!r} needs a value to compare the method's mean with")
        if self.expect == "within" and (self.tolerance is None or not self.tolerance > 0):
            refuse("expect='within' needs a positive tolerance")
        if not math.isfinite(self.margin) or self.margin < 0:
            refuse(f"margin={self.margin!r} must be a finite number >= 0")
        if self.value is not None and not math.isfinite(self.value):
            refuse(f"value={self.value!r} must be finite")
        for name, where in (("where", self.where), ("baseline_where", self.baseline_where)):
            odd = [k for k in where if not k.startswith(("task.", "method."))]
            if odd:
                refuse(f"{name} keys must start with 'task.' or 'method.': {odd}")

    @property
    def baselines(self) -> tuple[str, ...]:
        """The baseline methods, as a tuple (empty for a claim about a value)."""
        if self.baseline is None:
            return ()
        return self.baseline if isinstance(self.baseline, tuple) else (self.baseline,)


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
