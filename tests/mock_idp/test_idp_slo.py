"""Single Logout at the mock Okta org: settings, metadata, SP-initiated and Okta-initiated logout over HTTP.

The SP side of these tests is JustCall's own message builder (a second, independent implementation) and
signxml for the enveloped POST signature.
"""

from __future__ import annotations

import base64
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from idp_support import ACS_URL, IDP_URL, JUSTCALL_ATTRIBUTES, SP_ENTITY_ID, form_action, form_fields, parse, verify
from lxml import etree
from signxml import XMLSigner

from justcall_sp.slo.messages import build_logout_request, build_logout_response, signed_redirect_url
from mock_idp.keys import Credential, KeyPool, make_credential
from mock_idp.metadata import build_metadata
from mock_idp.model import SamlApp, User
from mock_idp.org import Org
from saml_xmlns import MD, SAML, SAMLP, STATUS_REQUESTER, STATUS_SUCCESS, q

PASSWORD = "correct horse"
SP_SLO_URL = "http://127.0.0.1:6000/sso/saml/acme/slo"


def _credential(key_pool: KeyPool, now: datetime, name: str, index: int) -> Credential:
    """A key pair of the pool that no org in these tests holds (orgs take the pool's first keys)."""
    source = key_pool.source()
    keys = [source(2048) for _ in range(index + 1)]
    return make_credential(name, now.replace(year=now.year - 1), now.replace(year=now.year + 1), private_key=keys[-1])


@pytest.fixture
def sp_key(key_pool: KeyPool, web_org: Org) -> Credential:
    """JustCall's signing key pair: Okta only ever gets the certificate (its Signature Certificate)."""
    return _credential(key_pool, web_org.clock(), "justcall-signing", 5)


@pytest.fixture
def slo_app(web_org: Org, sp_key: Credential) -> SamlApp:
    app = web_org.create_saml_app("JustCall", ACS_URL, SP_ENTITY_ID, JUSTCALL_ATTRIBUTES)
    return web_org.update_saml_app(
        app.id,
        signature_certificate=sp_key.cert_pem.decode(),
        slo_enabled=True,
        slo_url=SP_SLO_URL,
        sp_issuer=SP_ENTITY_ID,
    )


@pytest.fixture
def ann(web_org: Org, slo_app: SamlApp) -> User:
    user = web_org.add_user("ann@acme.test", "Ann", "Lee", PASSWORD)
    web_org.assign_user(slo_app.id, user.id)
    return user


def _sign_in(client: FlaskClient, who: str = "ann@acme.test") -> None:
    client.post("/login/login.htm", data={"username": who, "password": PASSWORD, "fromURI": "/app/UserHome"})
    assert client.get("/app/UserHome").status_code == 200


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/app/UserHome").status_code == 200


def _slo_path(app: SamlApp) -> str:
    return f"/app/{app.name}/{app.external_key}/slo/saml"


def _logout_request(org: Org, app: SamlApp, name_id: str = "ann@acme.test", issuer: str = SP_ENTITY_ID) -> bytes:
    return build_logout_request("_lr-1", org.clock(), f"{IDP_URL}{_slo_path(app)}", issuer, name_id, "_sess-1")


def _redirect(client: FlaskClient, org: Org, app: SamlApp, key: Credential, xml: bytes) -> tuple[int, str]:
    url = signed_redirect_url(f"{IDP_URL}{_slo_path(app)}", "SAMLRequest", xml, "/after", key.private_key)
    parts = urlsplit(url)
    answer = client.get(f"{parts.path}?{parts.query}")
    return answer.status_code, answer.get_data(as_text=True)


def _enveloped(xml: bytes, key: Credential) -> str:
    root = etree.fromstring(xml)
    placeholder = etree.Element(q("http://www.w3.org/2000/09/xmldsig#", "Signature"), Id="placeholder")
    root.find(q(SAML, "Issuer")).addnext(placeholder)  # type: ignore[union-attr]
    signed = XMLSigner().sign(root, key=key.private_key, cert=key.cert_pem.decode())
    return base64.b64encode(etree.tostring(signed)).decode()


def _answer(page: str) -> etree._Element:
    return parse(base64.b64decode(form_fields(page)["SAMLResponse"]))


def test_metadata_lists_single_logout_before_name_id_format_only_when_enabled(web_org: Org, slo_app: SamlApp) -> None:
    key = web_org.active_key(slo_app.id).credential
    root = parse(build_metadata("e", "s", key, slo_app.name_id_format, web_org.idp_slo_url(slo_app)))
    children = [etree.QName(e).localname for e in root[0]]
    assert children[:4] == ["KeyDescriptor", "SingleLogoutService", "SingleLogoutService", "NameIDFormat"]
    services = root[0].findall(q(MD, "SingleLogoutService"))
    assert {s.get("Location") for s in services} == {f"{IDP_URL}{_slo_path(slo_app)}"}
    assert len({s.get("Binding") for s in services}) == 2
    off = web_org.update_saml_app(slo_app.id, slo_enabled=False)
    assert web_org.idp_slo_url(off) is None
    assert b"SingleLogoutService" not in build_metadata("e", "s", key, off.name_id_format, None)


def test_single_logout_needs_the_signature_certificate_a_url_and_an_sp_issuer(web_org: Org, slo_app: SamlApp) -> None:
    for missing in ({"signature_certificate": ""}, {"slo_url": ""}, {"sp_issuer": ""}):
        with pytest.raises(ValueError):
            web_org.update_saml_app(slo_app.id, **missing)


def test_signed_redirect_logout_request_ends_the_okta_session_and_answers_signed_success(
    client: FlaskClient, web_org: Org, slo_app: SamlApp, ann: User, sp_key: Credential
) -> None:
    _sign_in(client)
    status, page = _redirect(client, web_org, slo_app, sp_key, _logout_request(web_org, slo_app))
    assert status == 200 and form_action(page) == SP_SLO_URL
    assert form_fields(page)["RelayState"] == "/after"
    answer = _answer(page)
    assert answer.tag == q(SAMLP, "LogoutResponse") and answer.get("InResponseTo") == "_lr-1"
    assert answer.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}").get("Value") == STATUS_SUCCESS  # type: ignore[union-attr]
    assert answer.get("Destination") == SP_SLO_URL
    assert answer.find(q(SAML, "Issuer")).text == slo_app.issuer  # type: ignore[union-attr]
    okta_cert = web_org.active_key(slo_app.id).credential.cert_pem
    verify(base64.b64decode(form_fields(page)["SAMLResponse"]), okta_cert)
    assert not _signed_in(client)


def test_signed_post_logout_request_is_accepted(
    client: FlaskClient, web_org: Org, slo_app: SamlApp, ann: User, sp_key: Credential
) -> None:
    _sign_in(client)
    page = client.post(_slo_path(slo_app), data={"SAMLRequest": _enveloped(_logout_request(web_org, slo_app), sp_key)})
    assert page.status_code == 200
    assert _answer(page.get_data(as_text=True)).get("InResponseTo") == "_lr-1"
    assert not _signed_in(client)


def test_unsigned_or_badly_signed_logout_requests_get_the_error_page_and_the_session_stays(
    client: FlaskClient, web_org: Org, slo_app: SamlApp, ann: User, sp_key: Credential, key_pool: KeyPool
) -> None:
    _sign_in(client)
    xml = _logout_request(web_org, slo_app)
    unsigned = client.post(_slo_path(slo_app), data={"SAMLRequest": base64.b64encode(xml).decode()})
    assert unsigned.status_code == 400 and "400 Bad Request" in unsigned.get_data(as_text=True)
    other = _credential(key_pool, web_org.clock(), "attacker", 6)
    assert _redirect(client, web_org, slo_app, other, xml)[0] == 400
    assert client.post(_slo_path(slo_app), data={"SAMLRequest": _enveloped(xml, other)}).status_code == 400
    url = signed_redirect_url(f"{IDP_URL}{_slo_path(slo_app)}", "SAMLRequest", xml, None, sp_key.private_key)
    tampered = urlsplit(url).query.replace("SigAlg=", "RelayState=%2Fevil&SigAlg=")
    assert client.get(f"{_slo_path(slo_app)}?{tampered}").status_code == 400
    assert _signed_in(client)


def test_logout_request_from_another_issuer_is_refused(
    client: FlaskClient, web_org: Org, slo_app: SamlApp, ann: User, sp_key: Credential
) -> None:
    _sign_in(client)
    status, _ = _redirect(client, web_org, slo_app, sp_key, _logout_request(web_org, slo_app, issuer="urn:other"))
    assert status == 400 and _signed_in(client)


def test_logout_request_for_another_person_keeps_the_session_and_says_requester(
    client: FlaskClient, web_org: Org, slo_app: SamlApp, ann: User, sp_key: Credential
) -> None:
    _sign_in(client)
    status, page = _redirect(client, web_org, slo_app, sp_key, _logout_request(web_org, slo_app, "bob@acme.test"))
    assert status == 200
    code = _answer(page).find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}")
    assert code is not None and code.get("Value") == STATUS_REQUESTER
    assert _signed_in(client)


def test_slo_endpoint_refuses_when_single_logout_is_off(
    client: FlaskClient, web_org: Org, slo_app: SamlApp, ann: User, sp_key: Credential
) -> None:
    _sign_in(client)
    web_org.update_saml_app(slo_app.id, slo_enabled=False)
    assert _redirect(client, web_org, slo_app, sp_key, _logout_request(web_org, slo_app))[0] == 400
    assert _signed_in(client)


def test_sign_out_sends_a_signed_logout_request_to_the_app_used_and_waits_for_its_answer(
    client: FlaskClient, web_org: Org, slo_app: SamlApp, ann: User, sp_key: Credential
) -> None:
    _sign_in(client)
    sso = client.get(f"/home/{slo_app.name}/{slo_app.id}/{slo_app.link_id}")
    session_index = parse(base64.b64decode(form_fields(sso.get_data(as_text=True))["SAMLResponse"])).find(
        f".//{q(SAML, 'AuthnStatement')}"
    )
    assert session_index is not None
    page = client.post("/login/signout").get_data(as_text=True)
    assert form_action(page) == SP_SLO_URL
    xml = base64.b64decode(form_fields(page)["SAMLRequest"])
    request = verify(xml, web_org.active_key(slo_app.id).credential.cert_pem)
    assert request.tag == q(SAMLP, "LogoutRequest")
    assert request.find(q(SAML, "NameID")).text == "ann@acme.test"  # type: ignore[union-attr]
    assert request.find(q(SAMLP, "SessionIndex")).text == session_index.get("SessionIndex")  # type: ignore[union-attr]
    assert not _signed_in(client)
    okta_slo = f"{IDP_URL}{_slo_path(slo_app)}"
    wrong = build_logout_response("_r-0", web_org.clock(), okta_slo, SP_ENTITY_ID, "_not-sent")
    assert client.post(_slo_path(slo_app), data={"SAMLResponse": _enveloped(wrong, sp_key)}).status_code == 400
    right = build_logout_response("_r-1", web_org.clock(), okta_slo, SP_ENTITY_ID, str(request.get("ID")))
    done = client.post(_slo_path(slo_app), data={"SAMLResponse": _enveloped(right, sp_key)})
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/login/login.htm"


def test_sign_out_without_slo_apps_goes_straight_to_the_sign_in_page(client: FlaskClient, web_org: Org) -> None:
    web_org.add_user("bob@acme.test", "Bob", "Ray", PASSWORD)
    _sign_in(client, "bob@acme.test")
    done = client.post("/login/signout")
    assert done.status_code == 302 and not _signed_in(client)
