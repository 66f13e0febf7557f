"""SAML messages on the wire decode for the trace, and bad encodings say why instead of crashing."""

import base64
import zlib

from saml_harness.agent.trace import Hop, Trace, saml_from_form, saml_from_query

XML = b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1"/>'


def deflate(data: bytes) -> str:
    compressor = zlib.compressobj(wbits=-15)
    return base64.b64encode(compressor.compress(data) + compressor.flush()).decode()


def test_redirect_binding_query_decodes() -> None:
    from urllib.parse import urlencode

    messages = saml_from_query("http://idp/sso?" + urlencode({"SAMLRequest": deflate(XML), "RelayState": "/x"}))
    assert [(m.param, m.binding, m.xml) for m in messages] == [("SAMLRequest", "redirect", XML)]


def test_post_binding_form_decodes() -> None:
    messages = saml_from_form({"SAMLResponse": base64.b64encode(XML).decode()})
    assert messages[0].xml == XML
    assert "AuthnRequest" in messages[0].pretty


def test_garbage_is_reported_not_raised() -> None:
    messages = saml_from_query("http://idp/sso?SAMLRequest=%%%not-base64")
    assert messages[0].xml is None and messages[0].error
    assert "undecodable" in messages[0].pretty


def test_render_lists_hops_and_last_messages() -> None:
    hop = Hop("POST", "http://sp/acs", 403, saml=saml_from_form({"SAMLResponse": base64.b64encode(XML).decode()}))
    text = Trace([hop]).render()
    assert "POST http://sp/acs 403 [SAMLResponse via post]" in text
    assert "--- last SAMLResponse ---" in text
