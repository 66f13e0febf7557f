"""Each stranger (python3-saml, pysaml2, node-saml), started from its command line as its target file starts it.

The same promises for all three, so a target run judges the library and not a broken SP around it: the ready
line, a real sign-in both ways, the library's own error text on a refusal, a replay cache, and trust read from the
IdP's metadata URL at each login (a key rotated in Okta takes effect without a restart).
"""

from __future__ import annotations

import select
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from stranger_support import EMAIL, PASSWORD, Okta, posted_saml_response

from mock_idp.faults import FaultPlan, Op
from saml_harness.agent.flows import Credentials, IdpSide, Target, idp_initiated, sp_initiated
from saml_harness.agent.user_agent import UserAgent

STRANGERS = Path(__file__).resolve().parents[1] / "strangers"
READY_TIMEOUT = 30.0


def python3_saml_command() -> list[str]:
    return [sys.executable, str(STRANGERS / "python3_saml")]


def pysaml2_command() -> list[str]:
    python = STRANGERS / "pysaml2" / ".venv" / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no {python}: build it with `nox -s stranger_pysaml2` (or uv venv + requirements.txt)")
    if shutil.which("xmlsec1") is None:
        pytest.skip("pysaml2 needs the xmlsec1 program (apt-get install xmlsec1)")
    return [str(python), str(STRANGERS / "pysaml2")]


def node_saml_command() -> list[str]:
    folder = STRANGERS / "node_saml"
    node = shutil.which("node")
    if node is None or not (folder / "node_modules" / "@node-saml" / "node-saml").exists():
        pytest.skip(f"needs node and `npm ci --prefix {folder}`")
    return [node, str(folder / "server.js")]


COMMANDS = {"python3-saml": python3_saml_command, "pysaml2": pysaml2_command, "node-saml": node_saml_command}


@dataclass
class Running:
    """A stranger process on a free port, the Okta app pointing at it, and how the flows reach it."""

    url: str
    app: Any
    okta: Okta

    @property
    def target(self) -> Target:
        return Target(
            name="stranger",
            sp_url=self.url,
            acs_url=f"{self.url}/acs",
            entity_id=f"{self.url}/metadata",
            sso_start_url=f"{self.url}/login",
            me_url=f"{self.url}/whoami",
        )

    @property
    def idp(self) -> IdpSide:
        org = self.okta.org
        return IdpSide(self.okta.url, org.dashboard_url(), self.app.label, org.embed_link(self.app.id))


@contextmanager
def running(command: list[str], okta: Okta, label: str, log: Path) -> Iterator[Running]:
    """Start the stranger on port 0 reading the app's metadata URL, wire the app to it, SIGTERM it afterwards."""
    app = okta.create_app(label, "http://127.0.0.1:1/acs", "http://127.0.0.1:1/metadata")
    metadata_url = okta.org.metadata_url(app)
    argv = [*command, "--host", "127.0.0.1", "--port", "0", "--idp-metadata-url", metadata_url, "--allow-unsolicited"]
    with log.open("w") as stderr, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, text=True) as process:
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], READY_TIMEOUT)
            assert ready, f"no ready line within {READY_TIMEOUT}s:\n{log.read_text()}"
            line = process.stdout.readline().strip()
            assert line.startswith("ready http://127.0.0.1:"), f"{line!r}\n{log.read_text()}"
            url = line.removeprefix("ready ")
            acs = f"{url}/acs"
            app = okta.org.update_saml_app(
                app.id, sso_url=acs, recipient=acs, destination=acs, audience=f"{url}/metadata"
            )
            yield Running(url, app, okta)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@pytest.fixture(scope="module", params=list(COMMANDS))
def stranger(request: pytest.FixtureRequest, okta: Okta, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Scope: module. One stranger process per library (its tests run together; the key rotation test last)."""
    command = COMMANDS[request.param]()
    log = tmp_path_factory.mktemp(request.param) / "sp.log"
    with running(command, okta, f"Stranger {request.param}", log) as live:
        yield live


CREDENTIALS = Credentials(EMAIL, PASSWORD)


def test_health_answers_while_running(stranger: Running) -> None:
    answer = requests.get(f"{stranger.url}/health", timeout=5)
    assert (answer.status_code, answer.text) == (200, "ok")


def test_signs_in_both_ways_and_answers_who_am_i(stranger: Running) -> None:
    """Without a working happy path every refusal in a target run would prove nothing."""
    ua = UserAgent()
    outcome = sp_initiated(ua, stranger.target, CREDENTIALS, next_path="/whoami")
    assert outcome.accepted and outcome.identity == EMAIL, ua.trace.render()
    assert outcome.final_url == f"{stranger.url}/whoami"
    other = UserAgent()
    assert idp_initiated(other, stranger.target, stranger.idp, CREDENTIALS).identity == EMAIL, other.trace.render()
    assert other.request("POST", f"{stranger.url}/logout", {}).status in (302, 303)
    assert other.request("GET", f"{stranger.url}/whoami").status == 401


def test_refusal_shows_the_library_error_and_signs_nobody_in(stranger: Running) -> None:
    """A wrong Audience: refused with 403, the error element present, its detail the library's words."""
    stranger.okta.org.set_next_login_plan(
        EMAIL, FaultPlan(pre_sign=(Op("set_audience", {"value": "https://other.example/sp"}),))
    )
    ua = UserAgent()
    outcome = sp_initiated(ua, stranger.target, CREDENTIALS)
    assert not outcome.accepted, ua.trace.render()
    assert outcome.final_status == 403
    assert outcome.sp_error == "SSO failed"
    assert "audience" in (outcome.sp_error_detail or "").lower(), outcome.sp_error_detail


def test_replayed_response_is_refused(stranger: Running) -> None:
    """The same captured response posted again from another browser must not open a second session."""
    ua = UserAgent()
    assert idp_initiated(ua, stranger.target, stranger.idp, CREDENTIALS).accepted, ua.trace.render()
    saml_response, _ = posted_saml_response(ua, f"{stranger.url}/acs")
    attacker = UserAgent()
    page = attacker.request("POST", f"{stranger.url}/acs", {"SAMLResponse": saml_response})
    assert page.status == 403
    assert "replay" in (page.find_text("sso-error-detail") or ""), page.text[:500]
    assert attacker.request("GET", f"{stranger.url}/whoami").status == 401


def test_key_rotated_in_okta_takes_effect_at_the_next_login(stranger: Running) -> None:
    """The SP reads the metadata URL at each login, so a new active certificate is trusted without a restart.

    Last of the tests sharing this stranger: it leaves the app on the new key.
    """
    org = stranger.okta.org
    old_certificate = org.active_certificate_pem(stranger.app.id)
    key = org.generate_key(stranger.app.id)
    org.activate_key(stranger.app.id, key.kid)
    assert org.active_certificate_pem(stranger.app.id) != old_certificate
    ua = UserAgent()
    outcome = sp_initiated(ua, stranger.target, CREDENTIALS)
    assert outcome.accepted and outcome.identity == EMAIL, ua.trace.render()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_unreachable_metadata_url_is_a_usage_error(name: str) -> None:
    """A wrong --idp-metadata-url must stop the SP at start (exit 2), not fail every login later."""
    command = COMMANDS[name]()
    done = subprocess.run(
        [*command, "--port", "0", "--idp-metadata-url", "http://127.0.0.1:9/metadata"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "127.0.0.1:9" in done.stderr
    assert "ready" not in done.stdout
