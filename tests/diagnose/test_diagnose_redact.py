"""--redact leaves no email or name in anything printed, and keeps what support needs (URLs, issuers, IDs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from diagnose_support import (
    ACS_URL,
    EMAIL,
    ENTITY_ID,
    FIRST,
    ISSUER,
    LAST,
    NOW,
    REQUEST_ID,
    Pki,
    Shape,
    b64,
    run,
    signed,
)

from saml_harness.diagnose.redact import Redactor, mask_email, mask_name

OTHER_EMAIL = "j.doerfler@acme-corp.example"
PERSONAL = (EMAIL, OTHER_EMAIL, FIRST, LAST, "jane.doe", "doerfler", "acme-corp", "Sales Ops")


@pytest.fixture(scope="module")
def response(pki: Pki) -> str:
    """A response JustCall refuses because NameID and email disagree: the error message quotes both addresses."""
    shape = Shape(
        name_id=OTHER_EMAIL, attributes={"email": EMAIL, "firstName": FIRST, "lastName": LAST, "dept": "Sales Ops"}
    )
    return b64(signed(shape, pki))


def test_mask_shapes() -> None:
    assert mask_email("john.doe@acme.example") == "j***@a***.example"
    assert mask_name("Jane Q. Doe") == "J. Q. D."
    assert Redactor([EMAIL, FIRST]).text(f"{FIRST} <{EMAIL}> Janetteville") == "J. <j***@a***.example> Janetteville"


@pytest.mark.parametrize("extra", [[], ["--json"], ["--show-xml"], ["--json", "--show-xml"]])
def test_redacted_output_has_no_personal_data(response: str, cert_file: Path, extra: list[str]) -> None:
    args = [response, "--acs-url", ACS_URL, "--entity-id", ENTITY_ID, "--idp-cert", str(cert_file)]
    args += ["--at", NOW.isoformat(), "--request-id", REQUEST_ID, *extra]
    plain = run(*args)
    for value in (EMAIL, OTHER_EMAIL, FIRST, LAST):  # the same output without --redact does show them
        assert value in plain.stdout
    redacted = run(*args, "--redact")
    assert redacted.exit_code == plain.exit_code == 1
    for value in PERSONAL:
        assert value.lower() not in redacted.output.lower()
    assert "j***@a***.example" in redacted.stdout
    for kept in (ACS_URL, ISSUER, REQUEST_ID):
        assert kept in redacted.stdout


def test_redacted_json_is_still_json_with_initials(response: str) -> None:
    result = run(response, "--at", NOW.isoformat(), "--json", "--redact", "--show-xml")
    data = json.loads(result.stdout)
    assert data["summary"]["name_id"] == "j***@a***.example"
    assert data["summary"]["issuer"] == ISSUER
    assert "<saml2:AttributeValue" in data["xml"] and ">S. O.</saml2:AttributeValue>" in data["xml"]
