"""The ``diagnose`` command: input kinds, configuration sources, output forms and exit codes (0/1/2)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from diagnose_support import ACS_URL, EMAIL, ENTITY_ID, ISSUER, NOW, REQUEST_ID, Pki, Shape, b64, run, signed

AT = NOW.isoformat()


def sp_args(cert: Path) -> list[str]:
    return ["--acs-url", ACS_URL, "--entity-id", ENTITY_ID, "--idp-cert", str(cert), "--idp-issuer", ISSUER, "--at", AT]


@pytest.fixture(scope="module")
def good(pki: Pki) -> bytes:
    return signed(Shape(), pki)


def test_good_response_exits_0_and_says_accept(tmp_path: Path, good: bytes, cert_file: Path) -> None:
    (tmp_path / "r.b64").write_text(b64(good))
    result = run(str(tmp_path / "r.b64"), *sp_args(cert_file), "--request-id", REQUEST_ID)
    assert result.exit_code == 0, result.output
    assert "Detected input: base64" in result.stdout
    assert "JustCall would ACCEPT this response (0 errors, 0 warnings)" in result.stdout


@pytest.mark.parametrize(
    ("how", "kind"),
    [("literal", "base64"), ("stdin", "base64"), ("form", "form"), ("xml-file", "xml")],
)
def test_input_kinds_are_detected_and_named(tmp_path: Path, good: bytes, cert_file: Path, how: str, kind: str) -> None:
    stdin = None
    if how == "literal":
        argument = b64(good)
    elif how == "stdin":
        argument, stdin = "-", b64(good)
    elif how == "form":
        argument = f"SAMLResponse={b64(good).replace('+', '%2B')}&RelayState=%2F"
    else:
        argument = str(tmp_path / "response.xml")
        Path(argument).write_bytes(good)
    result = run(argument, *sp_args(cert_file), "--json", input=stdin)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["input_kind"] == kind


def test_rejected_response_exits_1_with_json_report(pki: Pki, cert_file: Path) -> None:
    xml = signed(Shape(audience=ENTITY_ID + "/"), pki)
    result = run(b64(xml), *sp_args(cert_file), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["accepted"] is False
    assert report["verdict"] == "JustCall would REJECT this response"
    assert report["summary"]["issuer"] == ISSUER
    assert [t["row"] for t in report["troubleshooting"]] == ["Invalid SAML response"]
    audience = next(f for f in report["findings"] if f["check"] == "audience")
    assert audience["severity"] == "error"
    assert "Audience has a trailing slash that JustCall's Entity ID does not have" in audience["message"]
    assert set(audience) == {"severity", "check", "message", "spec", "troubleshooting", "fix"}


def test_human_output_has_header_table_troubleshooting_and_verdict(pki: Pki, cert_file: Path) -> None:
    xml = signed(Shape(attributes={"email": EMAIL}), pki)
    result = run(b64(xml), *sp_args(cert_file))
    assert result.exit_code == 1
    out = result.stdout
    for text in ("Issuer", ISSUER, "IssueInstant", "Destination", ACS_URL, "NameID", "attribute.firstName"):
        assert text in out
    assert '"Attributes missing": Confirm attribute statement names exactly match: email, firstName, lastName.' in out
    assert out.rstrip().endswith("JustCall would REJECT this response (2 errors, 0 warnings)")


@pytest.mark.parametrize(
    ("argument", "extra", "message"),
    [
        ("PHNhbWw!cD4=", [], "not valid base64"),
        (base64.b64encode(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>').decode(), [], "contains a DTD"),
        ("missing-file.xml", [], "no such file"),
        ("PD94bWw=", ["--at", "yesterday"], "--at 'yesterday' is not an ISO 8601 instant"),
    ],
)
def test_unusable_input_exits_2_with_the_reason(argument: str, extra: list[str], message: str) -> None:
    result = run(argument, *extra)
    assert result.exit_code == 2
    assert message in result.stderr


def test_unusable_input_with_json_prints_an_error_object() -> None:
    result = run("PHNhbWw!cD4=", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "verdict": "unusable input",
        "accepted": False,
        "input_kind": None,
        "error": "not valid base64: character '!' at position 7",
    }


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("x", "--idp-cert", str(tmp_path / "absent.pem")).exit_code == 2
    assert run("x", "--skew", "-1").exit_code == 2
    (tmp_path / "bad.pem").write_text("not a certificate")
    result = run("x", "--idp-cert", str(tmp_path / "bad.pem"))
    assert result.exit_code == 2 and "not a PEM or DER X.509 certificate" in result.stderr


def test_target_toml_supplies_sp_values_and_flags_win(tmp_path: Path, pki: Pki, cert_file: Path) -> None:
    target = tmp_path / "target.toml"
    target.write_text(f'acs_url = "{ACS_URL}"\nentity_id = "{ENTITY_ID}/"\nname = "JustCall"\n[extra]\nx = 1\n')
    xml = b64(signed(Shape(), pki))
    from_file = json.loads(run(xml, "--target", str(target), "--idp-cert", str(cert_file), "--at", AT, "--json").stdout)
    audience = next(f for f in from_file["findings"] if f["check"] == "audience")
    assert "JustCall's Entity ID has a trailing slash that Audience does not have" in audience["message"]
    flag_wins = run(xml, "--target", str(target), "--entity-id", ENTITY_ID, "--idp-cert", str(cert_file), "--at", AT)
    assert flag_wins.exit_code == 0, flag_wins.output


def test_idp_metadata_supplies_issuer_and_certificate(tmp_path: Path, pki: Pki, rotated_pki: Pki) -> None:
    body = "".join(pki.pem().decode().splitlines()[1:-1])
    metadata = tmp_path / "metadata.xml"
    metadata.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="{ISSUER}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>'
        f"<ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )
    args = ["--idp-metadata", str(metadata), "--acs-url", ACS_URL, "--entity-id", ENTITY_ID, "--at", AT, "--json"]
    good = json.loads(run(b64(signed(Shape(), pki)), *args).stdout)
    assert good["accepted"] is True
    issuer = next(f for f in good["findings"] if f["check"] == "issuer.response")
    assert issuer["message"] == f"Response Issuer {ISSUER!r} is the expected IdP issuer"
    rotated = run(b64(signed(Shape(), rotated_pki)), *args)
    assert rotated.exit_code == 1
    assert "Certificate error" in [t["row"] for t in json.loads(rotated.stdout)["troubleshooting"]]


def test_har_with_two_responses_default_last_and_all(tmp_path: Path, pki: Pki, cert_file: Path) -> None:
    bad, good = signed(Shape(audience="urn:wrong"), pki), signed(Shape(), pki)
    entries = [
        {
            "request": {
                "method": "POST",
                "url": ACS_URL,
                "postData": {"params": [{"name": "SAMLResponse", "value": b64(x)}]},
            }
        }
        for x in (bad, good)
    ]
    capture = tmp_path / "capture.har"
    capture.write_text(json.dumps({"log": {"entries": entries}}))
    last = run(str(capture), *sp_args(cert_file), "--json")
    assert last.exit_code == 0
    assert json.loads(last.stdout)["source"].startswith("HAR entry 2: POST")
    every = run(str(capture), *sp_args(cert_file), "--json", "--all")
    assert every.exit_code == 1
    combined = json.loads(every.stdout)
    assert [r["accepted"] for r in combined["responses"]] == [False, True]
    assert combined["input_kind"] == "har" and combined["accepted"] is False
    human = run(str(capture), *sp_args(cert_file), "--all")
    assert "Response 1 of 2" in human.stdout and "Response 2 of 2" in human.stdout


def test_not_assigned_capture_names_the_article_row(tmp_path: Path) -> None:
    page = {"content": {"text": "<title>403 App Not Assigned</title>"}}
    entry = {"request": {"method": "GET", "url": "https://acme.okta.com/home/x"}, "response": page}
    capture = tmp_path / "capture.har"
    capture.write_text(json.dumps({"log": {"entries": [entry]}}))
    result = run(str(capture), "--json")
    assert result.exit_code == 1
    assert [t["row"] for t in json.loads(result.stdout)["troubleshooting"]] == ["not assigned"]


def test_show_xml_pretty_prints_the_response(pki: Pki, cert_file: Path) -> None:
    result = run(b64(signed(Shape(), pki)), *sp_args(cert_file), "--show-xml")
    assert result.exit_code == 0
    assert "Decoded Response" in result.stdout
    assert "\n  <saml2:Issuer" in result.stdout
