"""Okta's advanced SAML settings end to end over real HTTP: encrypted assertions and roles from Okta groups."""

from __future__ import annotations

import pytest
from lxml import etree

from saml_harness.agent.flows import FLOWS, run_flow
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment, encrypt_assertions
from saml_harness.scenarios.setup_ops import okta_add_user_to_group, okta_group_statement, sp_map_group_role
from saml_xmlns import NS

pytestmark = [pytest.mark.usefixtures("deployment"), pytest.mark.bundled_only]


def _role(ua: UserAgent, deployment: Deployment) -> str:
    page = ua.get(f"{deployment.sp_url}/api/me")
    assert page.status == 200, page.text
    body = page.json()
    assert isinstance(body, dict)
    return str(body["role"])


@pytest.mark.parametrize("flow", FLOWS)
def test_an_encrypted_assertion_crosses_the_wire_and_signs_the_user_in(
    flow: str, deployment: Deployment, user_agent: UserAgent
) -> None:
    encrypt_assertions(deployment, algorithm="AES256_GCM")
    person = deployment.demo.person("assigned")
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert outcome.accepted, outcome.explain()
    assert outcome.identity == person.email
    captured = outcome.trace.last_response
    assert captured is not None and captured.xml is not None
    root = etree.fromstring(captured.xml)
    assert root.xpath("saml2:EncryptedAssertion/xenc:EncryptedData", namespaces=NS)
    assert not root.xpath("//saml2:Assertion", namespaces=NS)
    assert person.email.encode() not in captured.xml


@pytest.mark.parametrize("flow", FLOWS)
def test_okta_groups_give_the_mapped_role_at_first_login(
    flow: str, deployment: Deployment, user_agent: UserAgent
) -> None:
    person = deployment.demo.person("assigned")
    okta_add_user_to_group(deployment, person.email, group="JustCall Admins")
    okta_group_statement(deployment, person.email, name="groups", filter_type="STARTS_WITH", filter_value="JustCall")
    sp_map_group_role(deployment, person.email, group="JustCall Admins", role="Admin")
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert outcome.accepted, outcome.explain()
    assert _role(user_agent, deployment) == "Admin"
    captured = outcome.trace.last_response
    assert captured is not None and captured.xml is not None
    values = etree.fromstring(captured.xml).xpath(
        "//saml2:Attribute[@Name='groups']/saml2:AttributeValue/text()", namespaces=NS
    )
    assert values == ["JustCall Admins"]  # Everyone does not pass the filter


def test_a_filter_that_matches_nothing_sends_no_groups_and_gives_the_default_role(
    deployment: Deployment, user_agent: UserAgent
) -> None:
    person = deployment.demo.person("assigned")
    okta_group_statement(deployment, person.email, name="groups", filter_type="EQUALS", filter_value="JustCall Admins")
    sp_map_group_role(deployment, person.email, group="JustCall Admins", role="Admin")
    outcome = run_flow(FLOWS[0], user_agent, deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert outcome.accepted, outcome.explain()
    assert _role(user_agent, deployment) == deployment.demo.default_role
    captured = outcome.trace.last_response
    assert captured is not None and captured.xml is not None
    assert not etree.fromstring(captured.xml).xpath("//saml2:Attribute[@Name='groups']", namespaces=NS)
