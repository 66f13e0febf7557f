"""Every way support receives a SAMLResponse is detected, and broken input is refused with the reason."""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from diagnose_support import Pki, Shape, b64, signed

from saml_harness.diagnose.inputs import InputError, detect, extract


@pytest.fixture(scope="module")
def xml(pki: Pki) -> bytes:
    return signed(Shape(), pki)


def har(*bodies: dict[str, object], not_assigned: bool = False) -> bytes:
    entries: list[dict[str, object]] = [
        {"request": {"method": "POST", "url": f"https://sp.example/acs/{i}", "postData": body}, "response": {}}
        for i, body in enumerate(bodies)
    ]
    if not_assigned:
        page = {"content": {"text": "<html><title>403 App Not Assigned</title></html>"}}
        entries.append({"request": {"method": "GET", "url": "https://acme.okta.com/app/x/sso/saml"}, "response": page})
    return json.dumps({"log": {"version": "1.2", "entries": entries}}).encode()


def test_xml_is_detected(xml: bytes) -> None:
    found = extract(xml)
    assert (found.kind, found.responses[0].xml) == ("xml", xml)


def test_base64_with_line_breaks_is_detected(xml: bytes) -> None:
    wrapped = base64.encodebytes(xml)
    assert b"\n" in wrapped.strip()
    found = extract(wrapped)
    assert (found.kind, found.responses[0].xml) == ("base64", xml)


@pytest.mark.parametrize("encode", [lambda v: quote(v, safe=""), lambda v: v], ids=["url-encoded", "raw-plus-signs"])
def test_form_body_is_detected(xml: bytes, encode: Callable[[str], str]) -> None:
    value = b64(xml)
    assert "+" in value  # the raw case must exercise the '+' -> ' ' -> '+' round trip
    body = f"SAMLResponse={encode(value)}&RelayState=%2Fdashboard"
    found = extract(body.encode())
    assert (found.kind, found.responses[0].xml) == ("form", xml)


def test_har_params_and_text_pick_the_last_response(xml: bytes, pki: Pki) -> None:
    other = signed(Shape(audience="urn:other"), pki)
    data = har(
        {"params": [{"name": "SAMLResponse", "value": quote(b64(other), safe="")}]},
        {"text": urlencode({"SAMLResponse": b64(xml), "RelayState": "/"})},
    )
    found = extract(data)
    assert found.kind == "har"
    assert [c.xml for c in found.responses] == [other, xml]
    assert found.responses[-1].source == "HAR entry 2: POST https://sp.example/acs/1"


@pytest.mark.parametrize(
    "post",
    [
        lambda v: {"SAMLResponse": [v], "RelayState": ["/"]},
        lambda v: [["SAMLResponse", v], ["RelayState", "/"]],
        lambda v: [{"name": "SAMLResponse", "value": v}],
    ],
    ids=["dict-of-lists", "pairs", "name-value"],
)
def test_saml_tracer_export_shapes(xml: bytes, post: Callable[[str], Any]) -> None:
    login = {"method": "GET", "url": "https://acme.okta.com/"}
    data = {"requests": [login, {"method": "POST", "url": "https://sp/acs", "post": post(b64(xml))}]}
    found = extract(json.dumps(data).encode())
    assert found.kind == "saml-tracer"
    assert found.responses[0].xml == xml
    assert found.responses[0].source.startswith("SAML-tracer request 2: POST https://sp/acs")


def test_saml_tracer_obfuscated_value_falls_back_to_the_decoded_copy(xml: bytes) -> None:
    data = [{"method": "POST", "url": "https://sp/acs", "post": {"SAMLResponse": "<obfuscated>"}, "saml": xml.decode()}]
    found = extract(json.dumps(data).encode())
    assert found.responses[0].xml == xml
    assert "used the decoded copy" in found.responses[0].notes[0]


def test_deflated_value_is_decoded_with_a_note(xml: bytes) -> None:
    compressor = zlib.compressobj(wbits=-15)
    found = extract(base64.b64encode(compressor.compress(xml) + compressor.flush()))
    assert found.responses[0].xml == xml
    assert "DEFLATE" in found.responses[0].notes[0]


def test_not_assigned_page_is_recognised() -> None:
    found = extract(har(not_assigned=True))
    assert found.responses == []
    assert found.not_assigned_url == "https://acme.okta.com/app/x/sso/saml"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the input is empty"),
        (b"PHNhbWw!cD4=", "character '!' at position 7"),
        (b"PHNhbWxwOlJlc3Bvbn", "not a multiple of 4"),
        (base64.b64encode(b"hello world, no XML"), "not XML"),
        (b"<saml2p:Response", "not well-formed XML"),
        (b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>', "contains a DTD"),
        (b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>', "not a samlp:Response"),
        (b"SAMLRequest=abc", "SAMLRequest"),
        (b'{"foo": 1}', "neither a HAR file"),
        (b"{not json", "does not parse"),
        (json.dumps({"log": {"entries": []}}).encode(), "no SAMLResponse found in the HAR entries"),
    ],
)
def test_unusable_input_is_refused_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=re.escape(reason)):
        extract(data)


def test_detect_does_not_guess_json_is_base64() -> None:
    assert detect(b'  {"requests": []}') == "saml-tracer"
    assert detect(b"\xef\xbb\xbf<x/>") == "xml"
