"""The HTTP surface: sign-in, dashboard tiles, both SSO flows, 403/400/404 pages, metadata, sign-out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from idp_support import (
    ACS_URL,
    JUSTCALL_ATTRIBUTES,
    SP_ENTITY_ID,
    FakeClock,
    authn_request_xml,
    decoded_response,
    form_action,
    form_fields,
    parse,
    post_encode,
    redirect_encode,
    verify,
    xp,
)
from werkzeug.test import TestResponse

from mock_idp.assertion import saml_time
from mock_idp.faults import FaultPlan, Op
from mock_idp.model import SamlApp, User
from mock_idp.org import Org

PASSWORD = "correct horse"
NOT_ASSIGNED = (
    "Sorry, you cannot access JustCall because you are not assigned this app in Okta. "
    "If you&#39;re wondering why this is happening, please contact your administrator."
)


@pytest.fixture
def app_(web_org: Org) -> SamlApp:
    return web_org.create_saml_app("JustCall", ACS_URL, SP_ENTITY_ID, JUSTCALL_ATTRIBUTES, default_relay_state="/home")


@pytest.fixture
def user(web_org: Org, app_: SamlApp) -> User:
    user = web_org.add_user("ann@acme.test", "Ann", "Lee", PASSWORD)
    web_org.assign_user(app_.id, user.id)
    return user


def sso_path(app: SamlApp) -> str:
    return f"/app/{app.name}/{app.external_key}/sso/saml"


def sign_in(
    client: FlaskClient, username: str = "ann@acme.test", password: str = PASSWORD, from_uri: str = ""
) -> TestResponse:
    return client.post("/login/login.htm", data={"username": username, "password": password, "fromURI": from_uri})


def from_uri_of(response: TestResponse) -> str:
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login/login.htm"
    return parse_qs(location.query)["fromURI"][0]


# ------------------------------------------------------------------------------------------ sign-in


def test_sign_in_page_is_a_plain_form(client: FlaskClient) -> None:
    page = client.get("/login/login.htm?fromURI=/app/UserHome").get_data(as_text=True)
    assert 'name="username"' in page and 'type="password" id="password" name="password"' in page
    assert '<input type="hidden" name="fromURI" value="/app/UserHome">' in page
    assert "<script" not in page


def test_good_sign_in_sets_sid_and_redirects_to_from_uri(client: FlaskClient, user: User) -> None:
    response = sign_in(client, from_uri="/app/UserHome?x=1")
    assert response.status_code == 302 and response.headers["Location"] == "/app/UserHome?x=1"
    assert client.get_cookie("sid") is not None


def test_wrong_password_is_401_unable_to_sign_in_without_session(client: FlaskClient, user: User) -> None:
    response = sign_in(client, password="nope")
    assert response.status_code == 401
    assert "Unable to sign in" in response.get_data(as_text=True)
    assert client.get_cookie("sid") is None
    assert client.get("/app/UserHome").status_code == 302


def test_deactivated_user_cannot_sign_in(client: FlaskClient, web_org: Org, user: User) -> None:
    web_org.deactivate_user(user.id)
    response = sign_in(client)
    assert response.status_code == 401 and "Unable to sign in" in response.get_data(as_text=True)


def test_deactivation_ends_an_existing_session(client: FlaskClient, web_org: Org, user: User) -> None:
    sign_in(client)
    web_org.deactivate_user(user.id)
    assert client.get("/app/UserHome").status_code == 302


def test_from_uri_cannot_redirect_off_site(client: FlaskClient, user: User) -> None:
    response = sign_in(client, from_uri="//evil.test/x")
    assert response.headers["Location"] == "/app/UserHome"


def test_sign_out_ends_the_session(client: FlaskClient, user: User) -> None:
    sign_in(client)
    assert client.get("/app/UserHome").status_code == 200
    assert client.post("/login/signout").status_code == 302
    assert client.get("/app/UserHome").status_code == 302


def test_restore_voids_existing_sessions(client: FlaskClient, web_org: Org, user: User) -> None:
    snapshot = web_org.snapshot()
    sign_in(client)
    web_org.restore(snapshot)
    assert client.get("/app/UserHome").status_code == 302


# ------------------------------------------------------------------------------------------ dashboard


def test_dashboard_requires_a_session(client: FlaskClient) -> None:
    response = client.get("/app/UserHome")
    assert response.status_code == 302 and from_uri_of(response) == "/app/UserHome"


def test_dashboard_lists_one_tile_per_assigned_app(
    client: FlaskClient, web_org: Org, app_: SamlApp, user: User
) -> None:
    web_org.create_saml_app("Unassigned App", "http://sp.test/acs", "sp")
    sign_in(client)
    page = client.get("/app/UserHome").get_data(as_text=True)
    tile = f'<a class="app-tile" href="/home/{app_.name}/{app_.id}/{app_.link_id}">JustCall</a>'
    assert tile in page
    assert page.count('class="app-tile"') == 1


# ------------------------------------------------------------------------------------------ IdP-initiated


def test_tile_posts_an_unsolicited_response_with_default_relay_state(
    client: FlaskClient, web_org: Org, app_: SamlApp, user: User
) -> None:
    sign_in(client)
    page = client.get(f"/home/{app_.name}/{app_.id}/{app_.link_id}").get_data(as_text=True)
    assert form_action(page) == ACS_URL
    assert form_fields(page)["RelayState"] == "/home"
    assert '<body onload="document.forms[0].submit()">' in page
    assert '<noscript><button type="submit">Continue</button></noscript>' in page
    root = parse(decoded_response(page))
    assert root.get("InResponseTo") is None
    verify(decoded_response(page), web_org.active_certificate_pem(app_.id), "assertion")
    (entry,) = web_org.log
    assert (entry.flow, entry.user, entry.request_id, entry.relay_state) == ("idp_initiated", user.email, None, "/home")
    assert entry.response_xml == decoded_response(page)


def test_tile_without_session_signs_in_then_continues(client: FlaskClient, app_: SamlApp, user: User) -> None:
    tile = f"/home/{app_.name}/{app_.id}/{app_.link_id}"
    from_uri = from_uri_of(client.get(tile))
    assert from_uri == tile
    page = client.get(sign_in(client, from_uri=from_uri).headers["Location"]).get_data(as_text=True)
    assert "SAMLResponse" in form_fields(page)


def test_sso_url_without_saml_request_is_idp_initiated_with_relay_state(
    client: FlaskClient, app_: SamlApp, user: User
) -> None:
    sign_in(client)
    page = client.get(sso_path(app_), query_string={"RelayState": "/calls?id=1"}).get_data(as_text=True)
    assert form_fields(page)["RelayState"] == "/calls?id=1"
    assert parse(decoded_response(page)).get("InResponseTo") is None


def test_authn_instant_is_the_sign_in_time(client: FlaskClient, app_: SamlApp, user: User, clock: FakeClock) -> None:
    signed_in_at = clock.now
    sign_in(client)
    clock.advance(3600)
    page = client.get(f"/home/{app_.name}/{app_.id}/{app_.link_id}").get_data(as_text=True)
    statement = xp(parse(decoded_response(page)), ".//saml2:AuthnStatement")[0]
    assert statement.get("AuthnInstant") == saml_time(signed_in_at)


def test_unknown_tile_is_404(client: FlaskClient, app_: SamlApp, user: User) -> None:
    sign_in(client)
    response = client.get(f"/home/{app_.name}/{app_.id}/alnWRONG")
    assert response.status_code == 404 and "<title>404 Page Not Found</title>" in response.get_data(as_text=True)


# ------------------------------------------------------------------------------------------ SP-initiated


def test_sp_initiated_redirect_binding_parks_request_until_sign_in(
    client: FlaskClient, web_org: Org, app_: SamlApp, user: User
) -> None:
    query = {"SAMLRequest": redirect_encode(authn_request_xml("_sp1")), "RelayState": "/dial", "SigAlg": "x"}
    first = client.get(sso_path(app_), query_string=query)
    from_uri = from_uri_of(first)
    assert from_uri.startswith(sso_path(app_) + "?stateToken=")
    assert web_org.log == []
    after_sign_in = sign_in(client, from_uri=from_uri)
    assert after_sign_in.headers["Location"] == from_uri
    page = client.get(from_uri).get_data(as_text=True)
    assert form_action(page) == ACS_URL
    assert form_fields(page)["RelayState"] == "/dial"
    xml = decoded_response(page)
    root = parse(xml)
    assert root.get("InResponseTo") == "_sp1"
    verify(xml, web_org.active_certificate_pem(app_.id))
    (entry,) = web_org.log
    assert (entry.flow, entry.request_id) == ("sp_initiated", "_sp1")
    assert entry.request_xml == authn_request_xml("_sp1")
    # The stateToken is single-use.
    assert client.get(from_uri).status_code == 400


def test_sp_initiated_post_binding_with_existing_session(client: FlaskClient, app_: SamlApp, user: User) -> None:
    sign_in(client)
    form = {"SAMLRequest": post_encode(authn_request_xml("_post1")), "RelayState": '<&">'}
    page = client.post(sso_path(app_), data=form).get_data(as_text=True)
    assert 'value="&lt;&amp;&#34;&gt;"' in page
    assert form_fields(page)["RelayState"] == '<&">'
    assert parse(decoded_response(page)).get("InResponseTo") == "_post1"


def test_sp_initiated_post_binding_without_session_continues_after_sign_in(
    client: FlaskClient, app_: SamlApp, user: User
) -> None:
    first = client.post(sso_path(app_), data={"SAMLRequest": post_encode(authn_request_xml("_post2"))})
    page = client.get(sign_in(client, from_uri=from_uri_of(first)).headers["Location"]).get_data(as_text=True)
    assert parse(decoded_response(page)).get("InResponseTo") == "_post2"
    assert form_fields(page)["RelayState"] == ""


def test_response_goes_to_the_sso_url_not_the_requested_acs(client: FlaskClient, app_: SamlApp, user: User) -> None:
    sign_in(client)
    request = authn_request_xml("_acs", acs_url="https://evil.test/acs")
    page = client.get(sso_path(app_), query_string={"SAMLRequest": redirect_encode(request)}).get_data(as_text=True)
    assert form_action(page) == ACS_URL


def test_force_authn_asks_for_the_password_again(
    client: FlaskClient, app_: SamlApp, user: User, clock: FakeClock
) -> None:
    sign_in(client)
    clock.advance(60)
    request = redirect_encode(authn_request_xml("_force", force_authn=True))
    first = client.get(sso_path(app_), query_string={"SAMLRequest": request})
    from_uri = from_uri_of(first)
    page = client.get(sign_in(client, from_uri=from_uri).headers["Location"]).get_data(as_text=True)
    assert parse(decoded_response(page)).get("InResponseTo") == "_force"


def test_armed_plan_applies_to_the_next_http_login_only(
    client: FlaskClient, web_org: Org, app_: SamlApp, user: User
) -> None:
    web_org.set_next_login_plan(user.email, FaultPlan(pre_sign=(Op("set_audience", {"value": "wrong"}),)))
    sign_in(client)
    tile = f"/home/{app_.name}/{app_.id}/{app_.link_id}"
    first = parse(decoded_response(client.get(tile).get_data(as_text=True)))
    second = parse(decoded_response(client.get(tile).get_data(as_text=True)))
    assert xp(first, ".//saml2:Audience")[0].text == "wrong"
    assert xp(second, ".//saml2:Audience")[0].text == SP_ENTITY_ID


# ------------------------------------------------------------------------------------------ refusals


def test_unassigned_user_gets_403_in_idp_initiated_flow(
    client: FlaskClient, web_org: Org, app_: SamlApp, user: User
) -> None:
    web_org.unassign_user(app_.id, user.id)
    sign_in(client)
    response = client.get(f"/home/{app_.name}/{app_.id}/{app_.link_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "<title>403 App Not Assigned</title>" in page and NOT_ASSIGNED in page
    assert "SAMLResponse" not in page
    assert [e.outcome for e in web_org.log] == ["not_assigned"]


def test_unassigned_user_gets_403_in_sp_initiated_flow(client: FlaskClient, web_org: Org, app_: SamlApp) -> None:
    web_org.add_user("bob@acme.test", "Bob", "Ray", PASSWORD)
    first = client.get(sso_path(app_), query_string={"SAMLRequest": redirect_encode(authn_request_xml())})
    response = client.get(sign_in(client, "bob@acme.test", from_uri=from_uri_of(first)).headers["Location"])
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "<title>403 App Not Assigned</title>" in page and NOT_ASSIGNED in page
    assert "SAMLResponse" not in page


def test_group_assignment_lets_the_user_in(client: FlaskClient, web_org: Org, app_: SamlApp) -> None:
    bob = web_org.add_user("bob@acme.test", "Bob", "Ray", PASSWORD)
    group = web_org.add_group("Support")
    web_org.add_user_to_group(group.id, bob.id)
    web_org.assign_group(app_.id, group.id)
    sign_in(client, "bob@acme.test")
    response = client.get(f"/home/{app_.name}/{app_.id}/{app_.link_id}")
    assert response.status_code == 200 and "SAMLResponse" in response.get_data(as_text=True)


MALFORMED = [
    pytest.param("GET", "%%%notbase64", "not valid base64", id="bad-base64"),
    pytest.param("GET", post_encode(b"\xff\xfe\x00garbage"), "DEFLATE", id="bad-deflate"),
    pytest.param("GET", redirect_encode(b"hello"), "not well-formed XML", id="not-xml"),
    pytest.param("GET", redirect_encode(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'), "DOCTYPE", id="dtd"),
    pytest.param("GET", redirect_encode(b"<a/>"), "not an AuthnRequest", id="wrong-root"),
    pytest.param("GET", redirect_encode(authn_request_xml().replace(b' ID="_req-1"', b"")), "no ID", id="no-id"),
    pytest.param("GET", "", "empty", id="empty"),
    pytest.param("POST", "!!!", "not valid base64", id="post-bad-base64"),
    pytest.param("POST", post_encode(b"<x>"), "not well-formed XML", id="post-not-xml"),
    pytest.param("POST", redirect_encode(authn_request_xml()), "not well-formed XML", id="post-deflated"),
]


@pytest.mark.parametrize(("method", "saml_request", "message"), MALFORMED)
def test_malformed_authn_request_is_400_with_a_reason(
    client: FlaskClient, web_org: Org, app_: SamlApp, user: User, method: str, saml_request: str, message: str
) -> None:
    sign_in(client)
    if method == "GET":
        response = client.get(sso_path(app_), query_string={"SAMLRequest": saml_request})
    else:
        response = client.post(sso_path(app_), data={"SAMLRequest": saml_request})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>400 Bad Request</title>" in page and message in page
    assert "SAMLResponse" not in page
    assert [e.outcome for e in web_org.log] == ["bad_request"]


def test_oversized_post_body_is_413_not_500(client: FlaskClient, app_: SamlApp) -> None:
    response = client.post(sso_path(app_), data={"SAMLRequest": "A" * (300 * 1024)})
    assert response.status_code == 413


def test_unknown_app_and_unknown_state_token(client: FlaskClient, app_: SamlApp) -> None:
    assert client.get(f"/app/{app_.name}/exkUNKNOWN/sso/saml").status_code == 404
    assert client.get(f"/app/other_name_1/{app_.external_key}/sso/saml").status_code == 404
    response = client.get(sso_path(app_), query_string={"stateToken": "forged"})
    assert response.status_code == 400 and "expired or is not valid" in response.get_data(as_text=True)


# ------------------------------------------------------------------------------------------ metadata


def test_metadata_endpoint(client: FlaskClient, web_org: Org, app_: SamlApp) -> None:
    response = client.get(f"/app/{app_.external_key}/sso/saml/metadata")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = parse(response.data)
    assert root.get("entityID") == web_org.issuer(app_)
    certificate = xp(root, ".//ds:X509Certificate")[0].text
    assert certificate == web_org.active_key(app_.id).credential.cert_b64_76
    assert client.get("/app/exkUNKNOWN/sso/saml/metadata").status_code == 404


def test_metadata_for_a_chosen_kid(client: FlaskClient, web_org: Org, app_: SamlApp) -> None:
    inactive = web_org.generate_key(app_.id)
    response = client.get(f"/app/{app_.external_key}/sso/saml/metadata", query_string={"kid": inactive.kid})
    assert xp(parse(response.data), ".//ds:X509Certificate")[0].text == inactive.credential.cert_b64_76
