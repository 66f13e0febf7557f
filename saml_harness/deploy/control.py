"""Let tools outside the process choose the scenario of a user's next login, over loopback HTTP.

``POST /next-login`` with ``{"scenario": ID, "user": EMAIL}`` and ``Authorization: Bearer TOKEN``
prepares the deployment as the scenario says and arms the mock IdP, so that user's next login in
either flow carries the fault; the answer says whether the scenario's setup steps change the deployment for
everyone (``changes_deployment``, ``note``). ``GET /state`` lists such changes, ``POST /reset`` undoes them.
The server binds to loopback only.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import asdict, dataclass
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from saml_harness.deploy.wiring import Deployment
from saml_harness.scenarios.catalogue import Scenario, by_id, load_catalogue
from saml_harness.scenarios.runner import arm_scenario

MAX_BODY = 16 * 1024


UNTIL_RESET = (
    "this scenario's setup steps ({steps}) change the deployment for every person and every later sign-in "
    "until it is reset: POST /reset here, or 'Reset the demo' on the Okta sign-in page"
)
BY_HAND = (
    "; its agent steps ({steps}) change the request in transit, which a browser does not do: only the protocol "
    "suite runs them"
)


@dataclass(frozen=True)
class Choice:
    """One scenario as the sign-in page's chooser shows it."""

    id: str
    title: str
    expected: str
    troubleshooting: str
    setup: str
    """The setup steps in one line ("" when the scenario only shapes the next response)."""

    @property
    def search(self) -> str:
        """The lower-cased words the chooser's search matches."""
        return " ".join((self.id, self.title, self.expected, self.troubleshooting)).lower()


def choice(scenario: Scenario) -> Choice:
    shown = scenario.sp_error or scenario.idp_error
    expected = {"accept": "signed in", "reject": "refused by the SP", "idp_error": "refused by Okta"}.get(
        scenario.expect, scenario.expect
    ) + (f": {shown}" if shown else "")
    setup = ", ".join(op.name for op in scenario.setup)
    return Choice(scenario.id, scenario.title, expected, scenario.troubleshooting or "", setup)


@dataclass
class Armed:
    """What arming did: the answer the control API gives and the notice the sign-in page shows."""

    scenario: str
    user: str
    changes_deployment: bool
    note: str


class ScenarioPicker:
    """Offer the catalogue on the IdP sign-in page in serve mode, and remember what changed the deployment.

    The IdP and the control API share one picker, so a scenario armed either way shows on the page until reset.
    """

    def __init__(self, deployment: Deployment, catalogue: list[Scenario] | None = None) -> None:
        self.deployment = deployment
        self.scenarios = by_id(catalogue if catalogue is not None else load_catalogue())
        self.changed_by: list[Armed] = []
        """Scenarios armed since the last reset whose setup steps changed the deployment."""
        self._lock = threading.Lock()

    def choices(self) -> list[tuple[str, str]]:
        return [(s.id, s.title) for s in self.scenarios.values()]

    def groups(self) -> list[tuple[str, list[Choice]]]:
        """Return the chooser's groups: scenarios by the first part of their id, in catalogue order."""
        grouped: dict[str, list[Choice]] = {}
        for scenario in self.scenarios.values():
            grouped.setdefault(scenario.id.split(".")[0], []).append(choice(scenario))
        return list(grouped.items())

    def arm(self, email: str, scenario_id: str) -> Armed:
        """Arm ``scenario_id`` for ``email``'s next response; unknown ids raise KeyError."""
        scenario = self.scenarios[scenario_id]
        steps = ", ".join(op.name for op in scenario.setup)
        with self._lock:
            arm_scenario(self.deployment, scenario, email)
            note = UNTIL_RESET.format(steps=steps) if steps else "only this user's next sign-in carries the fault"
            if scenario.agent:
                note += BY_HAND.format(steps=", ".join(op.name for op in scenario.agent))
            armed = Armed(scenario.id, email, bool(steps), note)
            if armed.changes_deployment:
                self.changed_by.append(armed)
        return armed

    def reset(self) -> None:
        """Restore the deployment as serve started it (keys, settings, sessions) and forget what changed it."""
        with self._lock:
            self.deployment.reset()
            self.changed_by.clear()


def create_control_app(
    deployment: Deployment, token: str, catalogue: list[Scenario] | None = None, picker: ScenarioPicker | None = None
) -> Flask:
    """Build the control API for ``deployment``, guarded by the bearer ``token`` (sharing ``picker``'s state)."""
    app = Flask("saml_harness.deploy.control")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    picker = picker or ScenarioPicker(deployment, catalogue)
    scenarios = picker.scenarios
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
        armed = picker.arm(people[email.lower()].email, scenario.id)
        return jsonify(asdict(armed) | {"user": email, "flows": list(scenario.flows), "expect": scenario.expect})

    @app.post("/reset")
    def reset() -> Any:
        picker.reset()
        return jsonify(reset=True)

    @app.get("/state")
    def state() -> Any:
        """Say whether an armed scenario changed the deployment (and so every sign-in) since the last reset."""
        return jsonify(changed_by=[asdict(a) for a in picker.changed_by])

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        return jsonify(error=exc.description), exc.code

    return app
