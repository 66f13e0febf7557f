"""The ``saml-harness diagnose`` command: read a capture, say exactly why JustCall accepts or rejects it.

Exit codes: 0 JustCall would accept (every diagnosed response), 1 it would reject, 2 unusable input or usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from saml_harness.diagnose import diagnose
from saml_harness.diagnose.config import ConfigError, load_certificates, load_metadata, load_target, parse_at
from saml_harness.diagnose.inputs import (
    MAX_INPUT_BYTES,
    Captured,
    Extracted,
    InputError,
    check_size,
    extract,
    parse_xml,
)
from saml_harness.diagnose.model import NOT_ASSIGNED, Config, Finding, Report, Summary, TrustedCertificate
from saml_harness.diagnose.redact import NoRedaction, Redactor
from saml_harness.diagnose.render import render_json, render_report

EXIT_ACCEPT, EXIT_REJECT, EXIT_UNUSABLE = 0, 1, 2
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_PATH_SUFFIXES = (".xml", ".json", ".har", ".b64", ".txt", ".toml", ".pem")


def read_input(argument: str) -> tuple[bytes, str]:
    """Return the bytes INPUT names: ``-`` is stdin, an existing file its content, anything else the literal text."""
    if argument == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"stdin holds more than {MAX_INPUT_BYTES // 1048576} MiB; diagnose reads at most that")
        return data, "stdin"
    try:
        path = Path(argument)
        if path.is_file():
            check_size(path.stat().st_size, MAX_INPUT_BYTES, f"file {path.name}")
            return path.read_bytes(), f"file {path.name}"
    except OSError:  # a long literal SAMLResponse is not a valid file name
        pass
    if len(argument) < 512 and argument.lower().endswith(_PATH_SUFFIXES):
        raise InputError(f"no such file: {argument}")
    return argument.encode(), "command-line argument"


def build_config(
    acs_url: str | None,
    entity_id: str | None,
    request_id: str | None,
    target: Path | None,
    idp_certs: Sequence[Path],
    idp_metadata: Path | None,
    idp_issuer: str | None,
    skew: int,
) -> Config:
    """Merge flags over ``--target`` and the certificates from ``--idp-cert`` and ``--idp-metadata``."""
    if target is not None:
        loaded = load_target(target)
        acs_url = acs_url if acs_url is not None else loaded.acs_url
        entity_id = entity_id if entity_id is not None else loaded.entity_id
    trusted = [TrustedCertificate(c, f"--idp-cert {p.name}") for p in idp_certs for c in load_certificates(p)]
    if idp_metadata is not None:
        metadata = load_metadata(idp_metadata)
        trusted += [
            TrustedCertificate(c, f"--idp-metadata {idp_metadata.name} certificate {i}")
            for i, c in enumerate(metadata.certificates, 1)
        ]
        idp_issuer = idp_issuer if idp_issuer is not None else metadata.entity_id
    return Config(acs_url, entity_id, request_id, idp_issuer, tuple(trusted), timedelta(seconds=skew))


def not_assigned_report(extracted: Extracted, at: datetime) -> Report:
    """Return the report for a capture where Okta refused with "403 App Not Assigned" (no SAMLResponse at all)."""
    message = (
        f"No SAMLResponse: Okta answered '403 App Not Assigned' at {extracted.not_assigned_url}: the user is not "
        "assigned to the JustCall app, so Okta never sends a response"
    )
    fix = "In Okta: JustCall app > Assignments > Assign > Assign to People (or Groups), then Save and Go Back."
    finding = Finding("error", "assignment", message, "Help article Step 5", NOT_ASSIGNED, fix)
    return Report(at, Summary(), [finding], extracted.kind, "no SAMLResponse in the capture")


def _report(captured: Captured, extracted: Extracted, origin: str, config: Config, at: datetime) -> Report:
    report = diagnose(captured.xml, config, at, input_kind=extracted.kind, source=f"{captured.source}; {origin}")
    report.findings[:0] = [Finding("info", "input", note) for note in captured.notes]
    return report


def _console() -> Console:
    probe = Console()
    return Console(highlight=False, width=None if probe.is_terminal else 160)


def _unusable(message: str, as_json: bool, kind: str | None = None) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    if as_json:
        click.echo(json.dumps({"verdict": "unusable input", "accepted": False, "input_kind": kind, "error": message}))
    raise SystemExit(EXIT_UNUSABLE)


@click.command("diagnose")
@click.argument("input_arg", metavar="INPUT")
@click.option("--acs-url", help="JustCall's ACS URL (Settings > Security > Single Sign-On).")
@click.option("--entity-id", help="JustCall's Entity ID (the Audience Okta must send).")
@click.option("--request-id", help="ID of the AuthnRequest the SP sent (expected InResponseTo).")
@click.option("--target", type=_FILE, help="TOML file with acs_url and entity_id (flags win; other keys ignored).")
@click.option(
    "--idp-cert", "idp_certs", type=_FILE, multiple=True, help="IdP signing certificate JustCall trusts (PEM or DER)."
)
@click.option("--idp-metadata", type=_FILE, help="Okta IdP metadata XML: expected issuer and signing certificate(s).")
@click.option(
    "--idp-issuer", help="Expected Issuer (Okta's Identity Provider Issuer); overrides the metadata entityID."
)
@click.option("--at", "at_text", metavar="TIME", help="Instant to check at, ISO 8601 (default: now).")
@click.option("--skew", default=90, show_default=True, type=click.IntRange(min=0), help="Allowed clock skew, seconds.")
@click.option("--all", "all_responses", is_flag=True, help="Diagnose every SAMLResponse in a HAR/SAML-tracer capture.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--redact", is_flag=True, help="Mask emails, names, NameID and attribute values in all output.")
@click.option(
    "--show-xml", is_flag=True, help="Also print the decoded Response, pretty-printed (redacted with --redact)."
)
def diagnose_command(
    input_arg: str,
    acs_url: str | None,
    entity_id: str | None,
    request_id: str | None,
    target: Path | None,
    idp_certs: tuple[Path, ...],
    idp_metadata: Path | None,
    idp_issuer: str | None,
    at_text: str | None,
    skew: int,
    all_responses: bool,
    as_json: bool,
    redact: bool,
    show_xml: bool,
) -> None:
    """Explain why JustCall would accept or reject a captured Okta SAMLResponse.

    INPUT is a file, '-' for stdin, or the value itself: a base64 SAMLResponse, a form body
    (SAMLResponse=...&RelayState=...), the Response XML, a SAML-tracer JSON export or a HAR file,
    at most 10 MiB (the decoded Response at most 1 MiB).
    Exit status: 0 accept, 1 reject, 2 unusable input.
    """
    kind: str | None = None
    try:
        config = build_config(acs_url, entity_id, request_id, target, idp_certs, idp_metadata, idp_issuer, skew)
        at = parse_at(at_text)
        data, origin = read_input(input_arg)
        extracted = extract(data)
        kind = extracted.kind
        chosen = extracted.responses if all_responses else extracted.responses[-1:]
        reports = [_report(c, extracted, origin, config, at) for c in chosen] or [not_assigned_report(extracted, at)]
    except (InputError, ConfigError) as exc:
        _unusable(str(exc), as_json, kind)
    pairs: list[tuple[Report, Redactor]] = [
        (r, Redactor.for_document(parse_xml(r.xml)) if redact and r.xml else NoRedaction()) for r in reports
    ]
    if as_json:
        click.echo(render_json(pairs, show_xml, many=all_responses))
    else:
        console = _console()
        console.print(Text(f"Detected input: {extracted.kind} ({len(extracted.responses)} SAMLResponse found)"))
        for index, (report, redactor) in enumerate(pairs):
            if len(pairs) > 1:
                console.print(Rule(f"Response {index + 1} of {len(pairs)}"))
            render_report(console, report, redactor, show_xml)
    raise SystemExit(EXIT_ACCEPT if all(r.accepted for r in reports) else EXIT_REJECT)
