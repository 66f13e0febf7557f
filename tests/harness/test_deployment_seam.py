"""The driver's main seam is typed: ``Deployment`` names the org, the SP facade, the app and the servers."""

from __future__ import annotations

import ast
import inspect
import typing
from pathlib import Path

from justcall_sp.db import DatabaseSnapshot
from justcall_sp.service import JustCall
from mock_idp.model import SamlApp
from mock_idp.org import Org, OrgSnapshot
from saml_harness.deploy import wiring
from saml_harness.deploy.live import LiveServer
from saml_harness.deploy.wiring import Deployment

SEAM = {
    "okta": Org,
    "justcall": JustCall | None,
    "app": SamlApp | None,
    "idp_server": LiveServer,
    "sp_server": LiveServer | None,
    "_okta_snapshot": OrgSnapshot | None,
    "_justcall_snapshot": DatabaseSnapshot | None,
}


def mentions_any(hint: object) -> bool:
    return hint is typing.Any or any(mentions_any(arg) for arg in typing.get_args(hint))


def test_the_seam_fields_have_their_real_types() -> None:
    hints = typing.get_type_hints(Deployment)
    assert {name: hints[name] for name in SEAM} == SEAM
    assert [name for name, hint in hints.items() if mentions_any(hint)] == []


def test_the_wiring_functions_take_and_return_no_any() -> None:
    for name in ("seed_okta", "seed_justcall", "create_okta_app", "configure_justcall", "assign_people"):
        hints = typing.get_type_hints(getattr(wiring, name))
        assert not any(mentions_any(hint) for hint in hints.values()), name


def test_the_apps_are_imported_at_the_top_of_the_wiring_module() -> None:
    tree = ast.parse(Path(inspect.getfile(wiring)).read_text(encoding="utf-8"))
    nested = [
        ast.unparse(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert nested == []
