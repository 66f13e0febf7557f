"""AuthnRequests decode from both bindings, and every kind of bad input is a clear AuthnRequestError."""

from __future__ import annotations

import base64
import zlib

import pytest
from idp_support import ACS_URL, SP_ENTITY_ID, authn_request_xml, post_encode, redirect_encode

from mock_idp.authn_request import (
    MAX_DECODED_BYTES,
    AuthnRequestError,
    EncodingError,
    ForbiddenDtdError,
    InflateError,
    MissingIdError,
    NotXmlError,
    TooLargeError,
    UnsupportedVersionError,
    WrongRootError,
    parse_post,
    parse_redirect,
)


def test_redirect_binding_request_is_inflated_and_parsed() -> None:
    request = parse_redirect(redirect_encode(authn_request_xml("_abc", force_authn=True)))
    assert request.id == "_abc"
    assert request.issuer == SP_ENTITY_ID
    assert request.acs_url == ACS_URL
    assert request.force_authn is True and request.is_passive is False
    assert request.name_id_policy_format == "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    assert request.xml == authn_request_xml("_abc", force_authn=True)


def test_post_binding_request_is_base64_only() -> None:
    request = parse_post(post_encode(authn_request_xml("_post")))
    assert request.id == "_post"
    assert request.force_authn is False


def test_line_wrapped_base64_is_accepted() -> None:
    encoded = post_encode(authn_request_xml("_wrapped"))
    wrapped = "\n".join(encoded[i : i + 64] for i in range(0, len(encoded), 64))
    assert parse_post(wrapped).id == "_wrapped"


def test_post_binding_refuses_deflated_data() -> None:
    with pytest.raises(NotXmlError):
        parse_post(redirect_encode(authn_request_xml()))


def _deflate(data: bytes) -> bytes:
    deflater = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return deflater.compress(data) + deflater.flush()


BAD_REDIRECT_INPUTS = [
    pytest.param("", EncodingError, "empty", id="empty"),
    pytest.param("not base64 !!!", EncodingError, "base64", id="bad-base64"),
    pytest.param(base64.b64encode(b"\xff\x00garbage").decode(), InflateError, "DEFLATE", id="bad-deflate"),
    pytest.param(base64.b64encode(_deflate(b"x" * 100)[:5]).decode(), InflateError, "truncated", id="truncated"),
    pytest.param(base64.b64encode(_deflate(b"just text")).decode(), NotXmlError, "XML", id="not-xml"),
    pytest.param(
        base64.b64encode(_deflate(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')).decode(),
        ForbiddenDtdError,
        "DOCTYPE",
        id="dtd",
    ),
    pytest.param(
        redirect_encode(b'<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="a"/>'),
        WrongRootError,
        "not an AuthnRequest",
        id="wrong-root",
    ),
    pytest.param(redirect_encode(authn_request_xml().replace(b' ID="_req-1"', b"")), MissingIdError, "ID", id="no-id"),
    pytest.param(
        redirect_encode(authn_request_xml().replace(b'Version="2.0"', b'Version="1.1"')),
        UnsupportedVersionError,
        "2.0",
        id="version",
    ),
    pytest.param(
        base64.b64encode(_deflate(b"<a>" + b"x" * (MAX_DECODED_BYTES * 20) + b"</a>")).decode(),
        TooLargeError,
        "inflates",
        id="deflate-bomb",
    ),
    pytest.param("A" * (MAX_DECODED_BYTES * 2), TooLargeError, "larger", id="too-long"),
]


@pytest.mark.parametrize(("value", "error", "message"), BAD_REDIRECT_INPUTS)
def test_bad_redirect_input_raises_a_clear_error(value: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        parse_redirect(value)
    assert isinstance(caught.value, AuthnRequestError) and isinstance(caught.value, ValueError)


def test_utf16_doctype_is_refused_too() -> None:
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x SYSTEM "http://evil.test/x.dtd"><x/>'
    with pytest.raises(ForbiddenDtdError):
        parse_post(base64.b64encode(xml.encode("utf-16")).decode())


def test_oversized_post_request_is_refused() -> None:
    with pytest.raises(TooLargeError):
        parse_post(base64.b64encode(b"<a>" + b"x" * MAX_DECODED_BYTES + b"</a>").decode())
