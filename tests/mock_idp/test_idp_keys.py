"""Signing credentials follow Okta's certificate profile, and the org's key lifecycle works like Okta's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mock_idp.keys import KeyPool, make_credential, okta_credential, wrap76
from mock_idp.model import SamlApp
from mock_idp.org import Org

CREATED = datetime(2026, 2, 26, 8, 30, 12, 483000, tzinfo=UTC)


@pytest.fixture(scope="module")
def credential(key_pool: KeyPool) -> x509.Certificate:
    return okta_credential("acme", CREATED, private_key=key_pool.source()(2048)).certificate


def test_certificate_has_no_extensions(credential: x509.Certificate) -> None:
    assert len(credential.extensions) == 0
    assert credential.version == x509.Version.v3


def test_certificate_subject_is_oktas_and_self_issued(credential: x509.Certificate) -> None:
    expected = [
        (NameOID.COUNTRY_NAME, "US"),
        (NameOID.STATE_OR_PROVINCE_NAME, "California"),
        (NameOID.LOCALITY_NAME, "San Francisco"),
        (NameOID.ORGANIZATION_NAME, "Okta"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "SSOProvider"),
        (NameOID.COMMON_NAME, "acme"),
        (NameOID.EMAIL_ADDRESS, "info@okta.com"),
    ]
    assert [(a.oid, a.value) for a in credential.subject] == expected
    assert credential.issuer == credential.subject


def test_serial_is_creation_time_in_epoch_ms(credential: x509.Certificate) -> None:
    assert credential.serial_number >= int(CREATED.timestamp() * 1000)
    assert credential.serial_number - int(CREATED.timestamp() * 1000) < 1000


def test_validity_is_one_minute_before_creation_to_ten_years_after(credential: x509.Certificate) -> None:
    assert credential.not_valid_before_utc == datetime(2026, 2, 26, 8, 29, 12, tzinfo=UTC)
    assert credential.not_valid_after_utc == datetime(2036, 2, 26, 8, 30, 12, tzinfo=UTC)


def test_key_is_rsa_2048_signed_with_sha256(credential: x509.Certificate) -> None:
    public_key = credential.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == 2048
    assert credential.signature_hash_algorithm is not None
    assert credential.signature_hash_algorithm.name == "sha256"


def test_make_credential_uses_the_chosen_validity_and_unique_serials(key_pool: KeyPool) -> None:
    key = key_pool.source()(2048)
    start, end = datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC)
    first = make_credential("acme", start, end, private_key=key)
    second = make_credential("acme", start, end, private_key=key)
    assert first.not_before == start and first.not_after == end
    assert first.certificate.serial_number != second.certificate.serial_number


def test_make_credential_rejects_an_empty_window_and_sha1() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="later"):
        make_credential("acme", moment, moment)
    with pytest.raises(ValueError, match="signature_hash"):
        make_credential("acme", moment, moment + timedelta(days=1), signature_hash="sha1")


def test_certificate_base64_is_wrapped_at_76_columns(key_pool: KeyPool) -> None:
    text = okta_credential("acme", CREATED, private_key=key_pool.source()(2048)).cert_b64_76
    lines = text.split("\n")
    assert len(lines) > 1
    assert all(len(line) == 76 for line in lines[:-1]) and 0 < len(lines[-1]) <= 76
    assert wrap76(b"x" * 100).count("\n") == 1


def test_key_pool_gives_distinct_keys_per_source_and_reuses_them_across_sources(key_pool: KeyPool) -> None:
    first, second = key_pool.source(), key_pool.source()
    a1, a2 = first(2048), first(2048)
    assert a1 is not a2
    assert second(2048) is a1


def test_new_app_has_exactly_one_active_key(org: Org, justcall: SamlApp) -> None:
    keys = org.signing_keys(justcall.id)
    assert [k.status for k in keys] == ["Active"]
    assert len(keys[0].kid) == 43
    assert org.active_certificate_pem(justcall.id).startswith(b"-----BEGIN CERTIFICATE-----")


def test_generated_key_is_inactive_until_activated(org: Org, justcall: SamlApp) -> None:
    old = org.active_key(justcall.id)
    new = org.generate_key(justcall.id, validity_years=2)
    assert new.status == "Inactive"
    assert org.active_key(justcall.id).kid == old.kid
    org.activate_key(justcall.id, new.kid)
    assert org.active_key(justcall.id).kid == new.kid
    assert org.key(justcall.id, old.kid).status == "Inactive"
    assert new.credential.not_after.year == new.credential.not_before.year + 2


def test_generate_key_rejects_validity_outside_2_to_10_years(org: Org, justcall: SamlApp) -> None:
    with pytest.raises(ValueError, match="2 - 10 years"):
        org.generate_key(justcall.id, validity_years=11)


def test_added_expired_credential_can_be_activated(org: Org, justcall: SamlApp, key_pool: KeyPool) -> None:
    expired = make_credential(
        "acme",
        datetime(2015, 1, 1, tzinfo=UTC),
        datetime(2016, 1, 1, tzinfo=UTC),
        private_key=key_pool.source()(2048),
    )
    key = org.add_key(justcall.id, expired)
    org.activate_key(justcall.id, key.kid)
    assert org.active_certificate_pem(justcall.id) == expired.cert_pem


def test_activate_unknown_kid_is_a_key_error(org: Org, justcall: SamlApp) -> None:
    with pytest.raises(KeyError, match="no signing key"):
        org.activate_key(justcall.id, "nope")
