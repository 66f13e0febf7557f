"""``/api/v1/apps``: Okta's JSON in and out, lifecycle, keys, metadata; bad input is a 4xx and writes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from admin_support import ACS_URL, SP_ENTITY_ID, FakeClock, api, saml_app_body
from flask.testing import FlaskClient
from lxml import etree

from mock_idp.admin.validation import UNDERSCORE, UNSIGNED
from mock_idp.model import SamlApp
from mock_idp.org import Org
from saml_xmlns import ATTRNAME_BASIC, NAMEID_EMAIL, NAMEID_UNSPECIFIED, NS

VALIDITY = "Validity years out of range. It should be 2 - 10 years."


def test_create_a_saml_app_from_oktas_json(client: FlaskClient, org: Org, token: str) -> None:
    response = api(client, "POST", "/apps", token, saml_app_body())
    assert response.status_code == 200
    body = response.get_json()
    (app,) = org.apps()
    assert body["id"] == app.id and body["name"] == "acme_justcall_1" and body["label"] == "JustCall"
    assert body["status"] == "ACTIVE" and body["signOnMode"] == "SAML_2_0"
    sign_on = body["settings"]["signOn"]
    assert sign_on["ssoAcsUrl"] == ACS_URL and sign_on["audience"] == SP_ENTITY_ID
    assert sign_on["idpIssuer"] == "http://www.okta.com/${org.externalKey}"
    assert sign_on["subjectNameIdFormat"] == NAMEID_EMAIL
    assert [s["name"] for s in sign_on["attributeStatements"]] == ["email", "firstName", "lastName"]
    assert body["credentials"]["signing"]["kid"] == org.active_key(app.id).kid
    assert body["credentials"]["userNameTemplate"] == {"template": "${source.login}", "type": "BUILT_IN"}
    assert body["_links"]["appLinks"][0]["href"] == org.embed_link(app)
    assert body["_links"]["deactivate"]["href"].endswith(f"/api/v1/apps/{app.id}/lifecycle/deactivate")
    assert (app.sso_url, app.audience, app.issuer) == (ACS_URL, SP_ENTITY_ID, f"http://www.okta.com/{app.external_key}")


def test_minimal_body_gets_oktas_defaults(client: FlaskClient, org: Org, token: str) -> None:
    body = {"label": "Min", "signOnMode": "SAML_2_0", "settings": {"signOn": {"ssoAcsUrl": ACS_URL, "audience": "x"}}}
    assert api(client, "POST", "/apps", token, body).status_code == 200
    (app,) = org.apps()
    assert app.name_id_format == NAMEID_UNSPECIFIED
    assert app.recipient == app.destination == ACS_URL
    assert (app.response_signed, app.assertion_signed, app.signature_algorithm) == (True, True, "RSA_SHA256")


def test_activate_false_creates_an_inactive_app(client: FlaskClient, org: Org, token: str) -> None:
    response = api(client, "POST", "/apps?activate=false", token, saml_app_body())
    assert response.get_json()["status"] == "INACTIVE"
    assert org.app_status(org.apps()[0].id) == "INACTIVE"


def test_get_and_list(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    other = org.create_saml_app("Zendesk", "https://z.example/acs", "urn:z")
    org.deactivate_app(other.id)
    assert api(client, "GET", f"/apps/{justcall.id}", token).get_json()["label"] == "JustCall"
    assert [a["label"] for a in api(client, "GET", "/apps", token).get_json()] == ["JustCall", "Zendesk"]
    assert [a["label"] for a in api(client, "GET", "/apps?q=zen", token).get_json()] == ["Zendesk"]
    active = api(client, "GET", '/apps?filter=status eq "ACTIVE"', token).get_json()
    assert [a["id"] for a in active] == [justcall.id]
    bad = api(client, "GET", "/apps?filter=name eq 1", token)
    assert bad.status_code == 400 and bad.get_json()["errorCode"] == "E0000031"


def test_paging_with_limit_and_after(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    second = org.create_saml_app("Zendesk", "https://z.example/acs", "urn:z")
    first_page = api(client, "GET", "/apps?limit=1", token)
    assert [a["id"] for a in first_page.get_json()] == [justcall.id]
    links = first_page.headers.getlist("Link")
    assert any('rel="self"' in link for link in links)
    (next_link,) = [link for link in links if 'rel="next"' in link]
    assert f"after={justcall.id}" in next_link
    second_page = api(client, "GET", f"/apps?limit=1&after={justcall.id}", token)
    assert [a["id"] for a in second_page.get_json()] == [second.id]
    assert not any('rel="next"' in link for link in second_page.headers.getlist("Link"))
    searched = api(client, "GET", "/apps?q=j&limit=1", token).headers.getlist("Link")
    assert any("q=j" in link and "limit=1" in link for link in searched), "paging links keep the search"
    for bad in ("abc", "0", "-5"):
        response = api(client, "GET", f"/apps?limit={bad}", token)
        assert response.status_code == 400 and response.get_json()["errorCode"] == "E0000001"


def test_unknown_app_is_e0000007(client: FlaskClient, token: str) -> None:
    for method, path in (
        ("GET", "/apps/0oaNope"),
        ("PUT", "/apps/0oaNope"),
        ("DELETE", "/apps/0oaNope"),
        ("POST", "/apps/0oaNope/lifecycle/activate"),
        ("GET", "/apps/0oaNope/credentials/keys"),
        ("GET", "/apps/0oaNope/sso/saml/metadata"),
    ):
        response = api(client, method, path, token, saml_app_body() if method == "PUT" else None)
        assert response.status_code == 404, (method, path)
        assert response.get_json()["errorSummary"] == "Not found: Resource not found: 0oaNope (AppInstance)"


def test_put_replaces_the_settings_and_keeps_ids(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    body = saml_app_body(audience="urn:new", responseSigned=False, digestAlgorithm="SHA1")
    body["label"] = "JustCall EU"
    response = api(client, "PUT", f"/apps/{justcall.id}", token, body)
    assert response.status_code == 200
    app = org.get_app(justcall.id)
    assert (app.label, app.audience, app.response_signed, app.digest_algorithm) == (
        "JustCall EU",
        "urn:new",
        False,
        "SHA1",
    )
    assert (app.name, app.external_key, app.issuer) == (justcall.name, justcall.external_key, justcall.issuer)


def test_get_then_put_round_trips(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    got = api(client, "GET", f"/apps/{justcall.id}", token).get_json()
    assert api(client, "PUT", f"/apps/{justcall.id}", token, got).status_code == 200
    assert org.get_app(justcall.id) == justcall


def test_put_with_signing_kid_activates_that_key(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    new = api(client, "POST", f"/apps/{justcall.id}/credentials/keys/generate?validityYears=2", token).get_json()
    body = api(client, "GET", f"/apps/{justcall.id}", token).get_json()
    body["credentials"]["signing"]["kid"] = new["kid"]
    response = api(client, "PUT", f"/apps/{justcall.id}", token, body)
    assert response.get_json()["credentials"]["signing"]["kid"] == new["kid"]
    assert org.active_key(justcall.id).kid == new["kid"]
    body["credentials"]["signing"]["kid"] = "nope"
    bad = api(client, "PUT", f"/apps/{justcall.id}", token, body)
    assert bad.status_code == 400 and bad.get_json()["errorCode"] == "E0000001"
    assert org.active_key(justcall.id).kid == new["kid"]


def test_lifecycle(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    response = api(client, "POST", f"/apps/{justcall.id}/lifecycle/deactivate", token)
    assert (response.status_code, response.get_json()) == (200, {})
    got = api(client, "GET", f"/apps/{justcall.id}", token).get_json()
    assert got["status"] == "INACTIVE" and "activate" in got["_links"]
    assert api(client, "POST", f"/apps/{justcall.id}/lifecycle/activate", token).status_code == 200
    assert org.app_status(justcall.id) == "ACTIVE"
    assert api(client, "POST", f"/apps/{justcall.id}/lifecycle/explode", token).status_code == 404


def test_delete_needs_an_inactive_app(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    refused = api(client, "DELETE", f"/apps/{justcall.id}", token)
    assert refused.status_code == 403
    assert refused.get_json()["errorCode"] == "E0000056"
    assert len(org.apps()) == 1
    api(client, "POST", f"/apps/{justcall.id}/lifecycle/deactivate", token)
    assert api(client, "DELETE", f"/apps/{justcall.id}", token).status_code == 204
    assert api(client, "GET", f"/apps/{justcall.id}", token).status_code == 404


def test_keys_list_get_and_generate(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, clock: FakeClock
) -> None:
    keys = api(client, "GET", f"/apps/{justcall.id}/credentials/keys", token).get_json()
    assert [k["kid"] for k in keys] == [org.active_key(justcall.id).kid]
    assert keys[0]["kty"] == "RSA" and keys[0]["use"] == "sig" and len(keys[0]["x5c"]) == 1
    response = api(client, "POST", f"/apps/{justcall.id}/credentials/keys/generate?validityYears=2", token)
    assert response.status_code == 201
    new = response.get_json()
    assert new["expiresAt"].startswith(str(clock.now.year + 2))
    assert response.headers["Location"].endswith(f"/credentials/keys/{new['kid']}")
    assert api(client, "GET", f"/apps/{justcall.id}/credentials/keys/{new['kid']}", token).get_json() == new
    assert org.key(justcall.id, new["kid"]).status == "Inactive"
    missing = api(client, "GET", f"/apps/{justcall.id}/credentials/keys/nope", token)
    assert missing.status_code == 404


@pytest.mark.parametrize("years", ["1", "11", "0", "-3", "abc", "", "2.5", "99999999999999"])
def test_generate_refuses_validity_outside_2_to_10(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, years: str
) -> None:
    response = api(client, "POST", f"/apps/{justcall.id}/credentials/keys/generate?validityYears={years}", token)
    assert response.status_code == 400
    body = response.get_json()
    assert (body["errorCode"], body["errorSummary"]) == ("E0000001", VALIDITY)
    assert len(org.signing_keys(justcall.id)) == 1


def test_generate_accepts_10_years(client: FlaskClient, token: str, justcall: SamlApp, clock: FakeClock) -> None:
    response = api(client, "POST", f"/apps/{justcall.id}/credentials/keys/generate?validityYears=10", token)
    assert response.get_json()["expiresAt"].startswith(str(clock.now.year + 10))


def test_metadata(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    response = api(client, "GET", f"/apps/{justcall.id}/sso/saml/metadata", token)
    assert response.mimetype == "application/xml"
    root = etree.fromstring(response.data)
    assert root.get("entityID") == org.issuer(justcall)
    assert root.findtext(".//ds:X509Certificate", namespaces=NS) == org.active_key(justcall.id).credential.cert_b64_76
    new = org.generate_key(justcall.id)
    by_kid = api(client, "GET", f"/apps/{justcall.id}/sso/saml/metadata?kid={new.kid}", token)
    assert etree.fromstring(by_kid.data).findtext(".//ds:X509Certificate", namespaces=NS) == new.credential.cert_b64_76
    assert api(client, "GET", f"/apps/{justcall.id}/sso/saml/metadata?kid=nope", token).status_code == 404


def test_group_attribute_statements_round_trip(client: FlaskClient, org: Org, token: str) -> None:
    statements = saml_app_body()["settings"]["signOn"]["attributeStatements"] + [
        {"type": "GROUP", "name": "groups", "namespace": ATTRNAME_BASIC, "filterType": "REGEX", "filterValue": ".*"}
    ]
    body = api(client, "POST", "/apps", token, saml_app_body(attributeStatements=statements)).get_json()
    assert body["settings"]["signOn"]["attributeStatements"][-1] == statements[-1]
    assert len(org.apps()[0].attribute_statements) == 3


# (body mutation, field the error names)
def _set(path: str, value: Any) -> dict[str, Any]:
    body = saml_app_body()
    target: Any = body
    *parents, last = path.split(".")
    for key in parents:
        target = target[key]
    target[last] = value
    return body


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    (_set("label", ""), "label"),
    (_set("label", 5), "label"),
    (_set("label", "x" * 101), "label"),
    (_set("signOnMode", "OPENID_CONNECT"), "signOnMode"),
    (_set("settings", "nope"), "settings"),
    (_set("settings.signOn", []), "settings.signOn"),
    (_set("settings.signOn.ssoAcsUrl", ""), "settings.signOn.ssoAcsUrl"),
    (_set("settings.signOn.ssoAcsUrl", "javascript:alert(1)"), "settings.signOn.ssoAcsUrl"),
    (_set("settings.signOn.ssoAcsUrl", "https://sp.example/saml_acs"), "settings.signOn.ssoAcsUrl"),
    (_set("settings.signOn.ssoAcsUrl", ["https://sp.example"]), "settings.signOn.ssoAcsUrl"),
    (_set("settings.signOn.audience", None), "settings.signOn.audience"),
    (_set("settings.signOn.recipient", "not a url"), "settings.signOn.recipient"),
    (_set("settings.signOn.responseSigned", "true"), "settings.signOn.responseSigned"),
    (_set("settings.signOn.honorForceAuthn", 1), "settings.signOn.honorForceAuthn"),
    (_set("settings.signOn.signatureAlgorithm", "RSA_MD5"), "settings.signOn.signatureAlgorithm"),
    (_set("settings.signOn.digestAlgorithm", 256), "settings.signOn.digestAlgorithm"),
    (_set("settings.signOn.subjectNameIdFormat", "urn:x"), "settings.signOn.subjectNameIdFormat"),
    (_set("settings.signOn.subjectNameIdTemplate", "${user.email}"), "settings.signOn.subjectNameIdTemplate"),
    (_set("settings.signOn.attributeStatements", "email"), "settings.signOn.attributeStatements"),
    (_set("settings.signOn.attributeStatements", [5]), "settings.signOn.attributeStatements[0]"),
    (_set("settings.signOn.attributeStatements", [{"name": "a", "values": [1]}]), "[0].values"),
    (_set("settings.signOn.attributeStatements", [{"name": "a", "values": ["x", "y"]}]), "[0].values"),
    (_set("settings.signOn.attributeStatements", [{"values": ["x"]}]), "[0].name"),
    (_set("settings.signOn.attributeStatements", [{"type": "ODD", "name": "a"}]), "[0].type"),
    (_set("settings.signOn.attributeStatements", [{"type": "GROUP", "name": "g"}]), "[0].filterType"),
    (_set("settings.signOn.attributeStatements", [{"name": "a", "values": ["x"]}] * 2), "[1].name"),
    (_set("settings.signOn.attributeStatements", [{"name": "a", "values": ["x"]}] * 51), "attributeStatements"),
    (_set("credentials.userNameTemplate.template", "${source.secret}"), "credentials.userNameTemplate.template"),
    (_set("credentials", []), "credentials"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_invalid_bodies_are_e0000001_naming_the_field(
    client: FlaskClient, org: Org, token: str, body: dict[str, Any], field: str
) -> None:
    response = api(client, "POST", "/apps", token, body)
    assert response.status_code == 400
    error = response.get_json()
    assert error["errorCode"] == "E0000001"
    assert error["errorSummary"].startswith("Api validation failed: ")
    assert any(field in cause["errorSummary"] for cause in error["errorCauses"]), error
    assert org.apps() == []


def test_both_unsigned_is_refused_with_oktas_text(client: FlaskClient, org: Org, token: str) -> None:
    response = api(client, "POST", "/apps", token, saml_app_body(responseSigned=False, assertionSigned=False))
    assert response.status_code == 400
    assert any(UNSIGNED in c["errorSummary"] for c in response.get_json()["errorCauses"])
    assert org.apps() == []


def test_underscore_rule_applies_to_the_api(client: FlaskClient, token: str) -> None:
    response = api(client, "POST", "/apps", token, saml_app_body(ssoAcsUrl="https://sp.example/a_b"))
    assert any(UNDERSCORE in c["errorSummary"] for c in response.get_json()["errorCauses"])


def test_an_invalid_put_changes_nothing(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    response = api(client, "PUT", f"/apps/{justcall.id}", token, saml_app_body(audience="", responseSigned="no"))
    assert response.status_code == 400
    assert len(response.get_json()["errorCauses"]) == 2
    assert org.get_app(justcall.id) == justcall


RAW_BODIES: list[tuple[bytes, str, str]] = [
    (b"{not json", "application/json", "E0000003"),
    (b"", "application/json", "E0000003"),
    (b"[1, 2]", "application/json", "E0000003"),
    (b'"label"', "application/json", "E0000003"),
    (b'{"label": NaN}', "application/json", "E0000003"),
    (b'{"label": Infinity}', "application/json", "E0000003"),
    (b"\xff\xfe{}", "application/json", "E0000003"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", "E0000003"),
    (b'{"x": "' + b"a" * 300_000 + b'"}', "application/json", "E0000003"),
    (json.dumps(saml_app_body()).encode(), "text/plain", "E0000021"),
    (json.dumps(saml_app_body()).encode(), "application/x-www-form-urlencoded", "E0000021"),
]


@pytest.mark.parametrize(("data", "content_type", "code"), RAW_BODIES)
def test_malformed_requests_are_okta_400s(
    client: FlaskClient, org: Org, token: str, data: bytes, content_type: str, code: str
) -> None:
    response = client.post(
        "/api/v1/apps", data=data, content_type=content_type, headers={"Authorization": f"SSWS {token}"}
    )
    assert response.status_code == 400
    assert response.get_json()["errorCode"] == code
    assert org.apps() == []


def test_created_and_last_updated_follow_the_clock(client: FlaskClient, org: Org, token: str, clock: FakeClock) -> None:
    created = api(client, "POST", "/apps", token, saml_app_body()).get_json()
    clock.advance(timedelta(hours=1).total_seconds())
    updated = api(client, "PUT", f"/apps/{created['id']}", token, saml_app_body(audience="urn:z")).get_json()
    # Okta writes whole seconds with ".000Z" (the clock is at 12:00:00.123456).
    assert created["created"] == updated["created"] == "2026-06-01T12:00:00.000Z"
    assert updated["lastUpdated"] == "2026-06-01T13:00:00.000Z"
