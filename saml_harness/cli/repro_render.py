"""Print a repro for a person: the verdict first (expected, actual, troubleshooting row, fix), then the evidence.

The Response is shown twice: pretty-printed with the changed lines marked (for reading), and exactly as
Okta signed it, base64 as posted and decoded, for ``saml-harness diagnose`` (re-indenting breaks signatures).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from saml_harness.cli.repro import Repro
from saml_harness.report.records import describe_fault

PRETTY_WARNING = "pretty-printed for reading: its whitespace breaks the signatures; diagnose needs the exact form below"
EXACT_XML_HEADING = "Response XML exactly as signed (`saml-harness diagnose FILE` accepts it as is):"
POSTED_HEADING = "SAMLResponse exactly as posted (base64; `saml-harness diagnose` accepts it too):"


def _path(url: str, limit: int = 60) -> str:
    """Return the path and query of ``url``, shortened for a table cell."""
    parts = urlsplit(url)
    text = parts.path + (f"?{parts.query}" if parts.query else "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_repro(console: Console, repro: Repro, browser: dict[str, Any] | None = None) -> None:
    """Print one flow's repro: verdict, then details."""
    scenario = repro.scenario
    console.rule(f"[bold]{scenario.id}[/bold]  [{repro.flow}]")
    console.print(
        f"[bold]{scenario.title}[/bold]" + (f"  ({scenario.spec}, {scenario.level})" if scenario.spec else "")
    )
    print_verdict(console, repro, browser)
    console.rule("details", style="dim")
    print_details(console, repro)


def print_verdict(console: Console, repro: Repro, browser: dict[str, Any] | None) -> None:
    """Print whether the SP met the expectation, expected vs actual, the troubleshooting row and the fix."""
    scenario, outcome = repro.scenario, repro.outcome
    if repro.verdict is not None:
        style = "bold red" if repro.verdict.fails(repro.profile) else "green"
        console.print(Text(f"Verdict:  {repro.verdict.cls}", style=style) + Text(f" ({repro.verdict.reason})"))
    if repro.met:
        console.print("[green]The SP did what this scenario allows.[/green]")
    else:
        console.print("[bold red]The SP did NOT do what this scenario expects:[/bold red]")
        for problem in repro.problems:
            console.print(Text(f"  - {problem}"))
    expected = scenario.expect + "".join(
        f", {label} {value!r}"
        for label, value in (
            ("user sees", scenario.sp_error),
            ("Okta shows", scenario.idp_error),
            ("reason", scenario.reason),
        )
        if value
    )
    console.print(Text(f"Expected: {expected}"))
    console.print(Text(f"Actual:   {outcome.summary()}"))
    if outcome.sp_error_detail:
        console.print(Text(f"          detail shown: {outcome.sp_error_detail}"))
    if outcome.sp_status is not None:
        console.print(Text(f"SP said:  HTTP {outcome.sp_status}: {outcome.sp_said or '(no text)'}"))
    if browser is not None:
        console.print(
            Text(
                f"Browser:  ended at {browser['final_url']} ({browser['title']!r}); "
                f"error shown: {browser['sp_error']!r}; signed in: {browser['identity']!r}"
            )
        )
    if scenario.troubleshooting:
        console.print(Text.assemble("Troubleshooting row: ", (scenario.troubleshooting, "bold")))
    if scenario.advice:
        console.print(Text(f"Fix: {scenario.advice}"))


def print_details(console: Console, repro: Repro) -> None:
    """Print the fault, the hops, the messages, and the exact Response for diagnose."""
    outcome = repro.outcome
    console.print(Text(f"Injected fault: {describe_fault(repro.scenario)}"))
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
        title = "Response (+ marks what differs from Okta's normal response)"
        console.print(Panel(body, title=title, subtitle=PRETTY_WARNING, expand=False))
    elif outcome.trace.last_response is None:
        console.print("No SAMLResponse was sent by the IdP.")
    # Written past rich on purpose: no wrapping, tab expansion or markup may touch a signed document.
    if repro.exact_xml is not None:
        console.file.write(f"{EXACT_XML_HEADING}\n{repro.exact_xml}\n")
    if repro.posted_response is not None:
        console.file.write(f"{POSTED_HEADING}\n{repro.posted_response}\n")
