"""Figure 2, SP validation: the bundled SP's ACS pipeline without HTTP, against python3-saml (and pysaml2).

Every response is a fresh, genuine SP-initiated Okta response (both signatures, three attributes) answering an
AuthnRequest the SP really stored (``sso_start.begin_login``). What each subject does per response:

* ``justcall full`` (the headline, ``sp_validations_per_s``): ``justcall_sp.sso_login.consume`` exactly as the
  ACS view calls it: size/base64/DTD checks, parse, Response and Assertion checks, both signatures verified
  with signxml against the pinned certificate, bearer confirmation, InResponseTo against the stored request,
  conditions, audience, replay check, account rules, then one SQLite transaction: purge expired replay entries,
  record the assertion ID, consume the request, find the user (JIT on first login), write the activity row,
  commit. No HTTP, no Flask request, no session cookie.
* ``justcall core``: the same protocol checks (``decode_input`` + ``validate_response`` + account rules) with the
  two lookups answered from memory: the part that compares like for like with the peers.
* ``python3-saml``: ``OneLogin_Saml2_Response(settings, b64).is_valid(request_data, request_id)`` in strict mode
  with both signatures wanted (xmlsec, C).
* ``pysaml2`` (if importable and ``xmlsec1`` is on PATH): ``Saml2Client.parse_authn_request_response`` with the
  request outstanding (it runs the ``xmlsec1`` program per signature).

Subjects and python3-saml are measured in alternating rounds over the same responses; ratios are medians of
per-round ratios.
"""

from __future__ import annotations

import itertools
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.stats import Figure, Target

TARGET = Target(">=", 1.2)
PUBLIC_URL = "http://127.0.0.1:6000"
SLUG = "acme"


@dataclass
class SpSetup:
    idp: Any
    sp_app: Any
    justcall: Any
    acs_url: str
    entity_id: str
    issued: list[tuple[str, str]] = field(default_factory=list)
    """(SAMLResponse base64, AuthnRequest ID) pairs, each answering its own stored request."""
    folder: Path | None = None


def make_setup(responses: int) -> SpSetup:
    from bench.idp import make_setup as idp_setup
    from justcall_sp import create_app

    folder = Path(tempfile.mkdtemp(prefix="bench-sp-"))
    sp_app = create_app(
        {
            "PUBLIC_URL": PUBLIC_URL,
            "DATABASE_URL": f"sqlite:///{folder / 'justcall.sqlite3'}",
            "SECRET_KEY": "bench",
            "API_TOKEN": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    justcall = sp_app.extensions["justcall"]
    acs_url, entity_id = justcall.sso_urls(SLUG)
    idp = idp_setup()
    idp.org.update_saml_app(idp.app.id, sso_url=acs_url, audience=entity_id)
    idp.app = idp.org.get_app(idp.app.id)
    justcall.create_account(SLUG, "Acme Inc.", plan="business")
    justcall.add_domain(SLUG, "acme.example", verified=True)
    justcall.enable_sso(SLUG)
    result = justcall.configure_sso(
        SLUG,
        idp_sso_url=idp.org.sso_url(idp.app),
        idp_issuer=idp.org.issuer(idp.app),
        certificate=idp.org.active_certificate_pem(idp.app.id),
        default_role="Agent",
    )
    if result.errors:
        raise RuntimeError(f"SP refused the SSO settings: {result.errors}")
    setup = SpSetup(idp, sp_app, justcall, acs_url, entity_id, folder=folder)
    setup.issued = [issue_for_request(setup) for _ in range(responses)]
    return setup


def issue_for_request(setup: SpSetup) -> tuple[str, str]:
    """Store an AuthnRequest at the SP (as Sign in with SSO does) and have the IdP answer it."""
    from justcall_sp import new_request_id
    from justcall_sp.sso_start import begin_login
    from justcall_sp.timeutil import utc_now
    from mock_idp import pipeline
    from mock_idp.faults import FaultPlan

    with setup.sp_app.app_context():
        started = begin_login(setup.justcall.db, setup.sp_app, setup.idp.user.login, None, utc_now(), new_request_id)
    if started.redirect_url is None:
        raise RuntimeError(f"Sign in with SSO failed: {started.error}")
    request_id = request_id_of(started.redirect_url)
    login = setup.idp.login(request_id)
    issued = pipeline.issue(login, FaultPlan(), setup.idp.credential, now=setup.idp.org.clock(), ids=setup.idp.org.ids)
    return issued.b64, request_id


def request_id_of(redirect_url: str) -> str:
    """Return the ID of the AuthnRequest carried by an HTTP-Redirect URL."""
    import base64
    import zlib

    from lxml import etree

    encoded = parse_qs(urlsplit(redirect_url).query)["SAMLRequest"][0]
    xml = zlib.decompress(base64.b64decode(encoded), -15)
    return str(etree.fromstring(xml).get("ID"))


# -- subjects ---------------------------------------------------------------------------------------------------


def justcall_full(setup: SpSetup) -> Callable[[str, str], bool]:
    from justcall_sp import DEFAULTS
    from justcall_sp.sso_login import AcsRequest, consume
    from justcall_sp.timeutil import utc_now

    db = setup.justcall.db
    max_bytes = setup.sp_app.config.get("MAX_RESPONSE_BYTES", DEFAULTS["MAX_RESPONSE_BYTES"])

    def call(b64: str, _request_id: str) -> bool:
        request = AcsRequest(
            slug=SLUG,
            posted=[b64],
            in_query=False,
            relay_state="/",
            acs_url=setup.acs_url,
            entity_id=setup.entity_id,
            now=utc_now(),
            max_response_bytes=max_bytes,
        )
        with setup.sp_app.app_context():
            result = consume(db, request)
        return bool(result is not None and result.ok)

    return call


class _MemoryLookups:
    """``acs.subject.Lookups`` from memory: the stored requests (read once), nothing replayed."""

    def __init__(self, requests: dict[str, Any]) -> None:
        self.requests = requests

    def pending_request(self, request_id: str) -> Any:
        return self.requests.get(request_id)

    def assertion_seen(self, assertion_id: str) -> bool:
        return False


def justcall_core(setup: SpSetup) -> Callable[[str, str], bool]:
    from justcall_sp import sso_store
    from justcall_sp.acs.account_rules import check_account_rules
    from justcall_sp.acs.pipeline import Expectations, Findings, decode_input, validate_response
    from justcall_sp.certificates import load_certificate
    from justcall_sp.timeutil import utc_now

    db = setup.justcall.db
    with db.transaction() as conn:
        account = sso_store.load_account(conn, SLUG)
        assert account is not None and account.sso is not None and account.sso.certificate is not None
        facts = account.facts
        certificate = load_certificate(account.sso.certificate)
        issuer = str(account.sso.idp_issuer)
        lookups = sso_store.ConnectionLookups(conn, utc_now())
        memory = _MemoryLookups({rid: lookups.pending_request(rid) for _, rid in setup.issued})

    def call(b64: str, _request_id: str) -> bool:
        now = utc_now()
        xml, root = decode_input([b64], 256 * 1024)
        expect = Expectations(SLUG, setup.acs_url, setup.entity_id, issuer, certificate, True, now)
        login = validate_response(xml, root, expect, memory, Findings())
        check_account_rules(facts, login.identity.email)
        return True

    return call


def python3_saml(setup: SpSetup) -> Callable[[str, str], bool]:
    from onelogin.saml2.response import OneLogin_Saml2_Response
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    org, app = setup.idp.org, setup.idp.app
    settings = OneLogin_Saml2_Settings(
        {
            "strict": True,
            "debug": False,
            "sp": {
                "entityId": setup.entity_id,
                "assertionConsumerService": {
                    "url": setup.acs_url,
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
                "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            },
            "idp": {
                "entityId": org.issuer(app),
                "singleSignOnService": {
                    "url": org.sso_url(app),
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "x509cert": org.active_certificate_pem(app.id).decode(),
            },
            "security": {"wantAssertionsSigned": True, "wantMessagesSigned": True},
        },
        sp_validation_only=True,
    )
    parts = urlsplit(setup.acs_url)
    base = {"https": "off", "http_host": parts.hostname, "server_port": str(parts.port), "script_name": parts.path}

    def call(b64: str, request_id: str) -> bool:
        request_data = base | {"get_data": {}, "post_data": {"SAMLResponse": b64}}
        response = OneLogin_Saml2_Response(settings, b64)
        return bool(response.is_valid(request_data, request_id, raise_exceptions=True))

    return call


def pysaml2_available() -> str | None:
    """Return why pysaml2 cannot run here, or None when it can."""
    try:
        import saml2  # noqa: F401
    except ImportError:
        return "pysaml2 is not installed"
    if shutil.which("xmlsec1") is None:
        return "pysaml2 needs the xmlsec1 program (apt-get install xmlsec1)"
    return None


def pysaml2_client(setup: SpSetup) -> Callable[[str, str], bool]:
    from saml2 import BINDING_HTTP_POST
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    from mock_idp.metadata import build_metadata

    org, app = setup.idp.org, setup.idp.app
    metadata = build_metadata(org.issuer(app), org.sso_url(app), setup.idp.credential, app.name_id_format)
    config = SPConfig()
    config.load(
        {
            "entityid": setup.entity_id,
            "xmlsec_binary": shutil.which("xmlsec1"),
            "metadata": {"inline": [metadata.decode()]},
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(setup.acs_url, BINDING_HTTP_POST)]},
                    "allow_unsolicited": False,
                    "want_assertions_signed": True,
                    "want_response_signed": True,
                }
            },
            "accepted_time_diff": 90,
        }
    )
    client = Saml2Client(config)

    def call(b64: str, request_id: str) -> bool:
        answer = client.parse_authn_request_response(b64, BINDING_HTTP_POST, outstanding={request_id: "/"})
        return answer is not None and answer.assertion is not None

    return call


# -- measurement ------------------------------------------------------------------------------------------------


def timed(call: Callable[[str, str], bool], items: Iterator[tuple[str, str]], count: int) -> tuple[float, int]:
    """Run ``call`` on ``count`` items; return (calls per second, failures)."""
    failures = 0
    start = time.perf_counter()
    for _ in range(count):
        b64, request_id = next(items)
        try:
            ok = call(b64, request_id)
        except Exception:
            ok = False
        failures += not ok
    elapsed = time.perf_counter() - start
    return count / elapsed, failures


def run(*, rounds: int = 6, per_round: int = 120, peer_per_round: int | None = None) -> list[Figure]:
    setup = make_setup(rounds * per_round + 2)
    fresh = iter(setup.issued)
    reused = itertools.cycle(setup.issued)
    full, core, p3 = justcall_full(setup), justcall_core(setup), python3_saml(setup)
    if not full(*next(fresh)) or not core(*setup.issued[0]) or not p3(*setup.issued[0]):
        raise RuntimeError("a genuine response was refused during warm-up")
    peer_n = peer_per_round or per_round
    rates: dict[str, list[float]] = {"full": [], "core": [], "p3": []}
    failures = {"full": 0, "core": 0, "p3": 0}
    for _ in range(rounds):
        for name, call, items, n in (
            ("full", full, fresh, per_round),
            ("core", core, reused, per_round),
            ("p3", p3, reused, peer_n),
        ):
            rate, failed = timed(call, items, n)
            rates[name].append(rate)
            failures[name] += failed
    details: dict[str, Any] = {
        "justcall_full_per_s": statistics.median(rates["full"]),
        "justcall_core_per_s": statistics.median(rates["core"]),
        "python3_saml_per_s": statistics.median(rates["p3"]),
        "failures": failures,
        "responses_measured_full": rounds * per_round,
        "full_scope": "consume(): decode, parse, all checks, 2 signatures, replay + request + JIT + activity, commit",
        "core_scope": "decode_input + validate_response + account rules, lookups from memory (no DB)",
    }
    full_ratios = [f / p for f, p in zip(rates["full"], rates["p3"], strict=True)]
    core_ratios = [c / p for c, p in zip(rates["core"], rates["p3"], strict=True)]
    details["core_vs_python3saml_ratio"] = statistics.median(core_ratios)
    why_not = pysaml2_available()
    if why_not is None:
        try:
            ps2 = pysaml2_client(setup)
            if not ps2(*setup.issued[0]):
                raise RuntimeError("pysaml2 refused a genuine response")
            ps2_rates = [timed(ps2, reused, max(10, peer_n // 4))[0] for _ in range(max(2, rounds // 2))]
            details["pysaml2_per_s"] = statistics.median(ps2_rates)
            details["full_vs_pysaml2_ratio"] = details["justcall_full_per_s"] / details["pysaml2_per_s"]
        except Exception as exc:  # a peer that cannot run is reported, not fatal
            details["pysaml2_error"] = f"{type(exc).__name__}: {exc}"
    else:
        details["pysaml2_error"] = why_not
    note = "" if not any(failures.values()) else f"failures: {failures}"
    return [
        Figure(
            key="sp",
            label="SP: full ACS pipeline (no HTTP) per s",
            value=details["justcall_full_per_s"],
            unit="responses/s",
            reference_label="python3-saml 1.16 is_valid (strict, same responses)",
            reference_value=details["python3_saml_per_s"],
            ratio=statistics.median(full_ratios),
            target=TARGET,
            note=note,
            details=details,
        ),
        Figure(
            key="sp_core",
            label="SP: protocol checks only (no DB) per s",
            value=details["justcall_core_per_s"],
            unit="responses/s",
            reference_label="python3-saml 1.16 is_valid",
            reference_value=details["python3_saml_per_s"],
            ratio=details["core_vs_python3saml_ratio"],
            target=TARGET,
        ),
    ]
