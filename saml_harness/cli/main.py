"""The ``saml-harness`` command: serve the demo deployment for people and tools."""

from __future__ import annotations

import difflib
import importlib
import json
import logging
import shutil
import sys
from pathlib import Path

import click

# Heavy modules (Flask, signxml, lxml, rich, Playwright) are imported inside the commands that use them, so that
# `saml-harness --help` answers at once (3.6 s of imports before; tests/harness/test_cli_output.py checks it).

LAZY_COMMANDS = {
    "diagnose": (
        "saml_harness.diagnose.command:diagnose_command",
        "Explain why JustCall would accept or reject a captured Okta SAMLResponse.",
    ),
}
"""Subcommands whose module loads only when they run: name -> (module:attribute, short help for --help)."""


class LazyGroup(click.Group):
    """A command group that lists every subcommand in --help but imports a lazy one only when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module, _, attribute = LAZY_COMMANDS[cmd_name][0].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS:
                rows.append((name, LAZY_COMMANDS[name][1]))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="saml-harness")
def main() -> None:
    """SAML conformance harness: a mock Okta org, the bundled JustCall SP, and the suites that test it."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--idp-port", default=0, show_default=True, help="Port of the mock Okta org (0 = a free port).")
@click.option("--sp-port", default=0, show_default=True, help="Port of the JustCall SP (0 = a free port).")
@click.option(
    "--control-port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port of the scenario control API, always on 127.0.0.1 (0 = a free port).",
)
@click.option("--database-url", default=None, help="SQLAlchemy URL for the SP (default: a fresh SQLite file).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line with URLs and users, then serve.")
@click.option(
    "--fresh", is_flag=True, help="Start with SSO configured on neither side, to follow the article from Step 1."
)
def serve(
    host: str, idp_port: int, sp_port: int, control_port: int, database_url: str | None, as_json: bool, fresh: bool
) -> None:
    """Start the mock Okta org and the JustCall SP, wired together (unless --fresh), and serve until interrupted."""
    from saml_harness.cli.serve import PortError, run_serve

    try:
        run_serve(
            sys.stdout,
            host=host,
            idp_port=idp_port,
            sp_port=sp_port,
            control_port=control_port,
            database_url=database_url,
            as_json=as_json,
            fresh=fresh,
        )
    except PortError as exc:
        raise click.UsageError(str(exc)) from exc


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as one JSON list.")
@click.option("--flow", type=click.Choice(["sp_initiated", "idp_initiated"]), help="Only scenarios run in this flow.")
@click.argument("prefix", required=False, default="")
def scenarios(as_json: bool, flow: str | None, prefix: str) -> None:
    """List the scenario catalogue (optionally only ids starting with PREFIX).

    The table fits the terminal (COLUMNS when piped, else 80); narrower than the longest id plus the other
    columns, each scenario prints as a block. Exit 1 when nothing matches (with --json: an empty list, exit 0).
    """
    from saml_harness.cli.listing import no_match_hint, render
    from saml_harness.scenarios.catalogue import load_catalogue

    catalogue = load_catalogue()
    chosen = [s for s in catalogue if s.id.startswith(prefix) and (flow is None or flow in s.flows)]
    if as_json:
        click.echo(json.dumps([s.as_json() for s in chosen], indent=None))
        return
    if not chosen:
        click.echo(f"error: {no_match_hint(prefix, flow, [s.id for s in catalogue])}", err=True)
        raise SystemExit(1)
    click.echo(render(chosen, shutil.get_terminal_size((80, 24)).columns))


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
        from rich.console import Console

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
