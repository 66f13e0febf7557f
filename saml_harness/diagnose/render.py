"""Print a diagnosis for a person (rich tables) or for a tool (one JSON object), redacted when asked."""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from rich.console import Console
from rich.table import Table
from rich.text import Text

from saml_harness.diagnose.inputs import parse_xml
from saml_harness.diagnose.model import Report
from saml_harness.diagnose.redact import Redactor
from saml_harness.diagnose.timefmt import fmt_instant

STYLES = {"error": "bold red", "warning": "yellow", "ok": "green", "info": "cyan"}


def pretty_xml(report: Report, redactor: Redactor) -> str:
    """Return the decoded Response pretty-printed (for reading only: never verify pretty-printed XML)."""
    if report.xml is None:
        return ""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)
    root = redactor.xml(etree.fromstring(etree.tostring(parse_xml(report.xml)), parser))
    return redactor.text(etree.tostring(root, pretty_print=True, encoding="unicode"))


def report_data(report: Report, redactor: Redactor, show_xml: bool = False) -> dict[str, Any]:
    """Return the JSON form of ``report`` (redacted)."""
    data = report.to_dict()
    if show_xml:
        data["xml"] = pretty_xml(report, redactor)
    return dict(redactor.data(data))


def render_json(reports: list[tuple[Report, Redactor]], show_xml: bool = False, many: bool = False) -> str:
    """Return one JSON object: the report, or with ``many`` a wrapper listing every report."""
    if not many:
        report, redactor = reports[0]
        return json.dumps(report_data(report, redactor, show_xml), indent=2)
    accepted = all(r.accepted for r, _ in reports)
    return json.dumps(
        {
            "verdict": _overall(accepted, len(reports)),
            "accepted": accepted,
            "input_kind": reports[0][0].input_kind if reports else None,
            "responses": [report_data(r, red, show_xml) for r, red in reports],
        },
        indent=2,
    )


def _overall(accepted: bool, count: int) -> str:
    if accepted:
        return f"JustCall would ACCEPT all {count} responses"
    return f"JustCall would REJECT at least one of {count} responses"


def render_report(console: Console, report: Report, redactor: Redactor, show_xml: bool = False) -> None:
    """Print the header, the findings table, the troubleshooting rows with their fixes, and the verdict."""
    red = redactor.text
    summary = report.summary
    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold")
    header.add_column()
    name_id = summary.name_id or "-"
    if summary.name_id_format:
        name_id += f" ({summary.name_id_format.rsplit(':', 1)[-1]})"
    rows = [
        ("Input", f"{report.input_kind} ({report.source})" if report.source else report.input_kind),
        ("Issuer", summary.issuer or "-"),
        ("IssueInstant", summary.issue_instant or "-"),
        ("Destination", summary.destination or "-"),
        ("NameID", name_id),
        ("Checked at", fmt_instant(report.at)),
    ]
    for label, value in rows:
        header.add_row(label, Text(red(value)))
    console.print(Text("SAML response diagnosis", style="bold"))
    console.print(header)
    table = Table(show_lines=False, expand=False)
    for column in ("Severity", "Check", "Finding", "Troubleshooting"):
        table.add_column(column, overflow="fold")
    for finding in report.findings:
        table.add_row(
            Text(finding.severity.upper(), style=STYLES[finding.severity]),
            Text(finding.check),
            Text(red(finding.message)),
            Text(finding.troubleshooting or ""),
        )
    console.print(table)
    if report.troubleshooting:
        console.print(Text("Troubleshooting (help article rows)", style="bold"))
        for row, solution in report.troubleshooting:
            console.print(Text(f'"{row}": {solution}', style="bold"))
            for fix in report.fixes_for(row):
                console.print(Text(f"  - {red(fix)}"))
    _render_verdict(console, report)
    if show_xml:
        console.print(Text("Decoded Response", style="bold"))
        console.print(Text(pretty_xml(report, redactor)), soft_wrap=True)


def _render_verdict(console: Console, report: Report) -> None:
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("error", "warning")}
    style = "bold green" if report.accepted else "bold red"
    console.print(Text(f"{report.verdict} ({counts['error']} errors, {counts['warning']} warnings)", style=style))
