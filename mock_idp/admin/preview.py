"""Render "Preview the SAML Assertion": the Assertion Okta would send for the signed-in admin (pure)."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from mock_idp.assertion import build_assertion, truncate_ms
from mock_idp.faults import DEFAULT_PLAN
from mock_idp.ids import IdFactory
from mock_idp.model import SamlApp, User
from mock_idp.pipeline import Login, response_params


def preview_assertion(app: SamlApp, user: User, now: datetime) -> str:
    """Return the unsigned Assertion for ``user`` (the pipeline's own builder), pretty-printed for reading.

    Fresh ids come from a throwaway factory so a preview never moves the org's seeded id sequence.
    """
    moment = truncate_ms(now)
    params = response_params(Login(app=app, user=user, auth_time=moment), moment, IdFactory(), DEFAULT_PLAN)
    return etree.tostring(build_assertion(params), pretty_print=True, encoding="unicode")
