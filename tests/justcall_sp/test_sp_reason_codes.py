"""``reasons.REASONS`` lists every reason code the SP can log, and nothing else.

Found in the sources two ways: an AST walk takes every literal bound to a parameter named ``reason`` (``Reject``,
helpers such as ``whole_text`` and ``_refuse``, defaults included), and a sweep of all string literals shaped like
a code of a known family (``signature.…``) catches a code kept in a variable before it is passed on.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import justcall_sp
from justcall_sp.acs.reasons import CATEGORY_BY_REASON, INVALID, REASONS, category_for, http_status_for

SOURCES = Path(justcall_sp.__file__).parent
CODE_SHAPE = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")


def trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(SOURCES.rglob("*.py"))}


def reason_parameters(modules: dict[Path, ast.Module]) -> tuple[dict[str, int], set[str]]:
    """Return the callables that take a ``reason`` (name -> its position in a call) and the defaults given to it."""
    positions: dict[str, int] = {}
    defaults: set[str] = set()
    for tree in modules.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                init = next((b for b in node.body if isinstance(b, ast.FunctionDef) and b.name == "__init__"), None)
                function, name = init, node.name
            elif isinstance(node, ast.FunctionDef) and node.name != "__init__":
                function, name = node, node.name
            else:
                continue
            if function is None:
                continue
            params = [*function.args.posonlyargs, *function.args.args]
            names = [p.arg for p in params]
            if "reason" not in names:
                continue
            positions[name] = names.index("reason") - (1 if names[0] in ("self", "cls") else 0)
            tail = params[len(params) - len(function.args.defaults) :]
            for param, default in zip(tail, function.args.defaults, strict=True):
                if param.arg == "reason" and isinstance(default, ast.Constant):
                    defaults.add(default.value)
    return positions, defaults


def reasons_passed(modules: dict[Path, ast.Module]) -> dict[str, list[str]]:
    """Return each literal reason code passed to a callable that takes a ``reason``, with where it is passed."""
    positions, defaults = reason_parameters(modules)
    found: dict[str, list[str]] = {code: ["(a parameter default)"] for code in defaults}
    for path, tree in modules.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in positions:
                continue
            position = positions[name]
            values = [node.args[position]] if len(node.args) > position else []
            values += [k.value for k in node.keywords if k.arg == "reason"]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.setdefault(value.value, []).append(f"{path.name}:{node.lineno}")
    return found


def code_shaped_literals(modules: dict[Path, ast.Module], families: set[str]) -> set[str]:
    """Return every string literal outside reasons.py shaped like a reason code of one of ``families``."""
    return {
        node.value
        for path, tree in modules.items()
        if path.name != "reasons.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CODE_SHAPE.match(node.value)
        and node.value.split(".")[0] in families
    }


def test_the_walk_finds_reasons_in_calls_keywords_and_defaults() -> None:
    source = (
        "def whole_text(element, reason='subject.malformed'): ...\n"
        "def refuse(conn, reason, detail): ...\n"
        "class Reject(Exception):\n"
        "    def __init__(self, reason, detail): ...\n"
        "raise Reject('signature.invalid', 'x')\n"
        "refuse(conn, 'account.plan', 'y')\n"
        "refuse(conn, detail='z', reason='replay.detected')\n"
    )
    found = reasons_passed({Path("x.py"): ast.parse(source)})
    assert set(found) == {"subject.malformed", "signature.invalid", "account.plan", "replay.detected"}


def test_every_reason_the_sp_gives_is_listed() -> None:
    modules = trees()
    used = reasons_passed(modules)
    assert len(used) >= 40
    assert {code: where for code, where in used.items() if code not in REASONS} == {}
    families = {code.split(".")[0] for code in REASONS}
    assert code_shaped_literals(modules, families) - set(REASONS) == set()


def test_every_listed_reason_is_given_somewhere() -> None:
    modules = trees()
    used = set(reasons_passed(modules)) | code_shaped_literals(modules, {c.split(".")[0] for c in REASONS})
    assert sorted(set(REASONS) - used) == []


def test_each_reason_has_a_meaning_a_category_and_a_status() -> None:
    for code, reason in REASONS.items():
        assert reason.code == code and CODE_SHAPE.match(code) and reason.meaning
        assert category_for(code) == reason.category
        assert http_status_for(code) == (400 if code.startswith("input.") else 403)
    assert set(CATEGORY_BY_REASON) == {c for c, r in REASONS.items() if r.category != INVALID}


def test_every_reason_a_scenario_expects_is_one_the_sp_can_give() -> None:
    from saml_harness.scenarios.catalogue import load_catalogue

    expected = {s.reason for s in load_catalogue() if s.reason}
    assert len(expected) >= 20
    assert sorted(expected - set(REASONS)) == []
