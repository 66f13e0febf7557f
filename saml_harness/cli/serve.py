"""What ``saml-harness serve`` runs and prints: the wired deployment, its description, the banner, the control API."""

from __future__ import annotations

import json
import logging
import secrets
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any, TextIO

from saml_harness.deploy.control import ScenarioPicker, create_control_app
from saml_harness.deploy.live import LiveServer
from saml_harness.deploy.wiring import Deployment, start_deployment


class PortError(Exception):
    """A port given on the command line is taken (or not allowed); the message says which."""


NOT_ASSIGNED_YET = "not yet: assign in the article's Step 5"


def describe(deployment: Deployment) -> dict[str, Any]:
    """Return the machine-readable description ``serve --json`` prints: URLs and demo users."""
    demo = deployment.demo
    okta, app = deployment.okta, deployment.app
    fresh = app is None
    owner = demo.owner
    admin = demo.okta_admin
    return {
        "fresh": fresh,
        "idp_url": deployment.idp_url,
        "idp_home_url": f"{deployment.idp_url}/",
        "idp_admin_url": f"{deployment.idp_url}/admin/",
        # Both admins name their login field "login"; the older keys stay as aliases for existing scripts.
        "idp_admin": {"login": admin.email, "email": admin.email, "password": admin.password},
        "idp_api_token": deployment.idp_api_token,
        "idp_sign_in_url": f"{deployment.idp_url}/login/login.htm",
        "idp_dashboard_url": f"{deployment.idp_url}/app/UserHome",
        "idp_metadata_url": okta.metadata_url(app) if app else None,
        "idp_sso_url": okta.sso_url(app) if app else None,
        "idp_issuer": okta.issuer(app) if app else None,
        "sp_url": deployment.sp_url,
        "sp_login_url": f"{deployment.sp_url}/login",
        "sp_sso_login_url": f"{deployment.sp_url}/login/sso",
        "sp_me_url": f"{deployment.sp_url}/api/me",
        "sp_settings_url": f"{deployment.sp_url}/settings/security/sso",
        "sp_acs_url": deployment.target.acs_url,
        "sp_entity_id": deployment.target.entity_id,
        "sp_account": demo.account.slug,
        "sp_activity_url": f"{deployment.sp_url}/api/sso/activity",
        "sp_api_token": deployment.api_token,
        "sp_admin": {"login": owner.email, "email": owner.email, "password": owner.password},
        "users": [
            {
                "email": p.email,
                "password": p.password,
                # --fresh: nobody is assigned until the person following the article does Step 5.
                "assigned": p.assigned and not fresh,
                "assigned_in_step_5": p.assigned,
                "status": p.status,
                "name": f"{p.first_name} {p.last_name}",
            }
            for p in demo.people
        ],
    }


def demo_people(info: dict[str, Any]) -> list[dict[str, str]]:
    """Return who the IdP's landing page lists with their passwords (demo only): the Okta admin, then each person."""
    admin = info["idp_admin"]
    people = [{"login": admin["login"], "password": admin["password"], "role": "Okta Super Admin"}]
    return people + [{"login": user["email"], "password": user["password"]} for user in info["users"]]


def assignment(user: dict[str, Any], fresh: bool) -> str:
    if user["assigned"]:
        return "assigned to JustCall"
    if fresh and user["assigned_in_step_5"]:
        return f"not assigned ({NOT_ASSIGNED_YET})"
    return "not assigned to JustCall"


URLS = (
    ("Okta org home (links, people)", "idp_home_url"),
    ("Okta Admin Console", "idp_admin_url"),
    ("Okta sign-in", "idp_sign_in_url"),
    ("Okta dashboard (IdP-initiated)", "idp_dashboard_url"),
    ("Okta IdP metadata", "idp_metadata_url"),
    ("JustCall login (Sign in with SSO)", "sp_login_url"),
    ("JustCall SSO settings (admin)", "sp_settings_url"),
    ("JustCall who-am-I", "sp_me_url"),
    ("Control API", "control_url"),
)


def banner(info: dict[str, Any]) -> str:
    """Return the banner as plain lines: every URL and credential in full, never cut to the terminal's width."""
    lines = ["Mock Okta org and JustCall SP are running. Press Ctrl+C to stop.", ""]
    width = max(len(label) for label, _ in URLS)
    for label, key in URLS:
        lines.append(f"{label:<{width}}  {info[key] or '(no JustCall app yet: --fresh)'}")
    lines += ["", "Okta users (email / password / assignment / status):"]
    for user in info["users"]:
        lines.append(f"  {user['email']}  {user['password']}  {assignment(user, info['fresh'])}  {user['status']}")
    sp_admin, okta_admin = info["sp_admin"], info["idp_admin"]
    lines += [
        "",
        f"JustCall admin (break-glass password sign-in): {sp_admin['login']} / {sp_admin['password']}",
        f"Okta Super Admin (Admin Console): {okta_admin['login']} / {okta_admin['password']}",
        f"Okta Admin API token (Authorization: SSWS ...): {info['idp_api_token']}",
        f"JustCall API token (Authorization: Bearer ...): {info['sp_api_token']}",
        f"Scenario control API: POST {info['control_url']}/next-login, POST {info['control_url']}/reset "
        f"(Authorization: Bearer {info['control_token']})",
    ]
    return "\n".join(lines)


def run_serve(
    out: TextIO,
    *,
    host: str,
    idp_port: int,
    sp_port: int,
    control_port: int,
    database_url: str | None,
    as_json: bool,
    fresh: bool,
) -> None:
    """Start both apps (wired unless ``fresh``) and the control API, print where they are, serve until stopped."""
    folder = Path(tempfile.mkdtemp(prefix="saml-harness-"))
    try:
        deployment = start_deployment(
            database_url=database_url or f"sqlite:///{folder / 'justcall.sqlite3'}",
            host=host,
            idp_port=idp_port,
            sp_port=sp_port,
            wire=not fresh,
        )
    except OSError as exc:
        ports = f"--idp-port {idp_port}, --sp-port {sp_port}"
        raise PortError(f"cannot listen on {host} ({ports}): {exc.strerror or exc}") from exc
    control_token = secrets.token_urlsafe(24)
    picker = ScenarioPicker(deployment)
    try:
        control_app = create_control_app(deployment, control_token, picker=picker)
        control = LiveServer(control_app, "127.0.0.1", control_port).start()
    except OSError as exc:
        deployment.stop()
        raise PortError(f"cannot listen on 127.0.0.1 port {control_port}: {exc.strerror or exc}") from exc
    info = describe(deployment) | {"control_url": control.url, "control_token": control_token}
    idp_config = deployment.idp_server.app.config
    idp_config["SCENARIO_PICKER"] = picker
    idp_config["DEMO_PEOPLE"] = demo_people(info)
    if as_json:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        out.write(json.dumps(info) + "\n")
    else:
        out.write(banner(info) + "\n")
    out.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        control.stop()
        deployment.stop()
