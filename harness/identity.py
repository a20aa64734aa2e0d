"""Code identity: which version of a plugin's code produced a record.

A record is only as current as the code behind it. Each record carries, for the plugin that owns
its task and the plugin that owns its method, the distribution and version plus a sha256 over the
source the cell runs: the *import closure* of the task's ``run`` (the method's ``build``) and its
config class — every plugin module they import, directly or through other plugin modules, found
by reading the source, the config class's own source, and the package's data files (not its
``conf/`` presets, which only choose cells whose configs are hashed anyway). Editing any of that,
even without bumping a version, makes the old records stale; adding a method, a task or a claim
to the family beside them does not. Where the closure cannot be read with certainty (an import
whose module is computed at run time) the whole package is hashed instead. Records made before
closures existed name the whole package's hash (``legacy_code_identity_of``); they stay current
until their package changes. Resume skips a cell only when its stored record has the same code
identity; the leaderboard shows current-code rows by default.
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.storage import stable_hash

if TYPE_CHECKING:
    from harness.plugins import Registry
    from harness.specs import MethodSpec, TaskSpec

SOURCE_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".toml")
LAZY_REF = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def code_identity(registry: Registry, task: str, method: str) -> dict[str, dict[str, str]]:
    """``{"task": {...}, "method": {...}}`` for the plugins that own ``task`` and ``method``.

    Each part holds ``plugin``, ``distribution``, ``version``, ``source`` (sha256 of the source
    the cell runs, first 16 hex digits) and ``scope`` (``closure``, or ``package`` where a
    computed import makes the whole package count).
    """
    return code_identity_of(registry, *registry.check_pair(task, method))


def code_identity_of(
    registry: Registry, task: TaskSpec, method: MethodSpec
) -> dict[str, dict[str, str]]:
    """:func:`code_identity` of a task and a method already looked up."""
    task_owner, method_owner = _owners(registry, task, method)
    packages = _plugin_packages(registry)
    return {
        "task": _closure_identity(registry, task_owner, (task.run, task.config), packages),
        "method": _closure_identity(
            registry, method_owner, (method.build, method.config), packages
        ),
    }


def legacy_code_identity_of(
    registry: Registry, task: TaskSpec, method: MethodSpec
) -> dict[str, dict[str, str]]:
    """The identity records had before closures: each plugin's whole-package hash."""
    task_owner, method_owner = _owners(registry, task, method)
    return {
        "task": plugin_identity(registry, task_owner),
        "method": plugin_identity(registry, method_owner),
    }


def _owners(registry: Registry, task: TaskSpec, method: MethodSpec) -> tuple[str, str]:
    """The plugins that registered ``task`` and ``method``."""
    return registry.owners[("task", task.name)], registry.owners[
        ("method", (method.slot, method.name))
    ]


def _closure_identity(
    registry: Registry, plugin_name: str, refs: tuple[Any, ...], packages: dict[str, Path]
) -> dict[str, str]:
    identity = plugin_identity(registry, plugin_name)
    entry, config = refs
    roots = (("module", _module_of(entry), ""), _symbol_of(config))
    found = closure_hash(roots, tuple(sorted(packages.items())))
    if found is None:  # a computed import: the whole package counts (but not its presets)
        root = package_root(registry.pm.get_plugin(plugin_name))
        return {**identity, "source": source_hash(root, with_presets=False), "scope": "package"}
    return {**identity, "source": found, "scope": "closure"}


def _module_of(ref: Any) -> str:
    """The module a lazy reference (``"pkg.mod:attr"``) or a function lives in."""
    if isinstance(ref, str):
        return ref.partition(":")[0]
    return str(getattr(ref, "__module__", "") or "")


def _symbol_of(cls: type) -> tuple[str, str, str]:
    """A config class as a unit of the closure: its own definition, not its whole module."""
    if "." in cls.__qualname__ or "<" in cls.__qualname__:  # nested or local: the module
        return ("module", cls.__module__, "")
    return ("symbol", cls.__module__, cls.__qualname__)


def _plugin_packages(registry: Registry) -> dict[str, Path]:
    """``{top-level package: its folder (or file)}`` of every loaded plugin but the host's."""
    found = {}
    for _, plugin in registry.pm.list_name_plugin():
        module = plugin if hasattr(plugin, "__file__") else sys.modules.get(type(plugin).__module__)
        top = str(getattr(module, "__name__", "")).split(".")[0]
        if not top or top == "harness":  # the host's own plugins (loggers) are not plugin code
            continue
        root = package_root(sys.modules.get(top))
        if root is not None:
            found[top] = root
    return found


Unit = tuple[str, str, str]  # ("module", name, "") or ("symbol", module, top-level name)


@cache
def closure_hash(roots: tuple[Unit, ...], packages: tuple[tuple[str, Path], ...]) -> str | None:
    """sha256 (16 hex digits) over the plugin source reachable from ``roots``, and the data files
    (not ``conf/``) of the packages reached; ``None`` when some of it imports by a computed name.

    A unit is a whole module, or one top-level definition of a module (a config class, or a name
    imported from a family's ``__init__``, which also holds every spec of the family: hashing it
    whole would make adding a method stale every record). A definition pulls in the top-level
    definitions it names and the imports it uses; a module pulls in everything it imports.
    Imports are read from the source (``import``, ``from … import``, relative ones, those inside
    functions, ``importlib.import_module("literal")``, ``"pkg.mod:attr"`` strings); only modules
    of ``packages`` are followed.
    """
    by_name = dict(packages)
    parts: dict[str, bytes] = {}
    seen: set[Unit] = set()
    todo = [u for u in roots if u[1].split(".")[0] in by_name]
    while todo:
        unit = todo.pop()
        if unit in seen:
            continue
        seen.add(unit)
        kind, module, symbol = unit
        path = _module_file(module, by_name)
        if path is None:
            continue
        source = _parsed(path)
        found: list[Unit] | None
        if kind == "module":
            parts[_label(path, by_name)] = path.read_bytes()
            found = _uses(source.tree, module, path, by_name)
        else:
            nodes = source.definitions.get(symbol)
            if nodes is None:  # not a plain top-level definition (a lazy export, a star import)
                todo.append(("module", module, ""))
                continue
            parts[f"{module}:{symbol}"] = "\n".join(source.segment(n) for n in nodes).encode()
            found = []
            for node in nodes:
                used = _uses(node, module, path, by_name)
                if used is None:
                    return None
                found += used
                names = {
                    n.id
                    for n in ast.walk(node)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                }  # the module-level names it reads (not builtins, not its own locals)
                found += [("symbol", module, n) for n in names & source.definitions.keys()]
        if found is None:
            return None
        todo.extend(u for u in found if u not in seen)
    for top in {unit[1].split(".")[0] for unit in seen}:
        root = by_name[top]
        if root.is_dir():
            for data in _source_files(root, with_presets=False):
                if data.suffix != ".py":
                    parts[_label(data, by_name)] = data.read_bytes()
    digest = hashlib.sha256()
    for label in sorted(parts):
        digest.update(label.encode() + b"\0" + parts[label] + b"\0")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class _Source:
    """A module's syntax tree, its text and its top-level definitions by name."""

    tree: ast.Module
    text: str
    definitions: dict[str, list[ast.stmt]]

    def segment(self, node: ast.stmt) -> str:
        """The source of a top-level statement, its decorators included."""
        decorators = getattr(node, "decorator_list", [])
        return "\n".join(ast.get_source_segment(self.text, n) or "" for n in [*decorators, node])


@cache
def _parsed(path: Path) -> _Source:
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(path))
    definitions: dict[str, list[ast.stmt]] = {}
    for node in tree.body:
        for name in _defined_names(node):
            definitions.setdefault(name, []).append(node)
    return _Source(tree, text, definitions)


def _defined_names(node: ast.stmt) -> list[str]:
    """The names a top-level statement binds (a def, a class, an assignment, an import)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
    return []


def _label(path: Path, by_name: dict[str, Path]) -> str:
    """``package/relative/path.py``: a file's name independent of where it is installed."""
    for top, root in by_name.items():
        if path == root:
            return path.name
        if root.is_dir() and path.is_relative_to(root):
            return f"{top}/{path.relative_to(root).as_posix()}"
    return path.name


def _module_file(name: str, by_name: dict[str, Path]) -> Path | None:
    """The file of module ``name`` of a plugin package, found by path, without importing."""
    top, *rest = name.split(".")
    root = by_name.get(top)
    if root is None:
        return None
    if root.is_file():
        return root if not rest else None
    base = root.joinpath(*rest)
    for candidate in (base.with_suffix(".py") if rest else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _uses(node: ast.AST, module: str, path: Path, by_name: dict[str, Path]) -> list[Unit] | None:
    """The plugin units the code under ``node`` (of module ``module``) imports; ``None`` for a
    computed import. ``from pkg import name`` is the submodule ``pkg.name`` when there is one,
    else the definition ``name`` of ``pkg``; ``import a.b`` is the module ``a.b``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Unit] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            found += [("module", alias.name, "") for alias in sub.names]
        elif isinstance(sub, ast.ImportFrom):
            base = _absolute(sub.module, sub.level, package)
            for alias in sub.names:
                submodule = f"{base}.{alias.name}"
                if _module_file(submodule, by_name):
                    found.append(("module", submodule, ""))
                elif alias.name == "*":
                    found.append(("module", base, ""))
                else:
                    found.append(("symbol", base, alias.name))
        elif isinstance(sub, ast.Call) and _is_dynamic_import(sub):
            argument = sub.args[0] if sub.args else None
            if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                return None
            found.append(("module", argument.value, ""))
        elif (
            isinstance(sub, ast.Constant)
            and isinstance(sub.value, str)
            and LAZY_REF.fullmatch(sub.value)  # "pkg.module:function", resolved at run time
        ):
            found.append(("module", sub.value.partition(":")[0], ""))
    return [unit for unit in found if unit[1].split(".")[0] in by_name]


def _absolute(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - level + 1])
    return f"{base}.{module}" if module else base


def _is_dynamic_import(node: Any) -> bool:
    func = node.func
    name = getattr(func, "id", None) or getattr(func, "attr", None)
    return name in ("import_module", "__import__")


def plugin_identity(registry: Registry, plugin_name: str) -> dict[str, str]:
    """Distribution, version and source hash of one loaded plugin."""
    plugin = registry.pm.get_plugin(plugin_name)
    dist = _distributions(registry).get(plugin_name)
    return {
        "plugin": plugin_name,
        "distribution": dist[0] if dist else "",
        "version": dist[1] if dist else "",
        "source": source_hash(package_root(plugin)),
    }


def code_hash(code: dict[str, dict[str, str]]) -> str:
    """One short hash of a record's code identity (enters the run id)."""
    return stable_hash(code)


def _distributions(registry: Registry) -> dict[str, tuple[str, str]]:
    by_id = {id(plugin): dist for plugin, dist in registry.pm.list_plugin_distinfo()}
    found = {}
    for name, plugin in registry.pm.list_name_plugin():
        dist = by_id.get(id(plugin))
        if dist is not None:
            found[name] = (dist.project_name, dist.version)
    return found


def package_root(plugin: Any) -> Path | None:
    """The folder of the package that holds ``plugin`` (a module), or its file if it is a
    single module; ``None`` for objects that are not modules (e.g. registered in a test)."""
    module = plugin if hasattr(plugin, "__file__") else sys.modules.get(type(plugin).__module__)
    file = getattr(module, "__file__", None)
    if file is None:
        return None
    path = Path(file).resolve()
    if path.name == "__init__.py":
        return path.parent
    return path


@cache
def source_hash(root: Path | None, with_presets: bool = True) -> str:
    """sha256 over the relative paths and bytes of a package's source files (memoised per
    process: the code of a running process does not change under it); without its ``conf/``
    presets unless ``with_presets`` (the legacy whole-package identity counted them)."""
    if root is None:
        return ""
    files = [root] if root.is_file() else sorted(_source_files(root, with_presets))
    digest = hashlib.sha256()
    for path in files:
        rel = path.name if root.is_file() else path.relative_to(root).as_posix()
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def forget_sources() -> None:
    """Drop the memoised hashes and parsed modules (for a process whose plugin code changes
    under it: a test that edits a plugin)."""
    source_hash.cache_clear()
    closure_hash.cache_clear()
    _parsed.cache_clear()


def _source_files(root: Path, with_presets: bool = True) -> list[Path]:
    """A package's source and data files; its ``conf/`` folder only ``with_presets``."""
    return [
        p
        for p in root.rglob("*")
        if p.suffix in SOURCE_SUFFIXES
        and p.is_file()
        and "__pycache__" not in p.parts
        and (with_presets or p.relative_to(root).parts[0] != "conf")
    ]
