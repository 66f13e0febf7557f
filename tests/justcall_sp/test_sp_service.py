"""The in-process facade the harness uses: accounts, domains, users, SSO configuration, activity, reset."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sp_helpers import ACS_URL, ENTITY_ID, IDP_ISSUER, IDP_SSO_URL, OWNER, SLUG, FakeIdp, post_acs
from sp_test_idp import KeyPair

from justcall_sp import create_app
from justcall_sp.db import default_database_url
from justcall_sp.service import JustCall, SaveResult, UnknownAccount


def test_create_account_and_users(jc: JustCall) -> None:
    account = jc.create_account("initech", "Initech", plan="standard")
    assert (account.slug, account.name, account.plan, account.has_sso_plan) == ("initech", "Initech", "standard", False)
    jc.add_domain("initech", "Initech.Example", verified=False)
    assert [(d.domain, d.verified) for d in jc.domains("initech")] == [("initech.example", False)]
    user = jc.add_user("initech", "Bill@Initech.example", "Bill", "L", "Admin", password="pw")
    assert user.role == "Admin" and user.has_password and user.is_admin and not user.is_owner
    assert jc.get_user("bill@initech.EXAMPLE") == user


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda jc: jc.create_account("acme", "Again"), "already exists"),
        (lambda jc: jc.create_account("Bad Slug", "x"), "slug"),
        (lambda jc: jc.create_account("ok", "x", plan="gold"), "plan"),
        (lambda jc: jc.add_user(SLUG, OWNER.upper(), "a", "b", "Agent"), "already exists"),
        (lambda jc: jc.add_user(SLUG, "x@acme.example", "a", "b", "Janitor"), "role"),
        (lambda jc: jc.add_domain("globex", "acme.example"), "another account"),
        (lambda jc: jc.add_domain(SLUG, "not a domain"), "domain"),
    ],
)
def test_facade_refuses_bad_input(accounts: JustCall, call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(accounts)  # type: ignore[operator]


def test_unknown_account_raises(jc: JustCall) -> None:
    with pytest.raises(UnknownAccount):
        jc.enable_sso("ghost")


def test_sso_urls(accounts: JustCall) -> None:
    assert accounts.sso_urls(SLUG) == (ACS_URL, ENTITY_ID)


def test_public_url_is_read_when_used(app: Flask, accounts: JustCall) -> None:
    app.config["PUBLIC_URL"] = "http://127.0.0.1:4567/"
    assert accounts.sso_urls(SLUG) == (
        "http://127.0.0.1:4567/sso/saml/acme/acs",
        "http://127.0.0.1:4567/sso/saml/acme",
    )


def test_configure_sso_reports_errors_and_keeps_the_old_values(accounts: JustCall, idp_keys: KeyPair) -> None:
    before = accounts.sso_settings(SLUG)
    result = accounts.configure_sso(SLUG, idp_sso_url="not a url", idp_issuer="", certificate=b"garbage")
    assert isinstance(result, SaveResult) and not result.ok
    assert len(result.errors) == 3
    assert accounts.sso_settings(SLUG) == before
    assert accounts.pinned_certificate(SLUG) == idp_keys.cert_der


def test_configure_sso_accepts_pem_der_and_bare_base64(accounts: JustCall, other_keys: KeyPair) -> None:
    import base64

    for blob in (other_keys.cert_pem, other_keys.cert_der, base64.b64encode(other_keys.cert_der)):
        result = accounts.configure_sso(SLUG, idp_sso_url=IDP_SSO_URL, idp_issuer=IDP_ISSUER, certificate=blob)
        assert result.ok and not result.warnings
        assert accounts.pinned_certificate(SLUG) == other_keys.cert_der


def test_configure_sso_warns_about_an_expired_certificate(accounts: JustCall, expired_keys: KeyPair) -> None:
    result = accounts.configure_sso(
        SLUG, idp_sso_url=IDP_SSO_URL, idp_issuer=IDP_ISSUER, certificate=expired_keys.cert_pem
    )
    assert result.ok and len(result.warnings) == 1 and "expired" in result.warnings[0]
    settings = accounts.sso_settings(SLUG)
    assert settings.certificate is not None and settings.configured


def test_activity_filters(accounts: JustCall, app: Flask, fake_idp: FakeIdp) -> None:
    client = app.test_client()
    post_acs(client, fake_idp.response())
    post_acs(client, fake_idp.response(), slug="globex")
    assert len(accounts.activity()) == 2
    mine = accounts.activity(SLUG)
    assert len(mine) == 1 and mine[0]["outcome"] == "success"
    assert accounts.activity(reference=mine[0]["reference"]) == mine
    assert accounts.activity(reference="NOPE") == []


def test_reset_drops_every_row_and_keeps_the_schema(accounts: JustCall, app: Flask, fake_idp: FakeIdp) -> None:
    post_acs(app.test_client(), fake_idp.response())
    accounts.reset()
    assert accounts.get_account(SLUG) is None and accounts.get_user(OWNER) is None
    assert accounts.activity() == []
    accounts.create_account(SLUG, "Acme again")  # the schema is still there
    assert accounts.get_account(SLUG) is not None


def test_default_database_lives_in_the_instance_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    folder = tmp_path / "instance"
    assert default_database_url(Flask("probe", instance_path=str(folder))) == f"sqlite:///{folder}/justcall.sqlite3"
    assert folder.is_dir()


def test_database_url_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/from-env.sqlite3"
    monkeypatch.setenv("DATABASE_URL", url)
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["DATABASE_URL"] == url
    jc: JustCall = app.extensions["justcall"]
    jc.create_account("envco", "Env Co")
    assert jc.get_account("envco") is not None
    app.extensions["justcall_db"].dispose()


def test_in_memory_database_works(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    jc: JustCall = app.extensions["justcall"]
    jc.create_account("memco", "Mem Co")
    assert jc.get_account("memco") is not None
    app.extensions["justcall_db"].dispose()


def test_sqlite_runs_in_wal_mode(app: Flask) -> None:
    from sqlalchemy import text

    from justcall_sp.db import get_db

    with get_db(app).session() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert int(session.execute(text("PRAGMA busy_timeout")).scalar() or 0) > 0
