"""Start the stranger SP exactly as the harness's target mechanism will: ``python tests/strangers/python3_saml ...``."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from stranger_support import EMAIL, PASSWORD, STRANGER_DIR, Okta

from saml_harness.agent.flows import Credentials, IdpSide, Target, idp_initiated
from saml_harness.agent.user_agent import UserAgent

READY_TIMEOUT = 20.0


@contextmanager
def running_sp(metadata: Path, log: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start the SP on a free port, wait for its ready line, and SIGTERM it afterwards."""
    command = [sys.executable, str(STRANGER_DIR), "--host", "127.0.0.1", "--port", "0", "--idp-metadata", str(metadata)]
    with (
        log.open("w") as stderr,
        subprocess.Popen([*command, *extra], stdout=subprocess.PIPE, stderr=stderr, text=True) as process,
    ):
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], READY_TIMEOUT)
            assert ready, f"no ready line within {READY_TIMEOUT}s:\n{log.read_text()}"
            line = process.stdout.readline().strip()
            assert line.startswith("ready http://127.0.0.1:"), f"{line!r}\n{log.read_text()}"
            yield process, line.removeprefix("ready ")
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)


def test_cli_prints_ready_serves_and_stops_on_sigterm(okta: Okta, tmp_path: Path) -> None:
    """The ready line must name a URL that answers, and SIGTERM must end the process cleanly."""
    app = okta.create_app("Stranger CLI health", "http://127.0.0.1:1/acs", "http://127.0.0.1:1/metadata")
    metadata = tmp_path / "idp.xml"
    metadata.write_bytes(okta.metadata(app))
    with running_sp(metadata, tmp_path / "sp.log") as (process, url):
        answer = requests.get(f"{url}/health", timeout=5)
        assert (answer.status_code, answer.text) == (200, "ok")
        entity = requests.get(f"{url}/metadata", timeout=5)
        assert f'entityID="{url}/metadata"' in entity.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/health", timeout=2)


@pytest.mark.parametrize("content", [None, b"<not-metadata/>"], ids=["missing", "not-metadata"])
def test_cli_refuses_unusable_metadata_at_start(tmp_path: Path, content: bytes | None) -> None:
    """A wrong --idp-metadata must fail fast (exit 2, reason on stderr) instead of failing every login later."""
    metadata = tmp_path / "idp.xml"
    if content is not None:
        metadata.write_bytes(content)
    done = subprocess.run(
        [sys.executable, str(STRANGER_DIR), "--port", "0", "--idp-metadata", str(metadata)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "--idp-metadata" in done.stderr
    assert "ready" not in done.stdout


@pytest.mark.parametrize("allow", [True, False], ids=["allow-unsolicited", "default"])
def test_cli_allow_unsolicited_flag_controls_idp_initiated(okta: Okta, tmp_path: Path, allow: bool) -> None:
    """The flag, not just the in-process attribute, must decide whether the Okta tile signs the user in."""
    label = f"Stranger CLI {'open' if allow else 'closed'}"
    app = okta.create_app(label, "http://127.0.0.1:1/acs", "http://127.0.0.1:1/metadata")
    metadata = tmp_path / "idp.xml"
    metadata.write_bytes(okta.metadata(app))
    extra = ("--allow-unsolicited",) if allow else ()
    with running_sp(metadata, tmp_path / "sp.log", *extra) as (_, url):
        acs = f"{url}/acs"
        app = okta.org.update_saml_app(app.id, sso_url=acs, recipient=acs, destination=acs, audience=f"{url}/metadata")
        target = Target(
            name="stranger-cli",
            sp_url=url,
            acs_url=acs,
            entity_id=f"{url}/metadata",
            sso_start_url=f"{url}/login",
            me_url=f"{url}/whoami",
        )
        idp = IdpSide(okta.url, okta.org.dashboard_url(), app.label, okta.org.embed_link(app.id))
        ua = UserAgent()
        outcome = idp_initiated(ua, target, idp, Credentials(EMAIL, PASSWORD))
    assert outcome.accepted is allow, ua.trace.render()
    if not allow:
        assert "unsolicited" in (outcome.sp_error_detail or "")
