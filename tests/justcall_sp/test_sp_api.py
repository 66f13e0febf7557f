"""The activity-log JSON API (token or admin session) and the SP metadata document."""

from __future__ import annotations

from flask.testing import FlaskClient
from lxml import etree
from sp_helpers import ACS_URL, AGENT, API_TOKEN, ENTITY_ID, OWNER, SLUG, Clock, FakeIdp, become, post_acs, sign_in

from justcall_sp.service import JustCall
from saml_xmlns import BINDING_POST, MD, NAMEID_EMAIL, q

BEARER = {"Authorization": f"Bearer {API_TOKEN}"}
KEYS = {
    "reference",
    "at",
    "account",
    "flow",
    "outcome",
    "category",
    "reason",
    "detail",
    "email",
    "response_id",
    "assertion_id",
    "in_response_to",
}


def _two_entries(client: FlaskClient, fake_idp: FakeIdp, clock: Clock) -> None:
    from datetime import timedelta

    post_acs(client.application.test_client(), fake_idp.response(audience="urn:wrong"))
    clock.advance(timedelta(seconds=1))
    post_acs(client.application.test_client(), fake_idp.response())


def test_token_reads_every_entry_newest_first(client: FlaskClient, fake_idp: FakeIdp, clock: Clock) -> None:
    _two_entries(client, fake_idp, clock)
    answer = client.get("/api/sso/activity", headers=BEARER)
    assert answer.status_code == 200
    entries = answer.json
    assert isinstance(entries, list) and len(entries) == 2
    assert set(entries[0]) == KEYS
    assert [e["outcome"] for e in entries] == ["success", "failure"]
    assert entries[1]["reason"] == "audience.mismatch" and entries[1]["account"] == SLUG
    assert entries[0]["at"].startswith("2026-06-01T12:00:01")


def test_reference_filter_and_limit(client: FlaskClient, fake_idp: FakeIdp, clock: Clock) -> None:
    _two_entries(client, fake_idp, clock)
    everything = client.get("/api/sso/activity", headers=BEARER).json
    assert isinstance(everything, list)
    reference = everything[1]["reference"]
    only = client.get("/api/sso/activity", query_string={"reference": reference}, headers=BEARER).json
    assert only == [everything[1]]
    limited = client.get("/api/sso/activity?limit=1", headers=BEARER).json
    assert limited == [everything[0]]


def test_bad_limit_is_400(client: FlaskClient) -> None:
    for limit in ("0", "-1", "abc", "100000"):
        answer = client.get(f"/api/sso/activity?limit={limit}", headers=BEARER)
        assert answer.status_code == 400 and "error" in (answer.json or {})


def test_wrong_or_missing_token_is_401(client: FlaskClient) -> None:
    assert client.get("/api/sso/activity").status_code == 401
    assert client.get("/api/sso/activity", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/sso/activity", headers={"Authorization": API_TOKEN}).status_code == 401


def test_no_configured_token_means_no_token_access(client: FlaskClient) -> None:
    client.application.config["API_TOKEN"] = None
    assert client.get("/api/sso/activity", headers={"Authorization": "Bearer "}).status_code == 401


def test_admin_session_sees_only_their_account(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, clock: Clock
) -> None:
    _two_entries(client, fake_idp, clock)
    post_acs(client.application.test_client(), fake_idp.response(), slug="globex")
    sign_in(client, OWNER)
    entries = client.get("/api/sso/activity").json
    assert isinstance(entries, list) and len(entries) == 2 and {e["account"] for e in entries} == {SLUG}
    assert len(jc.activity()) == 3


def test_non_admin_session_is_403(client: FlaskClient, jc: JustCall) -> None:
    become(client, jc, AGENT)
    answer = client.get("/api/sso/activity")
    assert answer.status_code == 403 and answer.json == {"error": "admins only"}


def test_api_errors_are_json(client: FlaskClient) -> None:
    answer = client.get("/api/nothing")
    assert answer.status_code == 404 and answer.json is not None and "error" in answer.json


def test_metadata_describes_the_sp(client: FlaskClient) -> None:
    answer = client.get(f"/sso/saml/{SLUG}/metadata")
    assert answer.status_code == 200
    assert answer.mimetype == "application/samlmetadata+xml"
    root = etree.fromstring(answer.data)
    assert root.tag == q(MD, "EntityDescriptor") and root.get("entityID") == ENTITY_ID
    sp = root.find(q(MD, "SPSSODescriptor"))
    assert sp is not None and sp.get("WantAssertionsSigned") == "true"
    acs = sp.find(q(MD, "AssertionConsumerService"))
    assert acs is not None and acs.get("Binding") == BINDING_POST and acs.get("Location") == ACS_URL
    name_id_format = sp.find(q(MD, "NameIDFormat"))
    assert name_id_format is not None and name_id_format.text == NAMEID_EMAIL


def test_metadata_of_unknown_account_is_404(client: FlaskClient) -> None:
    assert client.get("/sso/saml/nope/metadata").status_code == 404
