"""The Response template (fast path) writes exactly what the generic builders write."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

import saml_xmlns as xmlns
from mock_idp import assertion
from mock_idp.assertion import Attribute, ResponseParams, StatusCode

BASE = ResponseParams(
    response_id="id1234567890",
    assertion_id="id0987654321",
    issue_instant=datetime(2026, 6, 1, 12, 0, 0, 123000, tzinfo=UTC),
    issuer="http://www.okta.com/exk123",
    destination="http://127.0.0.1:6000/sso/saml/acme/acs",
    recipient="http://127.0.0.1:6000/sso/saml/acme/acs",
    audience="http://127.0.0.1:6000/sso/saml/acme",
    name_id="ann.lee@acme.example",
    name_id_format=xmlns.NAMEID_EMAIL,
    auth_instant=datetime(2026, 6, 1, 11, 59, 0, 7000, tzinfo=UTC),
    session_index="_req-1",
    attributes=(
        Attribute("email", xmlns.ATTRNAME_UNSPECIFIED, ("ann.lee@acme.example",)),
        Attribute("firstName", xmlns.ATTRNAME_UNSPECIFIED, ("Ann",)),
    ),
    in_response_to="_req-1",
)

VARIANTS = {
    "sp-initiated": {},
    "idp-initiated": {"in_response_to": None, "session_index": "id1780000000000.123"},
    "no-attributes": {"attributes": ()},
    "two-values": {"attributes": (Attribute("groups", xmlns.ATTRNAME_BASIC, ("Sales", "Everyone")),)},
    "escaping-falls-back": {"name_id": 'a&b<c>"d'},
    "empty-value-falls-back": {"attributes": (Attribute("x", xmlns.ATTRNAME_BASIC, ("",)),)},
    "no-values-falls-back": {"attributes": (Attribute("x", xmlns.ATTRNAME_BASIC, ()),)},
    "status-falls-back": {"status": StatusCode(xmlns.STATUS_REQUESTER, None, "no")},
    "unicode": {"name_id": "zoë.ñúñez@acme.example"},
    "non-utc-instant": {"issue_instant": datetime(2026, 6, 1, 12, 0, 0, 5000).astimezone()},
}


@pytest.mark.parametrize("changes", VARIANTS.values(), ids=VARIANTS.keys())
def test_template_equals_generic_builder(changes: dict[str, object]) -> None:
    params = dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]
    assert assertion.response_text(params) == assertion.generic_response_text(params)


def test_template_is_used_for_the_everyday_response() -> None:
    assert assertion._success_response_text(BASE) is not None
    assert assertion._success_response_text(dataclasses.replace(BASE, name_id="a&b")) is None


def test_saml_time_matches_strftime() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert assertion.saml_time(moment) == moment.strftime("%Y-%m-%dT%H:%M:%S.") + "678Z"
