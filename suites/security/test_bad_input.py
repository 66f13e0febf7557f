"""Bad input everywhere: the SP's ACS, sign-in and settings forms, the IdP's SSO endpoint and sign-in form.

Malformed, oversized or hostile input gets a clear 4xx, never a 5xx, and writes nothing (the SP's ACS
may write its one activity row; the IdP may log a refused AuthnRequest). The IdP's admin console and API
test their own bad input (tests/mock_idp_admin). The IdP's tests and the ACS's run against any target;
the bundled SP's own pages (sign-in, settings) only against it.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests

from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment
from saml_harness.security.attacker import CanaryServer, deflate_encode
from saml_harness.security.sp_probe import SettingsPage, only_activity

Rows = Callable[[], dict[str, int]]
BUNDLED_SP_PAGE = pytest.mark.bundled_only("its own URL layout, sign-in and settings pages")
"""The bundled SP's own URL layout, sign-in and settings pages: an external SP has its own, or none."""
BIG = 300 * 1024
"""Larger than the IdP's request limit (256 KiB), far below the SP's (about 1.1 MiB)."""
HUGE = 2 * 1024 * 1024
"""Larger than either server accepts."""


def clear_4xx(answer: requests.Response) -> list[str]:
    """Return problems unless the answer is a 4xx HTML page with a message (no stack trace)."""
    problems = []
    if not 400 <= answer.status_code < 500:
        problems.append(f"HTTP {answer.status_code}, expected a 4xx")
    if "Traceback" in answer.text or not answer.text.strip():
        problems.append("no clear message")
    return problems


def post(url: str, data: dict[str, str] | None = None, **kwargs: object) -> requests.Response:
    return requests.post(url, data=data, allow_redirects=False, timeout=30, **kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ SP: ACS


@pytest.mark.parametrize(
    ("how", "statuses"),
    [
        pytest.param({"data": {"SAMLResponse": "A" * HUGE}}, (413,), id="body_over_the_limit"),
        pytest.param({"data": {"SAMLResponse": "PHg+", "RelayState": "/" + "a" * HUGE}}, (413,), id="huge_relay_state"),
        pytest.param({"json": {"SAMLResponse": "PHg+"}}, (400,), id="json_body"),
        pytest.param({"files": {"SAMLResponse": ("r.xml", b"<x/>")}}, (400,), id="response_as_file_upload"),
        pytest.param(
            {"data": b"SAMLResponse=%ff%fe%00", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
            (400,),
            id="invalid_utf8",
        ),
        pytest.param(
            {"data": b"\x00\x01\x02", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
            (400,),
            id="binary_body",
        ),
        pytest.param({"data": {"RelayState": "/"}}, (400,), id="no_saml_response"),
    ],
)
def test_acs_refuses_malformed_posts(
    deployment: Deployment, rows: Rows, how: dict[str, object], statuses: tuple[int, ...]
) -> None:
    """Any SP: a clear 4xx (the bundled SP's exact status is its own contract).

    An external SP may instead drop the connection on a body over its limit: a refusal without an answer.
    """
    before = rows()
    try:
        answer = post(deployment.target.acs_url, **how)  # type: ignore[arg-type]
    except requests.ConnectionError:
        if deployment.bundled or 413 not in statuses:
            raise
        return
    assert clear_4xx(answer) == []
    assert answer.status_code in statuses or not deployment.bundled
    assert only_activity(before, rows()) is None


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_acs_refuses_other_methods(deployment: Deployment, rows: Rows, method: str) -> None:
    before = rows()
    answer = requests.request(method, deployment.target.acs_url, data={"SAMLResponse": "PHg+"}, timeout=10)
    assert clear_4xx(answer) == []
    assert answer.status_code == 405 or not deployment.bundled
    assert only_activity(before, rows(), at_most=0) is None


@BUNDLED_SP_PAGE
@pytest.mark.parametrize("slug", ["nosuch", "ACME", "acme%00", "..%2f..%2fetc", "a" * 500])
def test_acs_of_an_unknown_account_is_not_found(deployment: Deployment, rows: Rows, slug: str) -> None:
    before = rows()
    answer = post(f"{deployment.sp_url}/sso/saml/{slug}/acs", {"SAMLResponse": "PHg+"})
    assert clear_4xx(answer) == []
    assert only_activity(before, rows(), at_most=0) is None


# ------------------------------------------------------------------------------------------------ SP: sign-in forms


@BUNDLED_SP_PAGE
@pytest.mark.parametrize(
    "email",
    [
        pytest.param("x" * 5000 + "@acme.example", id="oversized_email"),
        pytest.param("agent@acme.example\r\nBcc: evil@example.com", id="crlf"),
        pytest.param("agent\x00@acme.example", id="nul"),
        pytest.param("<script>alert(1)</script>@acme.example", id="markup"),
        pytest.param("@acme.example", id="no_local_part"),
        pytest.param("agent@@acme.example", id="two_ats"),
        pytest.param("", id="empty"),
    ],
)
def test_sign_in_with_sso_refuses_malformed_emails(deployment: Deployment, rows: Rows, email: str) -> None:
    before = rows()
    answer = post(f"{deployment.sp_url}/login/sso", {"email": email})
    assert clear_4xx(answer) == []
    assert "<script>alert(1)</script>" not in answer.text
    assert only_activity(before, rows(), at_most=0) is None


@BUNDLED_SP_PAGE
@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example", "/\\evil.example", "/" + "a" * 5000])
def test_sign_in_with_sso_never_sends_an_off_site_or_long_relay_state(deployment: Deployment, next_path: str) -> None:
    answer = requests.get(
        f"{deployment.sp_url}/login/sso",
        params={"email": deployment.credentials("assigned").username, "next": next_path},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    relay_state = dict(p.split("=", 1) for p in urlsplit(answer.headers["Location"]).query.split("&"))["RelayState"]
    assert relay_state == "%2F"


@BUNDLED_SP_PAGE
@pytest.mark.parametrize(
    "form",
    [
        pytest.param({"email": "owner@acme.example"}, id="no_password"),
        pytest.param({"password": "x"}, id="no_email"),
        pytest.param({"email": "x" * 100_000, "password": "y" * 100_000}, id="oversized"),
        pytest.param({"email": "owner@acme.example\x00", "password": "x"}, id="nul"),
    ],
)
def test_password_sign_in_refuses_malformed_forms(deployment: Deployment, rows: Rows, form: dict[str, str]) -> None:
    ua = UserAgent()
    page = ua.get(f"{deployment.sp_url}/login")
    token = page.form_with("csrf_token", "email")
    assert token is not None
    values = {"csrf_token": str(token.inputs["csrf_token"].value)} | form
    before = rows()
    answer = ua.http.post(f"{deployment.sp_url}/login", data=values, allow_redirects=False, timeout=30)
    assert clear_4xx(answer) == []
    assert only_activity(before, rows(), at_most=0) is None


@BUNDLED_SP_PAGE
def test_forms_without_a_csrf_token_are_refused(
    deployment: Deployment, owner_settings: SettingsPage, rows: Rows
) -> None:
    before = rows()
    answer = owner_settings.post({"csrf_token": "forged", "idp_issuer": "http://www.okta.com/exkATTACKER"})
    assert clear_4xx(answer) == []
    assert only_activity(before, rows(), at_most=0) is None


# ------------------------------------------------------------------------------------------------ SP: settings


@BUNDLED_SP_PAGE
@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"idp_issuer": "http://www.okta.com/" + "x" * 5000}, id="issuer_over_1024_chars"),
        pytest.param({"idp_issuer": "http://www.okta.com/exk\x00abc"}, id="issuer_with_nul"),
        pytest.param({"idp_issuer": "http://www.okta.com/exk\x7fabc"}, id="issuer_with_control_char"),
        pytest.param({"idp_issuer": ""}, id="issuer_empty"),
        pytest.param({"idp_sso_url": "https://acme.okta.com/" + "x" * 5000}, id="url_over_2048_chars"),
        pytest.param({"idp_sso_url": "javascript:alert(1)"}, id="url_javascript"),
        pytest.param({"idp_sso_url": "https://acme.okta.com/\r\nX-Evil: 1"}, id="url_with_crlf"),
        pytest.param({"idp_sso_url": "https://acme.okta.com/\x00"}, id="url_with_nul"),
        pytest.param({"idp_sso_url": "ftp://acme.okta.com/sso"}, id="url_not_http"),
        pytest.param({"default_role": "Owner"}, id="role_owner"),
        pytest.param({"default_role": "x" * 1000}, id="role_oversized"),
        pytest.param({"action": "drop_tables"}, id="unknown_action"),
    ],
)
def test_settings_form_refuses_bad_values_and_writes_nothing(
    deployment: Deployment, owner_settings: SettingsPage, rows: Rows, changes: dict[str, str]
) -> None:
    slug = deployment.demo.account.slug
    saved, before = deployment.justcall.sso_settings(slug), rows()
    answer = owner_settings.post(changes)
    assert clear_4xx(answer) == []
    assert deployment.justcall.sso_settings(slug) == saved
    assert only_activity(before, rows(), at_most=0) is None


@BUNDLED_SP_PAGE
def test_settings_upload_over_the_size_limit_is_refused(
    deployment: Deployment, owner_settings: SettingsPage, rows: Rows
) -> None:
    slug = deployment.demo.account.slug
    saved, before = deployment.justcall.sso_settings(slug), rows()
    answer = owner_settings.post({}, certificate=b"A" * HUGE)
    assert clear_4xx(answer) == []
    assert deployment.justcall.sso_settings(slug) == saved
    assert only_activity(before, rows(), at_most=0) is None


@BUNDLED_SP_PAGE
@pytest.mark.parametrize("protocol", ["saml1", "oidc", "x" * 1000])
def test_enable_refuses_other_protocols(deployment: Deployment, owner_settings: SettingsPage, protocol: str) -> None:
    answer = owner_settings.post({"action": "enable", "protocol": protocol})
    assert clear_4xx(answer) == []


# ------------------------------------------------------------------------------------------------ IdP: SSO endpoint

AUTHN_REQUEST = (
    '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="{id}" Version="{version}" '
    'IssueInstant="2026-01-01T00:00:00Z"/>'
)


def idp_log_size(deployment: Deployment) -> int:
    return len(deployment.okta.log)


@pytest.mark.parametrize(
    "saml_request",
    [
        pytest.param("%%%not-base64%%%", id="not_base64"),
        pytest.param(base64.b64encode(b"not deflate").decode(), id="not_deflate"),
        pytest.param(deflate_encode(b"not xml"), id="not_xml"),
        pytest.param(deflate_encode(b"<x/>"), id="wrong_root"),
        pytest.param(deflate_encode(AUTHN_REQUEST.format(id="", version="2.0").encode()), id="missing_id"),
        pytest.param(deflate_encode(AUTHN_REQUEST.format(id="_a", version="1.0").encode()), id="version_1_0"),
        pytest.param(deflate_encode(b"<!DOCTYPE x><x/>"), id="doctype"),
        pytest.param(base64.b64encode(zlib.compress(b"<x/>")[:-4]).decode(), id="zlib_header_truncated"),
        pytest.param("", id="empty"),
    ],
)
def test_idp_sso_endpoint_refuses_bad_redirect_requests(deployment: Deployment, saml_request: str) -> None:
    before = idp_log_size(deployment)
    answer = requests.get(deployment.okta.sso_url(deployment.app), params={"SAMLRequest": saml_request}, timeout=10)
    assert clear_4xx(answer) == []
    assert answer.status_code == 400
    assert "400 Bad Request" in answer.text
    assert idp_log_size(deployment) - before <= 1


@pytest.mark.parametrize(
    "saml_request",
    [
        pytest.param("%%%not-base64%%%", id="not_base64"),
        pytest.param(base64.b64encode(b"not xml").decode(), id="not_xml"),
        pytest.param(base64.b64encode(b"A" * 70_000).decode(), id="oversized_decoded"),
        pytest.param(base64.b64encode(AUTHN_REQUEST.format(id="", version="2.0").encode()).decode(), id="missing_id"),
    ],
)
def test_idp_sso_endpoint_refuses_bad_post_requests(deployment: Deployment, saml_request: str) -> None:
    answer = post(deployment.okta.sso_url(deployment.app), {"SAMLRequest": saml_request})
    assert clear_4xx(answer) == []
    assert answer.status_code == 400


def test_idp_sso_endpoint_refuses_oversized_bodies(deployment: Deployment) -> None:
    answer = post(deployment.okta.sso_url(deployment.app), {"SAMLRequest": "A" * BIG})
    assert clear_4xx(answer) == []
    assert answer.status_code == 413


def test_idp_sso_endpoint_never_fetches_external_entities(deployment: Deployment, canary: CanaryServer) -> None:
    xml = f'<!DOCTYPE r [<!ENTITY % x SYSTEM "{canary.url("idp")}"> %x;]>' + AUTHN_REQUEST.format(
        id="_a", version="2.0"
    )
    answer = requests.get(
        deployment.okta.sso_url(deployment.app), params={"SAMLRequest": deflate_encode(xml.encode())}, timeout=10
    )
    assert answer.status_code == 400
    assert canary.hits == []


@pytest.mark.parametrize("token", ["bogus", "x" * 5000, "../../etc/passwd", "\x00"])
def test_idp_sso_endpoint_refuses_bad_state_tokens(deployment: Deployment, token: str) -> None:
    answer = requests.get(deployment.okta.sso_url(deployment.app), params={"stateToken": token}, timeout=10)
    assert clear_4xx(answer) == []


@pytest.mark.parametrize(
    "path", ["/app/x/y/sso/saml", "/app/acme_justcall_1/exkNOPE/sso/saml", "/app/exkNOPE/sso/saml/metadata"]
)
def test_idp_unknown_apps_are_not_found(deployment: Deployment, path: str) -> None:
    answer = requests.get(f"{deployment.idp_url}{path}", timeout=10)
    assert answer.status_code == 404


# ------------------------------------------------------------------------------------------------ IdP: sign-in form


@pytest.mark.parametrize(
    ("form", "statuses"),
    [
        pytest.param({}, (401,), id="empty"),
        pytest.param({"username": "x" * 100_000, "password": "y"}, (401,), id="long_username"),
        pytest.param({"username": "a", "password": "b" * BIG}, (413,), id="over_the_limit"),
        pytest.param({"username": "a\x00b", "password": "\r\n"}, (401,), id="control_characters"),
        pytest.param({"username": "<script>alert(1)</script>", "password": "x"}, (401,), id="markup"),
    ],
)
def test_idp_sign_in_refuses_bad_forms(deployment: Deployment, form: dict[str, str], statuses: tuple[int, ...]) -> None:
    ua = UserAgent()
    answer = ua.http.post(f"{deployment.idp_url}/login/login.htm", data=form, allow_redirects=False, timeout=30)
    assert clear_4xx(answer) == []
    assert answer.status_code in statuses
    assert "<script>alert(1)</script>" not in answer.text
    assert "sid" not in ua.http.cookies or ua.get(f"{deployment.idp_url}/app/UserHome").url.endswith("login.htm")


@pytest.mark.parametrize(
    "from_uri",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/app/UserHome\r\nSet-Cookie: x=1",
        "javascript:alert(1)",
    ],
)
def test_idp_sign_in_never_redirects_off_site(deployment: Deployment, from_uri: str) -> None:
    credentials = deployment.credentials("assigned")
    form = {"username": credentials.username, "password": credentials.password, "fromURI": from_uri}
    answer = requests.post(f"{deployment.idp_url}/login/login.htm", data=form, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303)
    location = answer.headers["Location"]
    assert urlsplit(location).netloc in ("", urlsplit(deployment.idp_url).netloc)
    assert "\r" not in location and "\n" not in location


def test_idp_sign_in_page_escapes_from_uri(deployment: Deployment) -> None:
    payload = '/x"><script>alert(1)</script>'
    answer = requests.get(f"{deployment.idp_url}/login/login.htm", params={"fromURI": payload}, timeout=10)
    assert answer.status_code == 200
    assert "<script>alert(1)</script>" not in answer.text
