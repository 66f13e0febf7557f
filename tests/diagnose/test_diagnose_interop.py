"""Real Okta responses (gosaml2 test data, read from ../shared/interop/okta, never copied) diagnose as expected."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from diagnose_support import run

pytestmark = pytest.mark.interop

ACS = "http://localhost:8080/v1/_saml_callback"
AUDIENCE = '"123"'
ISSUED = "2016-07-25T23:20:30Z"
ENC_ISSUED = "2017-09-06T22:13:10.144Z"


def diagnose_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = run(*args, "--json")
    return result.exit_code, json.loads(result.stdout)


def finding(report: dict[str, Any], check: str) -> dict[str, Any]:
    matches = [f for f in report["findings"] if f["check"] == check]
    assert len(matches) == 1, [f["check"] for f in report["findings"]]
    return matches[0]


def okta_args(okta_dir: Path, *extra: str) -> list[str]:
    return [
        str(okta_dir / "okta_response.xml"),
        "--idp-cert",
        str(okta_dir / "okta_cert.pem"),
        "--acs-url",
        ACS,
        "--entity-id",
        AUDIENCE,
        *extra,
    ]


def test_real_okta_response_today_is_a_certificate_error(okta_dir: Path) -> None:
    code, report = diagnose_json(*okta_args(okta_dir))
    assert code == 1
    assert "Certificate error" in [t["row"] for t in report["troubleshooting"]]
    trust = finding(report, "trust.certificate")
    assert trust["severity"] == "error"
    assert "expired on 2026-02-09 21:53:06 UTC" in trust["message"]
    assert trust["fix"].startswith("Re-download the active certificate from Okta")
    assert finding(report, "signature.response.verify")["troubleshooting"] == "Certificate error"


def test_real_okta_response_at_issue_time(okta_dir: Path) -> None:
    code, report = diagnose_json(*okta_args(okta_dir, "--at", ISSUED))
    assert code == 1  # the sample sends only `username`: JustCall's attributes are missing
    assert report["input_kind"] == "xml"
    for what in ("response", "assertion"):
        assert finding(report, f"signature.{what}.verify")["severity"] == "ok"
        assert finding(report, f"signature.{what}.algorithm")["message"].endswith(
            "rsa-sha256, DigestMethod sha256, exclusive c14n"
        )
        assert "serial 1455054786608" in finding(report, f"signature.{what}.certificate")["message"]
    assert finding(report, "trust.certificate")["severity"] == "ok"
    assert finding(report, "destination")["severity"] == "ok"
    assert finding(report, "audience")["severity"] == "ok"
    assert finding(report, "conditions.time")["severity"] == "ok"
    for name in ("email", "firstName", "lastName"):
        missing = finding(report, f"attribute.{name}")
        assert missing["troubleshooting"] == "Attributes missing"
        assert f"JustCall needs attribute {name!r}" in missing["message"] and "'username'" in missing["message"]
    assert [t["row"] for t in report["troubleshooting"]] == ["Attributes missing"]
    name_id = finding(report, "nameid.format")
    assert name_id["severity"] == "warning" and "unspecified" in name_id["message"]
    assert report["summary"]["name_id"] == "russellhaering"


@pytest.mark.parametrize("name", ["oktaenc_response.xml", "oktaenc_response.b64"])
def test_real_encrypted_response(okta_dir: Path, name: str) -> None:
    code, report = diagnose_json(
        str(okta_dir / name), "--idp-cert", str(okta_dir / "oktaenc_idp_cert.pem"), "--at", ENC_ISSUED
    )
    assert code == 1
    assert report["input_kind"] == ("xml" if name.endswith(".xml") else "base64")
    assert finding(report, "signature.response.verify")["severity"] == "ok"
    assert finding(report, "signature.coverage")["severity"] == "ok"
    encrypted = finding(report, "assertion.encrypted")
    assert "cannot be read without the SP's private key" in encrypted["message"]
    assert finding(report, "status")["severity"] == "ok"
    assert not [f for f in report["findings"] if f["check"].startswith("attribute.")]


def test_real_response_inside_saml_tracer_and_har(okta_dir: Path, tmp_path: Path) -> None:
    value = base64.b64encode((okta_dir / "okta_response.xml").read_bytes()).decode()
    tracer = tmp_path / "trace.json"
    tracer.write_text(json.dumps({"requests": [{"method": "POST", "url": ACS, "post": [["SAMLResponse", value]]}]}))
    har = tmp_path / "capture.har"
    params = [{"name": "SAMLResponse", "value": value.replace("+", "%2B")}, {"name": "RelayState", "value": ""}]
    har.write_text(
        json.dumps({"log": {"entries": [{"request": {"method": "POST", "url": ACS, "postData": {"params": params}}}]}})
    )
    for capture, kind in ((tracer, "saml-tracer"), (har, "har")):
        code, report = diagnose_json(*okta_args(okta_dir, "--at", ISSUED)[1:], str(capture))
        assert (code, report["input_kind"]) == (1, kind)
        assert finding(report, "signature.assertion.verify")["severity"] == "ok"
        assert report["summary"]["destination"] == ACS


@pytest.mark.parametrize(
    ("flag", "value", "check", "explanation"),
    [
        (
            "--acs-url",
            ACS + "/",
            "destination",
            "JustCall's ACS URL has a trailing slash that Destination does not have",
        ),
        (
            "--acs-url",
            ACS.replace("http:", "https:"),
            "recipient",
            "Recipient uses http:// where JustCall's ACS URL uses https://",
        ),
        (
            "--acs-url",
            ACS.replace("/v1/", "/V1/"),
            "destination",
            "the path differs in letter case ('/v1/_saml_callback' vs '/V1/_saml_callback')",
        ),
        (
            "--entity-id",
            "123",
            "audience",
            "Audience is wrapped in double quotes that JustCall's Entity ID does not have",
        ),
        ("--entity-id", '"123"/', "audience", "JustCall's Entity ID has a trailing slash that Audience does not have"),
    ],
)
def test_real_response_against_wrong_sp_values(
    okta_dir: Path, flag: str, value: str, check: str, explanation: str
) -> None:
    args = okta_args(okta_dir, "--at", ISSUED)
    args[args.index(flag) + 1] = value
    code, report = diagnose_json(*args)
    assert code == 1
    wrong = finding(report, check)
    assert wrong["severity"] == "error" and wrong["troubleshooting"] == "Invalid SAML response"
    assert explanation in wrong["message"]
    assert repr(value) in wrong["message"]
