"""Print a repro for a person: fault, hops, messages with the changed lines marked, verdict and fix."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from saml_harness.cli.repro import Repro
from saml_harness.report.records import describe_fault


def _path(url: str, limit: int = 60) -> str:
    """Return the path and query of ``url``, shortened for a table cell."""
    parts = urlsplit(url)
    text = parts.path + (f"?{parts.query}" if parts.query else "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_repro(console: Console, repro: Repro, browser: dict[str, Any] | None = None) -> None:
    """Print one flow's repro."""
    scenario, outcome = repro.scenario, repro.outcome
    console.rule(f"[bold]{scenario.id}[/bold]  [{repro.flow}]")
    console.print(
        f"[bold]{scenario.title}[/bold]" + (f"  ({scenario.spec}, {scenario.level})" if scenario.spec else "")
    )
    console.print(f"Injected fault: {describe_fault(scenario)}")
    hops = Table("#", "to", "request", "status", "redirect / note", "SAML", title="HTTP hops")
    for index, hop in enumerate(outcome.trace.hops, 1):
        style = "bold red" if hop.status >= 400 else ""
        who = "Okta" if hop.url.startswith(repro.idp_url) else "SP"
        hops.add_row(
            str(index),
            who,
            Text(f"{hop.method} {_path(hop.url)}", style=style),
            Text(str(hop.status), style=style),
            _path(hop.location or "") + (f" ({hop.note})" if hop.note else ""),
            ", ".join(f"{m.param} ({m.binding})" for m in hop.saml),
        )
    console.print(hops)
    request = outcome.trace.last_request
    if request is not None:
        console.print(Panel(request.pretty.rstrip(), title="AuthnRequest (decoded)", expand=False))
    if repro.marked_response:
        body = Text()
        for mark, line in repro.marked_response:
            body.append(("+ " if mark == "+" else "  ") + line + "\n", style="bold red" if mark == "+" else "")
        title = "Response (decoded; + marks what differs from Okta's normal response)"
        console.print(Panel(body, title=title, expand=False))
    elif outcome.trace.last_response is None:
        console.print("No SAMLResponse was sent by the IdP.")
    expected = scenario.expect + "".join(
        f", {label} {value!r}"
        for label, value in (
            ("user sees", scenario.sp_error),
            ("Okta shows", scenario.idp_error),
            ("reason", scenario.reason),
        )
        if value
    )
    console.print(f"Expected: {expected}")
    console.print(f"Actual:   {outcome.summary()}")
    if outcome.sp_error_detail:
        console.print(f"          detail shown: {outcome.sp_error_detail}")
    if outcome.sp_status is not None:
        console.print(f"SP said:  HTTP {outcome.sp_status}: {outcome.sp_said or '(no text)'}", markup=False)
    if repro.verdict is not None:
        style = "bold red" if repro.verdict.fails(repro.profile) else "green"
        label = Text(f"Verdict:  {repro.verdict.cls}", style=style)
        console.print(label + Text(f" ({repro.verdict.reason})"))
    if browser is not None:
        console.print(
            f"Browser:  ended at {browser['final_url']} ({browser['title']!r}); "
            f"error shown: {browser['sp_error']!r}; signed in: {browser['identity']!r}"
        )
    if scenario.troubleshooting:
        console.print(f"Troubleshooting row: [bold]{scenario.troubleshooting}[/bold]")
    if scenario.advice:
        console.print(f"Fix: {scenario.advice}")
    if repro.met:
        console.print("[green]The SP did what this scenario allows.[/green]")
    else:
        console.print("[bold red]The SP did NOT do what this scenario expects:[/bold red]")
        for problem in repro.problems:
            console.print(f"  - {problem}")
