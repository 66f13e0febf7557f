"""The ``saml-harness`` command: serve the demo deployment for people and tools."""

from __future__ import annotations

import difflib
import json
import logging
import secrets
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from saml_harness.deploy.control import ScenarioPicker, create_control_app
from saml_harness.deploy.live import LiveServer
from saml_harness.deploy.wiring import Deployment, start_deployment


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="saml-harness")
def main() -> None:
    """SAML conformance harness: a mock Okta org, the bundled JustCall SP, and the suites that test it."""


def describe(deployment: Deployment) -> dict[str, Any]:
    """Return the machine-readable description ``serve --json`` prints: URLs and demo users."""
    demo = deployment.demo
    okta, app = deployment.okta, deployment.app
    owner = demo.owner
    admin = demo.okta_admin
    return {
        "fresh": app is None,
        "idp_url": deployment.idp_url,
        "idp_admin_url": f"{deployment.idp_url}/admin/",
        "idp_admin": {"login": admin.email, "password": admin.password},
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
@click.option(
    "--fresh", is_flag=True, help="Start with SSO configured on neither side, to follow the article from Step 1."
)
def serve(host: str, idp_port: int, sp_port: int, database_url: str | None, as_json: bool, fresh: bool) -> None:
    """Start the mock Okta org and the JustCall SP, wired together (unless --fresh), and serve until interrupted."""
    folder = Path(tempfile.mkdtemp(prefix="saml-harness-"))
    deployment = start_deployment(
        database_url=database_url or f"sqlite:///{folder / 'justcall.sqlite3'}",
        host=host,
        idp_port=idp_port,
        sp_port=sp_port,
        wire=not fresh,
    )
    deployment.idp_server.app.config["SCENARIO_PICKER"] = ScenarioPicker(deployment)
    control_token = secrets.token_urlsafe(24)
    control = LiveServer(create_control_app(deployment, control_token), host="127.0.0.1").start()
    info = describe(deployment) | {"control_url": control.url, "control_token": control_token}
    if as_json:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
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
        ("Okta Admin Console", "idp_admin_url"),
        ("Okta sign-in", "idp_sign_in_url"),
        ("Okta dashboard (IdP-initiated)", "idp_dashboard_url"),
        ("Okta IdP metadata", "idp_metadata_url"),
        ("JustCall login (Sign in with SSO)", "sp_login_url"),
        ("JustCall SSO settings (admin)", "sp_settings_url"),
        ("JustCall who-am-I", "sp_me_url"),
    ):
        urls.add_row(label, info[key] or "(no JustCall app yet: --fresh)")
    console.print(urls)
    people = Table("email", "password", "assigned to JustCall", "status", title="Okta users")
    for user in info["users"]:
        people.add_row(user["email"], user["password"], "yes" if user["assigned"] else "no", user["status"])
    console.print(people)
    admin = info["sp_admin"]
    console.print(f"JustCall admin (break-glass password sign-in): {admin['email']} / {admin['password']}")
    okta_admin = info["idp_admin"]
    console.print(f"Okta Super Admin (Admin Console): {okta_admin['login']} / {okta_admin['password']}")
    console.print(
        f"Scenario control API: POST {info['control_url']}/next-login (Authorization: Bearer {info['control_token']})"
    )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as one JSON list.")
@click.option("--flow", type=click.Choice(["sp_initiated", "idp_initiated"]), help="Only scenarios run in this flow.")
@click.argument("prefix", required=False, default="")
def scenarios(as_json: bool, flow: str | None, prefix: str) -> None:
    """List the scenario catalogue (optionally only ids starting with PREFIX)."""
    from saml_harness.scenarios.catalogue import load_catalogue

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


@main.command()
@click.argument("scenario_id", metavar="SCENARIO")
@click.option("--flow", type=click.Choice(["sp", "idp", "both"]), default="both", show_default=True)
@click.option("--target", "target_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--headed", is_flag=True, help="Also click through it in a visible Chromium.")
@click.option("--browser", "in_browser", is_flag=True, help="Also run it in a headless Chromium.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per flow instead of text.")
def repro(scenario_id: str, flow: str, target_file: Path | None, headed: bool, in_browser: bool, as_json: bool) -> None:
    """Run one scenario and show the fault, the messages, what the SP answered, and the fix.

    Exit 0 when the SP did what the scenario expects, 1 when it did not, 2 for a usage error.
    """
    from saml_harness.cli.repro import reproduce, start_for
    from saml_harness.deploy.targets import TargetError, load_target
    from saml_harness.scenarios.catalogue import by_id, load_catalogue

    scenarios = by_id(load_catalogue())
    scenario = scenarios.get(scenario_id)
    if scenario is None:
        close = difflib.get_close_matches(scenario_id, list(scenarios), n=5, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else " See `saml-harness scenarios`."
        raise click.UsageError(f"unknown scenario {scenario_id!r}.{hint}")
    flows = {"sp": ["sp_initiated"], "idp": ["idp_initiated"], "both": list(scenario.flows)}[flow]
    flows = [f for f in flows if f in scenario.flows]
    if not flows:
        raise click.UsageError(f"{scenario_id} does not run in the {flow} flow (it runs in {list(scenario.flows)})")
    try:
        spec = load_target(target_file) if target_file else None
    except TargetError as exc:
        raise click.UsageError(str(exc)) from exc
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    deployment = start_for(spec)
    try:
        results = [reproduce(deployment, scenario, f) for f in flows]
        browser_runs = []
        if headed or in_browser:
            from saml_harness.browser.flow import run_in_browser
            from saml_harness.scenarios.runner import arm_scenario

            for f in flows:
                deployment.reset()
                arm_scenario(deployment, scenario, deployment.demo.person(scenario.user).email)
                browser_runs.append(
                    run_in_browser(
                        f, deployment.target, deployment.idp, deployment.credentials(scenario.user), headed=headed
                    )
                )
    finally:
        deployment.stop()
    if as_json:
        for index, result in enumerate(results):
            extra = {"browser": browser_runs[index]} if browser_runs else {}
            click.echo(json.dumps(result.as_json() | extra, default=str))
    else:
        from saml_harness.cli.repro_render import print_repro

        for index, result in enumerate(results):
            print_repro(Console(), result, browser_runs[index] if browser_runs else None)
    raise SystemExit(0 if all(r.met for r in results) else 1)


@main.command()
@click.option(
    "--dir", "report_dir", default="reports", show_default=True, type=click.Path(file_okay=False, path_type=Path)
)
def report(report_dir: Path) -> None:
    """Rebuild report.html and matrix.json from the last runs' results in reports/.

    Exit 1 when any case in those runs missed its expectation.
    """
    from saml_harness.report.build import failed, load_runs
    from saml_harness.report.html import render

    runs = load_runs(report_dir)
    if not runs:
        raise click.ClickException(f"no results-*.json in {report_dir}: run a nox session first")
    out = render(report_dir)
    missed = failed(runs)
    click.echo(f"wrote {out} and {report_dir / 'matrix.json'} from {len(runs)} run(s)")
    for case in missed:
        cls = (case.get("verdict") or {}).get("class")
        click.echo(f"FAILED {case['nodeid']}" + (f" ({cls})" if cls else ""))
    raise SystemExit(1 if missed else 0)


def _register_subcommands() -> None:
    from saml_harness.diagnose.command import diagnose_command

    main.add_command(diagnose_command)


_register_subcommands()
