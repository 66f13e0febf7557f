"""The IdP and the SP never import each other or the driver: a bug they shared would cancel out in every test.

Both may use ``saml_xmlns`` (constants only). Checked twice: statically (an AST walk of every module, imports
inside functions and ``TYPE_CHECKING`` blocks included) and dynamically (each app created in a fresh interpreter,
then ``sys.modules`` inspected).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROJECT_PACKAGES = frozenset({"justcall_sp", "mock_idp", "saml_xmlns", "saml_harness", "suites", "tests", "bench"})
"""Every top-level package of this repository (an import of any other is a third-party or stdlib one)."""

ALLOWED = {
    "justcall_sp": frozenset({"justcall_sp", "saml_xmlns"}),
    "mock_idp": frozenset({"mock_idp", "saml_xmlns"}),
    "saml_xmlns": frozenset({"saml_xmlns"}),
}
"""The project packages each app (and the shared leaf) may import."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Return every module ``source`` imports, relative imports resolved against ``module``.

    ``importlib.import_module("x.y")`` and ``__import__("x")`` with a literal name count too.
    """
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                found.add(".".join([*base, node.module] if node.module else base))
            else:
                found.add(node.module or "")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def forbidden_imports(package: str) -> dict[str, list[str]]:
    """Return, per module of ``package``, the project packages it imports but may not."""
    problems: dict[str, list[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        module = module_name(path)
        imported = imported_modules(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
        tops = {name.split(".")[0] for name in imported}
        bad = sorted((tops & PROJECT_PACKAGES) - ALLOWED[package])
        if bad:
            problems[module] = bad
    return problems


def test_the_walk_finds_absolute_relative_lazy_and_dynamic_imports() -> None:
    source = (
        "import mock_idp.org\n"
        "from ..service import JustCall\n"
        "from . import reasons\n"
        "def later():\n"
        "    from saml_harness.agent import flows\n"
        "    importlib.import_module('bench.run')\n"
    )
    found = imported_modules(source, "justcall_sp.acs.pipeline")
    assert found == {"mock_idp.org", "justcall_sp.service", "justcall_sp.acs", "saml_harness.agent", "bench.run"}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_every_module_imports_only_what_its_package_may(package: str) -> None:
    modules = list((ROOT / package).rglob("*.py"))
    assert len(modules) >= 1
    assert forbidden_imports(package) == {}


LOADED_AFTER_CREATE_APP = """
import json, pkgutil, importlib, sys
import {package}
for info in pkgutil.walk_packages({package}.__path__, "{package}."):
    importlib.import_module(info.name)
app = {package}.create_app({config})
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})))
"""


@pytest.mark.parametrize(
    ("package", "config"),
    [("justcall_sp", {"DATABASE_URL": "sqlite://", "PUBLIC_URL": "http://127.0.0.1:1"}), ("mock_idp", {})],
)
def test_an_app_and_all_its_modules_load_without_the_other_app_or_the_driver(
    package: str, config: dict[str, str]
) -> None:
    script = LOADED_AFTER_CREATE_APP.format(package=package, config=config)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert package in loaded
    assert (loaded & PROJECT_PACKAGES) - ALLOWED[package] == set()


# ------------------------------------------------------------------------------------------------ import cycles

CYCLE_CHECKED = ("saml_xmlns", "mock_idp", "justcall_sp", "saml_harness")


def module_graph(packages: tuple[str, ...] = CYCLE_CHECKED) -> dict[str, set[str]]:
    """Return each module's module-level imports of other project modules (what runs when it is imported).

    ``from pkg import sub`` counts as an import of ``pkg.sub`` alone; imports inside functions and
    ``TYPE_CHECKING`` blocks do not run at import time and are left out.
    """
    paths = {module_name(p): p for package in packages for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join([*parts[: len(parts) - (node.level - 1)], *([node.module] if node.module else [])])
                subs = {f"{base}.{alias.name}" for alias in node.names} & set(paths)
                targets |= subs or {base}
        graph[name] = {_known(t, paths) for t in targets} - {"", name}
    return graph


def _known(module: str, paths: dict[str, Path]) -> str:
    while module and module not in paths:
        module = module.rpartition(".")[0]
    return module


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_cycle_finder_finds_a_registry_imported_at_the_bottom() -> None:
    graph = {"faults": {"attacks"}, "attacks": {"attacks.xsw"}, "attacks.xsw": {"faults"}, "leaf": set()}
    assert import_cycles(graph) == [["attacks", "attacks.xsw", "faults"]]


def test_no_module_imports_back_into_a_module_that_imports_it() -> None:
    """Registries (the IdP's ops, the harness's evidence checks) fill without bottom-of-module imports."""
    graph = module_graph()
    assert {"mock_idp.faults", "saml_harness.scenarios.evidence"} <= set(graph)
    assert import_cycles(graph) == []
