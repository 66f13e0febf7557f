"""Whatever JSON arrives at the app endpoints, the answer is Okta's 200/400 and a failed request writes nothing."""

from __future__ import annotations

import json
from typing import Any

from admin_support import saml_app_body
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_idp.org import Org

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
SIGN_ON_KEYS = st.sampled_from(
    ["ssoAcsUrl", "audience", "recipient", "responseSigned", "assertionSigned", "attributeStatements", "idpIssuer"]
)


def _mutated(key: str, value: Any) -> dict[str, Any]:
    body = saml_app_body()
    body["settings"]["signOn"][key] = value
    return body


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON | st.builds(_mutated, SIGN_ON_KEYS, JSON))
def test_any_json_body_is_200_or_an_okta_400(app: Flask, org: Org, token: str, body: Any) -> None:
    before = len(org.apps())
    with app.test_client() as client:
        response = client.post(
            "/api/v1/apps",
            data=json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"SSWS {token}"},
        )
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    error = response.get_json()
    if response.status_code == 400:
        assert error["errorCode"] in ("E0000001", "E0000003")
        assert len(org.apps()) == before
    else:
        assert len(org.apps()) == before + 1
