"""Let tools outside the process choose the scenario of a user's next login, over loopback HTTP.

``POST /next-login`` with ``{"scenario": ID, "user": EMAIL}`` and ``Authorization: Bearer TOKEN``
prepares the deployment as the scenario says and arms the mock IdP, so that user's next login in
either flow carries the fault. The server binds to loopback only.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from saml_harness.deploy.wiring import Deployment
from saml_harness.scenarios.catalogue import Scenario, by_id, load_catalogue
from saml_harness.scenarios.runner import arm_scenario

MAX_BODY = 16 * 1024


class ScenarioPicker:
    """Offer the catalogue on the IdP sign-in page in serve mode, for people testing by hand."""

    def __init__(self, deployment: Deployment, catalogue: list[Scenario] | None = None) -> None:
        self.deployment = deployment
        self.scenarios = by_id(catalogue if catalogue is not None else load_catalogue())

    def choices(self) -> list[tuple[str, str]]:
        return [(s.id, s.title) for s in self.scenarios.values()]

    def arm(self, email: str, scenario_id: str) -> None:
        """Arm ``scenario_id`` for ``email``'s next response; unknown ids raise KeyError."""
        arm_scenario(self.deployment, self.scenarios[scenario_id], email)


def create_control_app(deployment: Deployment, token: str, catalogue: list[Scenario] | None = None) -> Flask:
    """Build the control API for ``deployment``, guarded by the bearer ``token``."""
    app = Flask("saml_harness.deploy.control")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    scenarios = by_id(catalogue if catalogue is not None else load_catalogue())
    people = {p.email.lower(): p for p in deployment.demo.people}

    def authorized() -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        return scheme == "Bearer" and hmac.compare_digest(given.encode(), token.encode())

    @app.before_request
    def require_token() -> Any:
        if not authorized():
            return jsonify(error="missing or wrong bearer token"), 401
        return None

    @app.get("/scenarios")
    def list_scenarios() -> Any:
        return jsonify([s.as_json() for s in scenarios.values()])

    @app.post("/next-login")
    def next_login() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify(error='send JSON: {"scenario": ID, "user": EMAIL}'), 400
        scenario_id, email = body.get("scenario"), body.get("user")
        if not isinstance(scenario_id, str) or not isinstance(email, str):
            return jsonify(error='"scenario" and "user" must be strings'), 400
        scenario = scenarios.get(scenario_id)
        if scenario is None:
            return jsonify(error=f"unknown scenario {scenario_id!r}"), 404
        if email.lower() not in people:
            return jsonify(error=f"unknown user {email!r}"), 404
        arm_scenario(deployment, scenario, people[email.lower()].email)
        return jsonify(scenario=scenario.id, user=email, flows=list(scenario.flows), expect=scenario.expect)

    @app.post("/reset")
    def reset() -> Any:
        deployment.reset()
        return jsonify(reset=True)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        return jsonify(error=exc.description), exc.code

    return app
