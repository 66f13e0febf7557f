"""The ``saml-harness`` command: serve the demo deployment for people and tools."""

from __future__ import annotations

import json
import secrets
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from saml_harness.control import create_control_app
from saml_harness.live import LiveServer
from saml_harness.wiring import Deployment, start_deployment


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="saml-harness")
def main() -> None:
    """SAML conformance harness: a mock Okta org, the bundled JustCall SP, and the suites that test it."""


def describe(deployment: Deployment) -> dict[str, Any]:
    """Return the machine-readable description ``serve --json`` prints: URLs and demo users."""
    demo = deployment.demo
    okta, app = deployment.okta, deployment.app
    owner = demo.owner
    return {
        "idp_url": deployment.idp_url,
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
        "sp_activity_url": f"{deployment.sp_url}/api/sso/activity",
        "sp_api_token": deployment.api_token,
        "sp_admin": {"email": owner.email, "password": owner.password},
        "users": [
            {
                "email": p.email,
                "password": p.password,
                "assigned": p.assigned,
                "status": p.status,
                "name": f"{p.first_name} {p.last_name}",
            }
            for p in demo.people
        ],
    }


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--idp-port", default=0, show_default=True, help="Port of the mock Okta org (0 = a free port).")
@click.option("--sp-port", default=0, show_default=True, help="Port of the JustCall SP (0 = a free port).")
@click.option("--database-url", default=None, help="SQLAlchemy URL for the SP (default: a fresh SQLite file).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line with URLs and users, then serve.")
def serve(host: str, idp_port: int, sp_port: int, database_url: str | None, as_json: bool) -> None:
    """Start the mock Okta org and the JustCall SP, wired together, and serve until interrupted."""
    folder = Path(tempfile.mkdtemp(prefix="saml-harness-"))
    deployment = start_deployment(
        database_url=database_url or f"sqlite:///{folder / 'justcall.sqlite3'}",
        host=host,
        idp_port=idp_port,
        sp_port=sp_port,
    )
    control_token = secrets.token_urlsafe(24)
    control = LiveServer(create_control_app(deployment, control_token), host="127.0.0.1").start()
    info = describe(deployment) | {"control_url": control.url, "control_token": control_token}
    if as_json:
        click.echo(json.dumps(info), nl=True)
    else:
        print_serve_banner(info)
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


def print_serve_banner(info: dict[str, Any]) -> None:
    console = Console()
    console.print("[bold]Mock Okta org and JustCall SP are running.[/bold] Press Ctrl+C to stop.\n")
    urls = Table(show_header=False, box=None)
    for label, key in (
        ("Okta sign-in", "idp_sign_in_url"),
        ("Okta dashboard (IdP-initiated)", "idp_dashboard_url"),
        ("Okta IdP metadata", "idp_metadata_url"),
        ("JustCall login (Sign in with SSO)", "sp_login_url"),
        ("JustCall SSO settings (admin)", "sp_settings_url"),
        ("JustCall who-am-I", "sp_me_url"),
    ):
        urls.add_row(label, info[key])
    console.print(urls)
    people = Table("email", "password", "assigned to JustCall", "status", title="Okta users")
    for user in info["users"]:
        people.add_row(user["email"], user["password"], "yes" if user["assigned"] else "no", user["status"])
    console.print(people)
    admin = info["sp_admin"]
    console.print(f"JustCall admin (break-glass password sign-in): {admin['email']} / {admin['password']}")
    console.print(
        f"Scenario control API: POST {info['control_url']}/next-login (Authorization: Bearer {info['control_token']})"
    )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as one JSON list.")
@click.option("--flow", type=click.Choice(["sp_initiated", "idp_initiated"]), help="Only scenarios run in this flow.")
@click.argument("prefix", required=False, default="")
def scenarios(as_json: bool, flow: str | None, prefix: str) -> None:
    """List the scenario catalogue (optionally only ids starting with PREFIX)."""
    from saml_harness.catalogue import load_catalogue

    chosen = [s for s in load_catalogue() if s.id.startswith(prefix) and (flow is None or flow in s.flows)]
    if as_json:
        click.echo(json.dumps([s.as_json() for s in chosen], indent=None))
        return
    table = Table(title=f"{len(chosen)} scenarios")
    table.add_column("id", no_wrap=True)
    for column in ("flows", "expect", "user sees", "troubleshooting row"):
        table.add_column(column)
    for s in chosen:
        flows = ", ".join("SP" if f == "sp_initiated" else "IdP" for f in s.flows)
        shown = s.sp_error or s.idp_error or ("signed in" if s.expect == "accept" else "")
        table.add_row(s.id, flows, s.expect, shown, s.troubleshooting)
    Console().print(table)


def _register_subcommands() -> None:
    from saml_harness.diagnose.command import diagnose_command

    main.add_command(diagnose_command)


_register_subcommands()
