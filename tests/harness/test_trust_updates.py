"""An external SP learns a rotated IdP certificate as its ``[trust]`` says: served metadata, a command, a restart."""

from __future__ import annotations

import socket
from pathlib import Path

import requests

from saml_harness.deploy.targets import load_target
from saml_harness.deploy.wiring import Deployment, start_external_deployment
from saml_harness.scenarios.setup_ops import SETUP_OPS

COPY = (
    '["{python}", "-c", "import shutil, sys; shutil.copy(sys.argv[1], sys.argv[2])", '
    '"{idp_certificate_file}", "{target_dir}/pushed.pem"]'
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(tmp_path: Path, trust: str, launch: bool = False) -> Deployment:
    port = free_port()
    text = (
        f'name = "t"\nprofile = "saml2-sp"\nacs_url = "http://127.0.0.1:{port}/acs"\nentity_id = "e"\n'
        f'[login]\nurl = "http://127.0.0.1:{port}/login"\n[identity]\nurl = "http://127.0.0.1:{port}/me"\n'
        f"[trust]\n{trust}\n"
    )
    if launch:
        text += (
            f'[launch]\ncommand = ["{{python}}", "-m", "http.server", "--bind", "127.0.0.1", "{port}"]\n'
            f'ready_url = "http://127.0.0.1:{port}/"\n'
        )
    (tmp_path / "t.toml").write_text(text)
    return start_external_deployment(load_target(tmp_path / "t.toml"), tmp_path / "trust")


def rotate_and_upload(deployment: Deployment) -> bytes:
    SETUP_OPS["okta_rotate_key"](deployment, "")
    SETUP_OPS["sp_upload_active_certificate"](deployment, "")
    return bytes(deployment.okta.active_certificate_pem(deployment.app.id))


def test_served_metadata_changes_only_when_the_sp_is_told(tmp_path: Path) -> None:
    deployment = start(tmp_path, 'mode = "metadata_url"')
    try:
        url = deployment.trust_values["idp_metadata_url"]
        assert url.startswith(deployment.trust_server.url) if deployment.trust_server else False
        first = requests.get(url, timeout=5).text
        SETUP_OPS["okta_rotate_key"](deployment, "")
        assert requests.get(url, timeout=5).text == first  # Okta rotated; the SP was not told
        new_pem = rotate_and_upload(deployment)
        body = "".join(new_pem.decode().splitlines()[1:-1])
        assert body in requests.get(url, timeout=5).text.replace("\n", "")
        deployment.reset()
        assert requests.get(url, timeout=5).text == first
    finally:
        deployment.stop()


def test_the_trust_command_gets_the_new_certificate_and_the_old_one_after_reset(tmp_path: Path) -> None:
    deployment = start(tmp_path, f'mode = "command"\ncommand = {COPY}')
    try:
        original = bytes(deployment.okta.active_certificate_pem(deployment.app.id))
        assert not (tmp_path / "pushed.pem").exists()  # nothing runs before a change
        new_pem = rotate_and_upload(deployment)
        assert (tmp_path / "pushed.pem").read_bytes() == new_pem != original
        deployment.reset()
        assert (tmp_path / "pushed.pem").read_bytes() == original
    finally:
        deployment.stop()


def test_restart_mode_restarts_the_launched_sp(tmp_path: Path) -> None:
    deployment = start(tmp_path, 'mode = "restart"', launch=True)
    try:
        assert deployment.launched is not None
        before = deployment.launched.process.pid
        rotate_and_upload(deployment)
        assert deployment.launched.process.pid != before
        assert deployment.launched.process.poll() is None
    finally:
        deployment.stop()


def test_without_trust_the_upload_cases_skip_with_that_reason(tmp_path: Path) -> None:
    from saml_harness.scenarios.catalogue import by_id, load_catalogue
    from saml_harness.scenarios.suite import skip_reason

    scenarios = by_id(load_catalogue())
    (tmp_path / "t.toml").write_text(
        'name = "t"\nacs_url = "http://h/acs"\nentity_id = "e"\n[login]\nurl = "http://h/l"\n[identity]\nurl = "http://h/me"\n'
    )
    spec = load_target(tmp_path / "t.toml")
    reason = skip_reason(scenarios["certificate.rotated_and_uploaded"], "sp_initiated", spec)
    assert reason is not None and "no [trust] table" in reason
    assert skip_reason(scenarios["certificate.rotated_in_okta_only"], "sp_initiated", spec) is None


def test_launch_runs_in_its_cwd_with_its_env_placeholders_filled(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "sp").mkdir()
    script = (
        "import os, runpy, sys; open('env.txt', 'w').write(os.environ['SP_ISSUER']); "
        f"sys.argv = ['http.server', '--bind', '127.0.0.1', '{port}']; "
        "runpy.run_module('http.server', run_name='__main__')"
    )
    (tmp_path / "t.toml").write_text(
        f'name = "t"\nacs_url = "http://127.0.0.1:{port}/acs"\nentity_id = "e"\n[login]\nurl = "http://127.0.0.1:{port}/"\n'
        f'[identity]\nurl = "http://127.0.0.1:{port}/me"\n[launch]\ncommand = ["{{python}}", "-c", "{script}"]\n'
        f'ready_url = "http://127.0.0.1:{port}/"\ncwd = "sp"\nenv = {{ SP_ISSUER = "{{idp_issuer}}" }}\n'
    )
    deployment = start_external_deployment(load_target(tmp_path / "t.toml"), tmp_path / "trust")
    try:
        assert (tmp_path / "sp" / "env.txt").read_text() == deployment.okta.issuer(deployment.app)
    finally:
        deployment.stop()
