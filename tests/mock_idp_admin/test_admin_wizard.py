"""The App Integration Wizard: the article's Step 2 end to end, and Okta's message for each kind of bad input."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from admin_support import (
    ACS_URL,
    APP_ADMIN,
    PNG,
    SP_ENTITY_ID,
    csrf,
    sign_in,
    start_wizard,
    text,
    wizard_finish,
    wizard_general,
    wizard_saml,
)
from flask.testing import FlaskClient
from lxml import etree

from mock_idp.admin.general_form import LOGO_ERROR
from mock_idp.admin.records import MAX_LOGO_BYTES, GroupAttributeStatement
from mock_idp.admin.validation import BLANK, INVALID_URL, UNDERSCORE, UNSIGNED
from mock_idp.org import Org
from saml_xmlns import ATTRNAME_BASIC, ATTRNAME_UNSPECIFIED, NAMEID_EMAIL, NAMEID_PERSISTENT, NS


def finish_article_app(client: FlaskClient, **saml: Any) -> str:
    """Walk the whole wizard with the article's values; return the redirect after Finish."""
    draft = start_wizard(client)
    assert wizard_general(client, draft).status_code == 302
    assert wizard_saml(client, draft, **saml).status_code == 302
    response = wizard_finish(client, draft)
    assert response.status_code == 302
    return response.headers["Location"]


def test_the_article_step_2_creates_the_app_and_opens_the_sign_on_tab(admin_client: FlaskClient, org: Org) -> None:
    draft = start_wizard(admin_client)
    general = wizard_general(admin_client, draft, logo=(PNG, "justcall.png"))
    assert general.headers["Location"] == f"{draft}/saml"
    assert wizard_saml(admin_client, draft).headers["Location"] == f"{draft}/feedback"
    finish = wizard_finish(admin_client, draft)
    (app,) = org.apps()
    assert finish.headers["Location"] == f"/admin/app/{app.name}/instance/{app.id}/signon"
    assert (app.label, app.sso_url, app.audience) == ("JustCall", ACS_URL, SP_ENTITY_ID)
    assert app.recipient == app.destination == ACS_URL
    assert app.name_id_format == NAMEID_EMAIL
    assert app.application_username == "okta_username"
    assert app.issuer == f"http://www.okta.com/{app.external_key}"
    assert [(s.name, s.value, s.name_format) for s in app.attribute_statements] == [
        ("email", "user.email", ATTRNAME_UNSPECIFIED),
        ("firstName", "user.firstName", ATTRNAME_UNSPECIFIED),
        ("lastName", "user.lastName", ATTRNAME_UNSPECIFIED),
    ]
    extras = org.app_extras(app.id)
    assert extras.status == "ACTIVE"
    assert extras.logo is not None and extras.logo.mimetype == "image/png"
    assert [k.status for k in org.signing_keys(app.id)] == ["Active"]
    assert admin_client.get(f"{draft}/feedback").status_code == 404, "a finished draft is gone"


def test_the_wizard_pages_carry_the_okta_labels(admin_client: FlaskClient) -> None:
    create = text(admin_client.get("/admin/apps/create"))
    assert "Sign-in method" in create and ">SAML 2.0</label>" in create
    draft = start_wizard(admin_client)
    general = text(admin_client.get(f"{draft}/general"))
    assert ">App name</label>" in general and "App logo" in general
    wizard_general(admin_client, draft)
    page = text(admin_client.get(f"{draft}/saml"))
    for label in (
        "Single sign-on URL",
        "Use this for Recipient URL and Destination URL",
        "Recipient URL",
        "Destination URL",
        "Audience URI (SP Entity ID)",
        "Default RelayState",
        "Name ID format",
        "Application username",
        "Response",
        "Assertion Signature",
        "Signature Algorithm",
        "Digest Algorithm",
        "Honor Force Authentication",
        "SAML Issuer ID",
    ):
        assert f">{label}</label>" in page, label
    assert "<summary>Show Advanced Settings</summary>" in page
    assert "Attribute Statements (optional)" in page and "Group Attribute Statements (optional)" in page
    assert "Preview the SAML Assertion" in page
    for option in ("Unspecified", "EmailAddress", "x509SubjectName", "Persistent", "Transient"):
        assert f">{option}</option>" in page
    assert ">RSA-SHA256</option>" in page and ">RSA-SHA1</option>" in page
    assert page.count('name="attr_name"') == 3, "three attribute rows without JavaScript"
    assert 'id="use_for_recipient" name="use_for_recipient" value="1" checked' in page
    wizard_saml(admin_client, draft)
    feedback = text(admin_client.get(f"{draft}/feedback"))
    assert "I'm an Okta customer adding an internal app" in feedback and ">Finish</button>" in feedback


def test_preview_shows_the_assertion_for_the_signed_in_admin(admin_client: FlaskClient) -> None:
    draft = start_wizard(admin_client)
    wizard_general(admin_client, draft)
    response = wizard_saml(admin_client, draft, action="preview")
    assert response.status_code == 200
    match = re.search(r'<pre class="xml" id="saml-assertion-preview">(.*?)</pre>', text(response), re.S)
    assert match
    assertion = etree.fromstring(match.group(1).encode())
    assert assertion.tag == f"{{{NS['saml2']}}}Assertion"
    assert assertion.findtext("saml2:Subject/saml2:NameID", namespaces=NS) == "admin@acme.test"
    assert assertion.findtext(".//saml2:Audience", namespaces=NS) == SP_ENTITY_ID
    names = [a.get("Name") for a in assertion.iterfind(".//saml2:Attribute", NS)]
    assert names == ["email", "firstName", "lastName"]
    values = [v.text for v in assertion.iterfind(".//saml2:AttributeValue", NS)]
    assert values == ["admin@acme.test", "Okta", "Admin"]


def test_add_another_adds_an_attribute_row_and_keeps_what_was_typed(admin_client: FlaskClient) -> None:
    draft = start_wizard(admin_client)
    wizard_general(admin_client, draft)
    response = wizard_saml(admin_client, draft, action="add_attribute")
    page = text(response)
    assert response.status_code == 200
    assert page.count('name="attr_name"') == 4
    assert 'value="firstName"' in page
    assert page.count('name="group_name"') == 1
    assert text(wizard_saml(admin_client, draft, action="add_group")).count('name="group_name"') == 2


def test_previous_keeps_the_saml_settings(admin_client: FlaskClient) -> None:
    draft = start_wizard(admin_client)
    wizard_general(admin_client, draft)
    assert (
        wizard_saml(admin_client, draft, action="previous", audience="urn:kept")
        .headers["Location"]
        .endswith("/general")
    )
    assert 'value="urn:kept"' in text(admin_client.get(f"{draft}/saml"))


# (form overrides, error element id, message)
SAML_ERRORS: list[tuple[dict[str, Any], str, str]] = [
    ({"sso_url": ""}, "error-sso_url", BLANK),
    ({"sso_url": "   "}, "error-sso_url", BLANK),
    ({"sso_url": "justcall.example/acs"}, "error-sso_url", INVALID_URL),
    ({"sso_url": "ftp://justcall.example/acs"}, "error-sso_url", INVALID_URL),
    ({"sso_url": "http://"}, "error-sso_url", INVALID_URL),
    ({"sso_url": "http://host:99999/acs"}, "error-sso_url", INVALID_URL),
    ({"sso_url": "http://sp.example/a b"}, "error-sso_url", INVALID_URL),
    ({"sso_url": "https://sp.example/saml_acs"}, "error-sso_url", UNDERSCORE),
    ({"sso_url": "https://x.example/" + "a" * 1100}, "error-sso_url", "Must be 1024 characters or fewer"),
    ({"audience": ""}, "error-audience", BLANK),
    ({"use_for_recipient": None, "recipient": "", "destination": ACS_URL}, "error-recipient", BLANK),
    ({"use_for_recipient": None, "recipient": ACS_URL, "destination": "nope"}, "error-destination", INVALID_URL),
    ({"response": "Unsigned", "assertion_signature": "Unsigned"}, "error-signing", UNSIGNED),
    ({"name_id_format": "urn:forged"}, "error-name_id_format", "Select a valid option"),
    ({"signature_algorithm": "RSA_MD5"}, "error-signature_algorithm", "Select a valid option"),
    ({"digest_algorithm": "MD5"}, "error-digest_algorithm", "Select a valid option"),
    ({"application_username": "root"}, "error-application_username", "Select a valid option"),
    ({"honor_force_authn": "Maybe"}, "error-honor_force_authn", "Select a valid option"),
    ({"default_relay_state": "/home\x00"}, "error-default_relay_state", "Must not contain control characters"),
    ({"attr_value": ["", "user.firstName", "user.lastName"]}, "error-attr-0-value", BLANK),
    ({"attr_name": ["", "firstName", "lastName"]}, "error-attr-0-name", BLANK),
    ({"attr_name": ["email", "email", "lastName"]}, "error-attr-1-name", "Attribute statement names must be unique"),
    ({"attr_format": ["Forged", "Unspecified", "Unspecified"]}, "error-attr-0-format", "Select a valid option"),
    ({"group_name": ["groups"], "group_filter_value": [""]}, "error-group-0-filter_value", BLANK),
    ({"group_name": ["groups"], "group_filter": ["SQL"], "group_filter_value": ["x"]}, "error-group-0-filter", ""),
    ({"attr_name": ["a"] * 60, "attr_value": ["v"] * 60}, "error-attribute_statements", "At most 50"),
]


@pytest.mark.parametrize(("overrides", "element", "message"), SAML_ERRORS)
def test_configure_saml_rejects_bad_input_with_okta_messages(
    admin_client: FlaskClient, org: Org, overrides: dict[str, Any], element: str, message: str
) -> None:
    draft = start_wizard(admin_client)
    wizard_general(admin_client, draft)
    response = wizard_saml(admin_client, draft, **overrides)
    page = text(response)
    assert response.status_code == 400
    match = re.search(rf'id="{element}" role="alert">([^<]*)<', page)
    assert match, f"no {element} on the page"
    assert message in match.group(1)
    assert "We found some errors" in page
    token = csrf(admin_client, f"{draft}/saml")
    finish = admin_client.post(
        f"{draft}/feedback", data={"csrf_token": token, "action": "finish", "audience_type": "customer"}
    )
    assert finish.headers["Location"] == f"{draft}/saml", "Finish sends back to Configure SAML"
    assert org.apps() == []


def test_signing_errors_open_the_advanced_settings(admin_client: FlaskClient) -> None:
    draft = start_wizard(admin_client)
    wizard_general(admin_client, draft)
    page = text(wizard_saml(admin_client, draft, response="Unsigned", assertion_signature="Unsigned"))
    assert '<details id="advanced-settings" open>' in page


def test_an_invalid_preview_shows_errors_not_xml(admin_client: FlaskClient) -> None:
    draft = start_wizard(admin_client)
    wizard_general(admin_client, draft)
    response = wizard_saml(admin_client, draft, action="preview", sso_url="")
    assert response.status_code == 400
    assert "saml-assertion-preview" not in text(response)


def test_advanced_settings_recipient_and_group_statements_are_stored(admin_client: FlaskClient, org: Org) -> None:
    finish_article_app(
        admin_client,
        use_for_recipient=None,
        recipient="https://sp.example/recipient",
        destination="https://sp.example/destination",
        default_relay_state="/dashboard",
        name_id_format="Persistent",
        application_username="email",
        response="Unsigned",
        signature_algorithm="RSA_SHA1",
        digest_algorithm="SHA1",
        honor_force_authn="No",
        issuer="urn:custom:issuer",
        attr_format=["Basic", "Unspecified", "URI Reference"],
        group_name=["groups"],
        group_filter=["EQUALS"],
        group_filter_value=["Sales"],
    )
    (app,) = org.apps()
    assert (app.recipient, app.destination) == ("https://sp.example/recipient", "https://sp.example/destination")
    assert app.default_relay_state == "/dashboard"
    assert app.name_id_format == NAMEID_PERSISTENT
    assert app.application_username == "email"
    assert (app.response_signed, app.assertion_signed) == (False, True)
    assert (app.signature_algorithm, app.digest_algorithm, app.honor_force_authn) == ("RSA_SHA1", "SHA1", False)
    assert app.issuer == "urn:custom:issuer"
    assert app.attribute_statements[0].name_format == ATTRNAME_BASIC
    assert org.app_extras(app.id).group_attribute_statements == (
        GroupAttributeStatement("groups", ATTRNAME_UNSPECIFIED, "EQUALS", "Sales"),
    )


@pytest.mark.parametrize(
    ("label", "logo", "element", "message"),
    [
        ("", None, "error-label", BLANK),
        ("x" * 101, None, "error-label", "Must be 100 characters or fewer"),
        ("JustCall", (b"%PDF-1.4 not an image", "logo.png"), "error-logo", LOGO_ERROR),
        ("JustCall", (PNG + b"\0" * MAX_LOGO_BYTES, "big.png"), "error-logo", LOGO_ERROR),
    ],
)
def test_general_settings_reject_a_missing_name_and_bad_logos(
    admin_client: FlaskClient, label: str, logo: tuple[bytes, str] | None, element: str, message: str
) -> None:
    draft = start_wizard(admin_client)
    response = wizard_general(admin_client, draft, label=label, logo=logo)
    assert response.status_code == 400
    assert re.search(rf'id="{element}" role="alert">{re.escape(message)}<', text(response))
    assert admin_client.get(f"{draft}/saml").status_code == 302, "Configure SAML needs an App name first"


def test_a_logo_far_over_the_limit_is_a_4xx_not_a_500(admin_client: FlaskClient) -> None:
    draft = start_wizard(admin_client)
    response = wizard_general(admin_client, draft, logo=(PNG + b"\0" * (6 * 1024 * 1024), "huge.png"))
    assert response.status_code == 413
    assert admin_client.get(f"{draft}/saml").status_code == 302, "nothing was saved"


def test_only_saml_can_be_chosen(admin_client: FlaskClient) -> None:
    token = csrf(admin_client, "/admin/apps/create")
    response = admin_client.post("/admin/apps/create", data={"csrf_token": token, "sign_in_method": "OIDC"})
    assert response.status_code == 400
    assert "Select SAML 2.0" in text(response)


def test_finish_needs_a_feedback_choice_and_a_vendor_may_finish_too(admin_client: FlaskClient, org: Org) -> None:
    draft = start_wizard(admin_client)
    wizard_general(admin_client, draft)
    wizard_saml(admin_client, draft)
    response = wizard_finish(admin_client, draft, choice=None)
    assert response.status_code == 400
    assert 'id="error-audience_type" role="alert">Select an option<' in text(response)
    assert org.apps() == []
    assert wizard_finish(admin_client, draft, choice="vendor").status_code == 302
    assert len(org.apps()) == 1


def test_cancel_drops_the_draft(admin_client: FlaskClient, org: Org) -> None:
    draft = start_wizard(admin_client)
    response = wizard_general(admin_client, draft, action="cancel")
    assert response.headers["Location"] == "/admin/apps/active"
    assert admin_client.get(f"{draft}/general").status_code == 404


def test_a_draft_belongs_to_the_admin_who_started_it(
    admin_client: FlaskClient, make_client: Callable[[], FlaskClient]
) -> None:
    draft = start_wizard(admin_client)
    other = make_client()
    sign_in(other, APP_ADMIN)
    assert other.get(f"{draft}/general").status_code == 404


def test_unknown_drafts_are_404(admin_client: FlaskClient) -> None:
    assert admin_client.get("/admin/apps/saml-wizard/nope/saml").status_code == 404


def test_skipping_ahead_goes_back_to_the_missing_step(admin_client: FlaskClient) -> None:
    draft = start_wizard(admin_client)
    assert admin_client.get(f"{draft}/saml").headers["Location"] == f"{draft}/general"
    wizard_general(admin_client, draft)
    assert admin_client.get(f"{draft}/feedback").headers["Location"] == f"{draft}/saml"


def test_two_apps_with_one_label_get_numbered_names(admin_client: FlaskClient, org: Org) -> None:
    finish_article_app(admin_client)
    finish_article_app(admin_client)
    assert sorted(a.name for a in org.apps()) == ["acme_justcall_1", "acme_justcall_2"]
