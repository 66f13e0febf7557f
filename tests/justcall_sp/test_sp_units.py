"""Pure helpers: instants, safe redirects, base64 strictness, AuthnRequest encoding, reasons and categories."""

from __future__ import annotations

import base64
import zlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from justcall_sp.acs import decode
from justcall_sp.acs.reasons import CATEGORY_BY_REASON, Reject, category_for, http_status_for
from justcall_sp.authn_request import AuthnRequestParams, build_authn_request, deflate_and_encode, redirect_url
from justcall_sp.certificates import NotACertificate, load_certificate
from justcall_sp.timeutil import format_instant, parse_instant
from justcall_sp.urls import relay_state_for, safe_local_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-07-25T23:20:14.859Z", datetime(2016, 7, 25, 23, 20, 14, 859000, tzinfo=UTC)),
        ("2016-07-25T23:20:14Z", datetime(2016, 7, 25, 23, 20, 14, tzinfo=UTC)),
        ("2016-07-25T23:20:14.123456789Z", datetime(2016, 7, 25, 23, 20, 14, 123456, tzinfo=UTC)),
        ("2016-07-26T01:20:14+02:00", datetime(2016, 7, 25, 23, 20, 14, tzinfo=UTC)),
        ("2016-07-25T23:20:14", datetime(2016, 7, 25, 23, 20, 14, tzinfo=UTC)),
        ("yesterday", None),
        ("2016-13-45T99:00:00Z", None),
        (None, None),
    ],
)
def test_parse_instant(text: str | None, expected: datetime | None) -> None:
    assert parse_instant(text) == expected


def test_format_instant_is_okta_style() -> None:
    assert format_instant(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"


@pytest.mark.parametrize("path", ["/", "/calls", "/contacts?tab=1#x", "/a/b/c"])
def test_safe_local_paths_are_kept(path: str) -> None:
    assert safe_local_path(path) == path


@pytest.mark.parametrize(
    "path",
    [None, "", "calls", "//evil.example", "/\\evil.example", "https://evil.example", "/a\\b", "/x\ny", "\t/x"],
)
def test_unsafe_paths_fall_back(path: str | None) -> None:
    assert safe_local_path(path) == "/"


@given(st.text(max_size=40))
def test_safe_local_path_never_leaves_the_site(candidate: str) -> None:
    result = safe_local_path(candidate)
    assert result.startswith("/") and not result.startswith(("//", "/\\"))
    assert "\\" not in result and all(ord(c) >= 0x20 for c in result)


def test_relay_state_is_at_most_80_bytes() -> None:
    assert relay_state_for("/" + "a" * 79) == "/" + "a" * 79
    assert relay_state_for("/" + "a" * 80) == "/"
    assert relay_state_for("/" + "\u00e9" * 40) == "/"  # 81 bytes in UTF-8


@pytest.mark.parametrize(
    "text", ["PHg+PC94Pg==", "PHg+\nPC94\r\nPg==", "  PHg+PC94Pg==  "], ids=["plain", "lines", "padded"]
)
def test_base64_accepts_standard_alphabet_and_line_breaks(text: str) -> None:
    assert decode.decode_base64(text) == b"<x></x>"


@pytest.mark.parametrize("text", ["PHg-PC94Pg==", "PHg+PC94Pg=", "PHg+PC94Pg==%", "PHg+PC94Pg==\u0660"])
def test_base64_refuses_everything_else(text: str) -> None:
    with pytest.raises(Reject) as refused:
        decode.decode_base64(text)
    assert refused.value.reason == "input.base64"


def test_parser_does_not_expand_entities_even_if_asked() -> None:
    with pytest.raises(Reject) as refused:
        decode.check_no_dtd(b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>')
    assert refused.value.reason == "input.dtd"


# Each layer of the DTD defense holds on its own (the mutation run cannot show it: an earlier layer always wins).
DTD_DOCUMENT = b'<!DOCTYPE r [<!ENTITY e "expanded">]><r>&e;</r>'


def test_the_parser_alone_neither_expands_entities_nor_loads_a_dtd() -> None:
    parser = decode._parser()
    root = etree.fromstring(DTD_DOCUMENT, parser)
    assert "expanded" not in "".join(root.itertext())


def test_parse_xml_alone_refuses_a_dtd_the_byte_check_did_not_see() -> None:
    with pytest.raises(Reject) as refused:
        decode.parse_xml(DTD_DOCUMENT)
    assert refused.value.reason == "input.dtd"


def test_a_utf16_document_cannot_hide_a_doctype_from_the_byte_check() -> None:
    hidden = DTD_DOCUMENT.decode().encode("utf-16")
    decode.check_no_dtd(hidden)  # the markers are not in these bytes...
    with pytest.raises(Reject) as refused:
        decode.parse_xml(hidden)  # ...so NUL bytes are refused before any parser sees them
    assert refused.value.reason == "input.not_xml"


def test_parse_refuses_undeclared_entity() -> None:
    with pytest.raises(Reject) as refused:
        decode.parse_xml(b"<r>&e;</r>")
    assert refused.value.reason == "input.not_xml"


def test_authn_request_round_trips_through_the_redirect_binding() -> None:
    params = AuthnRequestParams(
        request_id="_abc",
        issue_instant=datetime(2026, 1, 1, tzinfo=UTC),
        destination="http://idp.test/sso?x=1",
        acs_url="http://sp.test/sso/saml/a/acs",
        entity_id="http://sp.test/sso/saml/a",
    )
    xml = build_authn_request(params)
    assert zlib.decompress(base64.b64decode(deflate_and_encode(xml)), -15) == xml
    url = redirect_url(params.destination, xml, "/calls")
    assert url.startswith("http://idp.test/sso?x=1&SAMLRequest=") and url.endswith("&RelayState=%2Fcalls")
    assert etree.fromstring(xml).get("IssueInstant") == "2026-01-01T00:00:00.000Z"


def test_not_a_certificate() -> None:
    for blob in (b"", b"hello", b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----", b"A" * 70000):
        with pytest.raises(NotACertificate):
            load_certificate(blob)


def test_categories_and_statuses() -> None:
    assert category_for("audience.mismatch") == "Invalid SAML response"
    assert category_for("attributes.missing") == "Attributes missing"
    assert category_for("certificate.expired") == "Certificate error"
    assert http_status_for("input.base64") == 400 and http_status_for("replay.detected") == 403
    assert all(not category.startswith(("input.", "account.")) for category in CATEGORY_BY_REASON.values())


def test_reject_keeps_private_detail_apart_from_the_page() -> None:
    refused = Reject("attributes.missing", "private detail", user_detail="Attributes missing: email")
    assert (refused.category, refused.http_status, refused.user_detail) == (
        "Attributes missing",
        403,
        "Attributes missing: email",
    )
    assert "private" not in Reject("signature.invalid", "private detail").user_detail
