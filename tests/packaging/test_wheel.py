"""The wheel is the product: installed into a fresh virtualenv, with runtime dependencies only, it knows its
scenarios, reproduces one, and its pytest plugin serves a test file written in another repository."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from saml_harness.scenarios.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("saml_xmlns", "mock_idp", "justcall_sp", "saml_harness")


def _run(*args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _uv(*args: str | Path, cwd: Path) -> None:
    done = _run(sys.executable, "-m", "uv", *args, cwd=cwd, timeout=600)
    assert done.returncode == 0, f"uv {' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scope: module. A wheel built from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    _uv("build", "--wheel", "--quiet", "-o", out, ROOT, cwd=out)
    (built,) = out.glob("saml_harness-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scope: module. A fresh virtualenv holding the wheel and its runtime dependencies only (no extras)."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    _uv("venv", "--quiet", "--python", sys.executable, venv, cwd=venv.parent)
    _uv("pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel, cwd=venv.parent)
    return venv / "bin"


def _source_packages() -> set[str]:
    return {
        ".".join(init.parent.relative_to(ROOT).parts)
        for package in PACKAGES
        for init in (ROOT / package).rglob("__init__.py")
        if ".venv" not in init.parts
    }


def test_the_wheel_carries_every_package_and_the_scenario_catalogue(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(p for p in _source_packages() if f"{p.replace('.', '/')}/__init__.py" not in names)
    assert missing == [], f"packages missing from pyproject's [tool.setuptools] packages: {missing}"
    scenario_files = {p.name for p in (ROOT / "fixtures" / "scenarios").glob("*.toml")}
    shipped = {Path(n).name for n in names if n.startswith("saml_harness/fixtures/scenarios/")}
    assert scenario_files and scenario_files == shipped
    assert "saml_harness/fixtures/requirements.toml" in names
    assert not [n for n in names if n.endswith((".pem", ".key"))], "no key material ships"


def test_every_module_imports_with_runtime_dependencies_only(installed: Path, tmp_path: Path) -> None:
    modules = sorted(
        ".".join(path.with_suffix("").relative_to(ROOT).parts).removesuffix(".__init__")
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__main__.py"
    )
    script = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\nprint('ok')"
    done = _run(installed / "python", "-c", script, *modules, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]


def test_installed_cli_lists_every_scenario(installed: Path, tmp_path: Path) -> None:
    done = _run(installed / "saml-harness", "scenarios", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    listed = {row["id"] for row in json.loads(done.stdout)}
    assert listed == {s.id for s in load_catalogue()}


def test_installed_cli_reproduces_a_scenario(installed: Path, tmp_path: Path) -> None:
    done = _run(installed / "saml-harness", "repro", "audience.trailing_slash", "--flow", "sp", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "audience.trailing_slash" in done.stdout


def _readme_example() -> str:
    section = (ROOT / "README.md").read_text().split("## Use it from another repository", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block is not None, "README's plugin example is missing"
    return block.group(1)


def test_the_readme_example_runs_in_another_repository_with_the_plugin(installed: Path, tmp_path: Path) -> None:
    example = _readme_example()
    tests = [n.name for n in ast.parse(example).body if isinstance(n, ast.FunctionDef)]
    assert len(tests) >= 2
    (tmp_path / "test_okta_sso.py").write_text(example)
    done = _run(installed / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_okta_sso.py", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"{len(tests)} passed" in done.stdout
