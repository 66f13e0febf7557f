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
