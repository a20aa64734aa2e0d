"""Import rules, read from the source with ``ast`` (nothing here imports the code it checks).

* The host's modules import each other without a cycle. Only module-level imports count:
  imports inside functions are the deliberate lazy ones, and ``if TYPE_CHECKING:`` blocks never
  run.
* ``harness.storage``, the lowest layer, imports nothing from ``harness``.
* Plugin code (every file under ``plugins/`` and ``examples/``, whatever the layout) uses the host
  only through its public module, ``harness``, and never imports another family's package,
  except a package whose distribution it declares as a dependency, and then only that package's
  public names (its ``__all__``): a task plugin extending the INR family (``examples/``) may use
  ``spectral_harness_inr.fit_signal``; the built-in families declare none of each other.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest depends on tomli there
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
HOST = REPO / "harness"
PLUGIN_ROOTS = (REPO / "plugins", REPO / "examples")
PUBLIC_HOST_MODULES = ("harness",)


@dataclass(frozen=True)
class Import:
    """One import statement: the absolute module it names and, for ``from … import``, the names."""

    module: str
    names: tuple[str, ...]
    line: int

    def targets(self) -> set[str]:
        """Every dotted name this import may load: the module and ``module.name`` (a name may
        be a submodule)."""
        return {self.module} | {f"{self.module}.{name}" for name in self.names}


def module_name(path: Path) -> str:
    """The dotted import name of a source file: its folders up to the first without
    ``__init__.py`` (the folder that is on ``sys.path``)."""
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def imports(path: Path, *, module_level_only: bool) -> list[Import]:
    """The imports of a file, relative ones made absolute.

    ``module_level_only``: leave out function bodies and ``if TYPE_CHECKING:`` blocks, i.e. keep
    what runs when the module is imported.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = _executed_at_import(tree.body) if module_level_only else ast.walk(tree)
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [Import(alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            found.append(Import(_absolute(node, package), names, node.lineno))
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def _executed_at_import(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        yield node
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _executed_at_import(node.body)
            yield from _executed_at_import(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse):
                yield from _executed_at_import(block)
            yield from _executed_at_import(node.finalbody)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _executed_at_import(node.body)


def _is_type_checking(test: ast.expr) -> bool:
    return ast.unparse(test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def host_modules() -> dict[str, Path]:
    """Every module of the host package, by dotted name."""
    return {module_name(path): path for path in sorted(HOST.rglob("*.py"))}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, …, a]``, or ``None`` if it has none."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph[node]):
            cycle = visit(target)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return None


def test_the_host_import_graph_has_no_cycle():
    modules = host_modules()
    graph = {
        name: {
            target
            for imp in imports(path, module_level_only=True)
            for target in imp.targets()
            if target in modules and target != name
        }
        for name, path in modules.items()
    }
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_find_cycle_reports_the_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"b", "d"}, "d": set()}
    assert find_cycle(graph) == ["b", "c", "b"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_storage_layer_imports_nothing_from_the_host():
    host = [
        f"line {imp.line}: {imp.module}"
        for imp in imports(HOST / "storage.py", module_level_only=False)
        if imp.module.split(".")[0] == "harness"
    ]
    assert host == []


BUILD_FOLDERS = {"build", "dist"}


def plugin_files() -> list[Path]:
    """Every Python file under plugins/ and examples/, less the copies a package build leaves
    (``build/lib/...``, which pip writes when it installs a plugin from its folder)."""
    return sorted(
        path
        for root in PLUGIN_ROOTS
        for path in root.rglob("*.py")
        if not BUILD_FOLDERS & set(path.relative_to(root).parts)
    )


def families() -> dict[Path, set[str]]:
    """Each family folder (a folder directly under plugins/ or examples/) and the top-level
    packages it holds: the folder itself when it is a package (``plugins/<family>/``), else
    every outermost package inside it (``plugins/<family>/src/<package>/``)."""
    found = {}
    for root in PLUGIN_ROOTS:
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            inits = (
                [folder / "__init__.py"]
                if (folder / "__init__.py").is_file()
                else [
                    init
                    for init in folder.rglob("__init__.py")
                    if not (init.parent.parent / "__init__.py").is_file()
                ]
            )
            found[folder] = {module_name(init) for init in inits}
    return found


def public_names(init: Path = HOST / "__init__.py") -> set[str]:
    """A package's ``__all__`` (``harness``'s by default), read from its ``__init__.py``."""
    tree = ast.parse(init.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__":
            return set(ast.literal_eval(node.value))
    raise AssertionError(f"{init.relative_to(REPO)} defines no __all__")


def _distribution(name: str) -> str:
    """A distribution name in its normalised form (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(folder: Path) -> tuple[str, set[str]]:
    """The distribution a family folder builds and those it declares as dependencies."""
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return "", set()
    project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    requirements = project.get("dependencies", [])
    names = {_distribution(re.match(r"[A-Za-z0-9_.-]+", r).group(0)) for r in requirements}
    return _distribution(project.get("name", "")), names


def host_api_violations(path: Path, public: set[str]) -> list[str]:
    """Where a plugin file reaches past ``harness``'s public names."""
    where = path.relative_to(REPO)
    found = []
    for imp in imports(path, module_level_only=False):
        if imp.module.split(".")[0] != "harness":
            continue
        if imp.module not in PUBLIC_HOST_MODULES:
            found.append(f"{where}:{imp.line}: imports {imp.module}")
        elif imp.module == "harness":
            private = [n for n in imp.names if n not in public]
            found += [f"{where}:{imp.line}: harness.{n} is not public" for n in private]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "harness"
            and node.attr not in public
            and not node.attr.startswith("__")
        ):
            found.append(f"{where}:{node.lineno}: harness.{node.attr} is not public")
    return found


def test_plugins_use_only_the_public_host_api():
    public = public_names()
    # A family's own tests may drive the host (run a cell, read records); its code may not.
    code = [path for path in plugin_files() if "tests" not in path.relative_to(REPO).parts]
    violations = [v for path in code for v in host_api_violations(path, public)]
    assert violations == [], "\n".join(violations)


def family_import_violations(path: Path, packages: dict[Path, set[str]]) -> list[str]:
    """Where a plugin file imports another family's package: anything of a family it does not
    declare as a dependency; of one it declares, anything but the package's public names."""
    where = path.relative_to(REPO)
    own = next((f for f in packages if path.is_relative_to(f)), None)
    depends_on = declared(own)[1] if own else set()
    owner = {p: folder for folder, pkgs in packages.items() if folder != own for p in pkgs}
    found = []
    for imp in imports(path, module_level_only=False):
        hit = next((p for p in owner if imp.module == p or imp.module.startswith(f"{p}.")), None)
        if hit is None:
            continue
        if declared(owner[hit])[0] not in depends_on:
            found.append(f"{where}:{imp.line}: imports {hit}")
        elif imp.module != hit:
            found.append(f"{where}:{imp.line}: imports {imp.module}, not {hit}'s public module")
        else:
            public = public_names(package_init(owner[hit], hit))
            found += [
                f"{where}:{imp.line}: {hit}.{n} is not public" for n in imp.names if n not in public
            ]
    return found


def package_init(folder: Path, package: str) -> Path:
    """The ``__init__.py`` of ``package`` inside its family folder."""
    return next(i for i in folder.rglob("__init__.py") if module_name(i) == package)


def test_plugins_do_not_import_other_families():
    packages = families()
    violations = [v for path in plugin_files() for v in family_import_violations(path, packages)]
    assert violations == [], "\n".join(sorted(set(violations)))
