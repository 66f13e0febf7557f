"""A stored IdP identity gives the same issuer, SSO URL path and certificate on every run; its key stays secret."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from saml_harness.agent.flows import sp_initiated
from saml_harness.agent.user_agent import UserAgent
from saml_harness.cli.main import main
from saml_harness.cli.serve import describe
from saml_harness.deploy.idp_state import KEY_ENV, KEY_FILE, IdpStateError, init_identity, load_identity
from saml_harness.deploy.wiring import start_deployment
from saml_harness.report.records import case_record


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("idp") / "state"
    answer = CliRunner().invoke(main, ["idp", "init", str(folder), "--org-name", "globex", "--with-next-key"])
    assert answer.exit_code == 0, answer.output
    return folder


def test_idp_init_writes_the_keys_owner_only_and_git_ignored(state: Path) -> None:
    for name in (KEY_FILE, "next-signing-key.pem"):
        assert stat.S_IMODE((state / name).stat().st_mode) == 0o600
        assert name in (state / ".gitignore").read_text().split()
    identity = load_identity(state)
    assert identity.org_name == "globex" and identity.issuer == f"http://www.okta.com/{identity.external_key}"
    assert identity.next_credential is not None
    assert identity.next_credential.cert_pem != identity.credential.cert_pem


def test_idp_init_refuses_to_overwrite(state: Path, tmp_path: Path) -> None:
    answer = CliRunner().invoke(main, ["idp", "init", str(state)])
    assert answer.exit_code == 2 and "written once" in answer.output
    (tmp_path / KEY_FILE).write_text("a key from elsewhere")
    answer = CliRunner().invoke(main, ["idp", "init", str(tmp_path)])
    assert answer.exit_code == 2 and f"{KEY_FILE} exists" in answer.output
    assert (tmp_path / KEY_FILE).read_text() == "a key from elsewhere"


def test_serve_and_repro_with_a_bad_state_folder_are_usage_errors(tmp_path: Path) -> None:
    for command in (["serve", "--idp-state", str(tmp_path)], ["repro", "baseline.valid", "--idp-state", str(tmp_path)]):
        answer = CliRunner().invoke(main, command)
        assert answer.exit_code == 2 and "identity.toml" in answer.output, answer.output


def test_a_key_readable_by_others_or_missing_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "s"
    init_identity(folder)
    (folder / KEY_FILE).chmod(0o644)
    with pytest.raises(IdpStateError, match="chmod 600"):
        load_identity(folder)
    pem = (folder / KEY_FILE).read_text()
    (folder / KEY_FILE).unlink()
    with pytest.raises(IdpStateError, match="is missing"):
        load_identity(folder)
    monkeypatch.setenv(KEY_ENV[KEY_FILE], pem)  # how CI passes the secret without a file
    assert load_identity(folder).credential.cert_pem == (folder / "signing-certificate.pem").read_bytes()


def test_two_deployments_from_one_state_have_the_same_issuer_sso_path_and_certificate(
    state: Path, tmp_path: Path
) -> None:
    seen = []
    for run in range(2):
        deployment = start_deployment(f"sqlite:///{tmp_path / f'{run}.sqlite3'}", identity=load_identity(state))
        try:
            okta, app = deployment.okta, deployment.app
            outcome = sp_initiated(UserAgent(), deployment.target, deployment.credentials("assigned"))
            assert outcome.accepted, outcome.explain()
            # Okta ids of one org share a tail: the org's people and groups end like the stored app's ids.
            ids = [app.external_key, app.link_id, okta.org_id, *(u.id for u in okta.users())]
            assert all(i.endswith(app.id[-3:]) for i in ids), ids
            seen.append((okta.issuer(app), urlsplit(okta.sso_url(app)).path, okta.active_certificate_pem(app.id)))
        finally:
            deployment.stop()
    assert seen[0] == seen[1]
    assert seen[0][2] == (state / "signing-certificate.pem").read_bytes()


def test_the_private_key_never_reaches_a_trace_report_or_serve_description(state: Path, tmp_path: Path) -> None:
    identity = load_identity(state)
    secrets = []
    for credential in (identity.credential, identity.next_credential):
        assert credential is not None
        pem = credential.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        secrets += [line for line in pem.splitlines() if "PRIVATE KEY" not in line][:3]
    deployment = start_deployment(f"sqlite:///{tmp_path / 'sp.sqlite3'}", identity=identity)
    try:
        outcome = sp_initiated(UserAgent(), deployment.target, deployment.credentials("assigned"))
        written = json.dumps(case_record(outcome), default=str) + json.dumps(describe(deployment))
    finally:
        deployment.stop()
    assert outcome.accepted
    assert all(line not in written for line in secrets)
