"""Check the Response envelope and the Assertion's conditions the way JustCall does, one small pure check each.

Each check takes parsed XML plus the configuration and returns Findings; none raises on bad input. The SAML
clause a check enforces is in the comment above it. Claims are read from the document as posted: the signature
checks (``signatures.py``) separately establish whether that document is what Okta signed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from lxml import etree

from saml_harness.diagnose.compare import explain
from saml_harness.diagnose.model import INVALID_RESPONSE, Config, Finding, Severity, Summary
from saml_harness.diagnose.timefmt import fmt_instant, human_duration, parse_instant
from saml_xmlns import CM_BEARER, DS, NAMEID_ENTITY, SAML, SAMLP, STATUS_SUCCESS, q

ACS_LABEL = "JustCall's ACS URL"
ENTITY_LABEL = "JustCall's Entity ID"
_ID_NAMES = ("ID", "Id", "id")
_CAPTURE_FIX = "Capture the SAMLResponse exactly as Okta posted it (SAML-tracer or a HAR file) and diagnose that."
_OKTA_SAML_SETTINGS = "In Okta: JustCall app > General > SAML Settings > Edit"


def text_of(element: etree._Element | None) -> str | None:
    """Return the whole text of ``element`` (all text nodes, comments excluded), stripped; None if absent."""
    if element is None:
        return None
    found = element.xpath("text()|.//*/text()")
    return "".join(t for t in found if isinstance(t, str)).strip() if isinstance(found, list) else ""


def the_assertion(root: etree._Element) -> etree._Element | None:
    """Return the Assertion to read: the Response's direct child, else the first anywhere."""
    found = root.find(q(SAML, "Assertion"))
    return found if found is not None else next(root.iter(q(SAML, "Assertion")), None)


def summarize(root: etree._Element) -> Summary:
    """Return the header facts: Issuer, IssueInstant, Destination, NameID and IDs."""
    assertion = the_assertion(root)
    name_id = None if assertion is None else assertion.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    return Summary(
        issuer=text_of(root.find(q(SAML, "Issuer"))),
        issue_instant=root.get("IssueInstant"),
        destination=root.get("Destination"),
        in_response_to=root.get("InResponseTo"),
        response_id=root.get("ID"),
        assertion_id=None if assertion is None else assertion.get("ID"),
        name_id=text_of(name_id),
        name_id_format=None if name_id is None else name_id.get("Format"),
    )


# SAML core 3.2.2: a Response has Version="2.0" and an ID.
def check_response_root(root: etree._Element) -> list[Finding]:
    """Refuse anything but a SAML 2.0 Response with an ID."""
    spec = "SAML core 3.2.2"
    problems = []
    if root.get("Version") != "2.0":
        problems.append(f"Version is {root.get('Version')!r}, not '2.0'")
    if not root.get("ID"):
        problems.append("the Response has no ID")
    if problems:
        return [Finding("error", "response", "; ".join(problems), spec, INVALID_RESPONSE, _CAPTURE_FIX)]
    return [Finding("ok", "response", f"samlp:Response version 2.0, ID {root.get('ID')!r}", spec)]


# SAML core 1.3.4: "there MUST be exactly one such declaration" of an identifier in a document. Duplicate IDs make
# the verifier and the reader look at different elements (signature wrapping).
def check_unique_ids(root: etree._Element) -> list[Finding]:
    """Refuse duplicate IDs, which let a verifier and a reader see different elements."""
    seen: Counter[str] = Counter()
    for element in root.iter(etree.Element):
        for name, value in element.attrib.items():
            if etree.QName(name).localname in _ID_NAMES:
                seen[str(value)] += 1
    duplicates = sorted(value for value, count in seen.items() if count > 1)
    if duplicates:
        message = f"IDs declared more than once: {', '.join(duplicates)} (signature wrapping?)"
        return [Finding("error", "ids.unique", message, "SAML core 1.3.4", INVALID_RESPONSE, _CAPTURE_FIX)]
    return []


# SAML Profiles 4.1.4.2: on error the IdP MUST NOT include assertions; the SP uses nothing from a non-Success
# response (SAML core 3.2.2.2 status codes).
def check_status(root: etree._Element) -> list[Finding]:
    """Report a non-Success status: Okta refused, so nothing else in the response counts."""
    spec = "SAML core 3.2.2.2; Profiles 4.1.4.2"
    code = root.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}")
    value = None if code is None else code.get("Value")
    if value == STATUS_SUCCESS:
        return [Finding("ok", "status", "Status is Success", spec)]
    parts = [f"Status is {value or '(missing)'}"]
    nested = None if code is None else code.find(q(SAMLP, "StatusCode"))
    if nested is not None:
        parts.append(f"second-level {nested.get('Value')}")
    message = text_of(root.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusMessage')}"))
    if message:
        parts.append(f"message {message!r}")
    fix = "Okta refused to sign the user in: look up this sign-in in the Okta System Log for the reason."
    return [Finding("error", "status", "; ".join(parts), spec, INVALID_RESPONSE, fix)]


# SAML Profiles 4.1.4.2: the Response Issuer (required when the Response is signed) and each Assertion Issuer MUST
# be the IdP's entityID, Format omitted or nameid-format:entity.
def check_issuer(element: etree._Element, what: str, expected: str | None) -> list[Finding]:
    """Compare the Response or Assertion Issuer with the IdP issuer JustCall expects, exactly."""
    check, spec = f"issuer.{what.lower()}", "SAML Profiles 4.1.4.2"
    issuer = element.find(q(SAML, "Issuer"))
    value = text_of(issuer)
    if issuer is None or not value:
        severity: Severity = "error" if what == "Assertion" else "warning"
        row = INVALID_RESPONSE if severity == "error" else None
        return [Finding(severity, check, f"The {what} has no Issuer", spec, row, _CAPTURE_FIX)]
    findings = []
    if issuer.get("Format") not in (None, NAMEID_ENTITY):
        message = f"{what} Issuer Format is {issuer.get('Format')!r}, not {NAMEID_ENTITY!r}"
        findings.append(Finding("error", check, message, spec, INVALID_RESPONSE, _CAPTURE_FIX))
    if expected is None:
        message = f"{what} Issuer is {value!r} (not compared: pass --idp-issuer or --idp-metadata)"
        return [*findings, Finding("info", check, message, spec)]
    if value == expected:
        return [*findings, Finding("ok", check, f"{what} Issuer {value!r} is the expected IdP issuer", spec)]
    fix = (
        "In JustCall: Settings > Security > Single Sign-On: set Issuer / Entity ID to the Identity Provider Issuer "
        f"of the JustCall app in Okta (this response was issued by {value!r}; check it comes from that app)."
    )
    message = explain(value, expected, f"{what} Issuer", "the expected IdP issuer")
    return [*findings, Finding("error", check, message, spec, INVALID_RESPONSE, fix)]


def _acs_fix(acs_url: str) -> str:
    return (
        f"{_OKTA_SAML_SETTINGS}: set Single sign-on URL to JustCall's ACS URL exactly ({acs_url!r}, copied from "
        "JustCall Settings > Security > Single Sign-On), and keep 'Use this for Recipient URL and Destination URL' "
        "checked."
    )


def _url_mismatch(value: str, label: str, config: Config) -> str:
    assert config.acs_url is not None
    message = explain(value, config.acs_url, label, ACS_LABEL)
    if config.entity_id is not None and value == config.entity_id:
        message += f" ({label} is JustCall's Entity ID: Okta's Single sign-on URL and Audience URI look swapped)"
    return message


# SAML Bindings 3.5.5.2: "If the message is signed, the Destination XML attribute ... MUST contain the URL to which
# the sender has instructed the user agent to deliver the message. The recipient MUST then verify that the value
# matches the location at which the message has been received." JustCall compares the strings exactly.
def check_destination(root: etree._Element, config: Config) -> list[Finding]:
    """Compare Destination with JustCall's ACS URL and say exactly how they differ."""
    spec = "SAML Bindings 3.5.5.2; SAML core 3.2.2"
    destination = root.get("Destination")
    if config.acs_url is None:
        message = f"Destination is {destination!r} (not compared: pass --acs-url or --target)"
        return [Finding("info", "destination", message, spec)]
    if not destination:
        message = "The Response has no Destination; JustCall requires it to equal its ACS URL"
        return [Finding("error", "destination", message, spec, INVALID_RESPONSE, _acs_fix(config.acs_url))]
    if destination == config.acs_url:
        return [Finding("ok", "destination", f"Destination {destination!r} is JustCall's ACS URL", spec)]
    message = _url_mismatch(destination, "Destination", config)
    return [Finding("error", "destination", message, spec, INVALID_RESPONSE, _acs_fix(config.acs_url))]


# SAML core 3.2.2 IssueInstant (informative: JustCall judges freshness by the Conditions and SubjectConfirmation).
def check_issue_instant(root: etree._Element, at: datetime) -> list[Finding]:
    """Say how old the response was at --at (context for the time-window findings)."""
    raw = root.get("IssueInstant")
    issued = parse_instant(raw)
    if issued is None:
        return [
            Finding("warning", "issue_instant", f"IssueInstant {raw!r} is not a UTC xs:dateTime", "SAML core 1.3.3")
        ]
    relation = "before" if issued <= at else "after"
    message = f"Issued {fmt_instant(issued)}, {human_duration(at - issued)} {relation} --at ({fmt_instant(at)})"
    return [Finding("info", "issue_instant", message, "SAML core 3.2.2")]


# SAML Profiles 4.1.4.2: a successful Response contains at least one assertion; JustCall accepts exactly one, as a
# direct child of the Response (more, or nested ones, are how signature-wrapping attacks hide a forged assertion).
def check_assertion_count(root: etree._Element) -> list[Finding]:
    """Require exactly one (possibly encrypted) assertion, directly in the Response."""
    spec = "SAML Profiles 4.1.4.2"
    plain = list(root.iter(q(SAML, "Assertion")))
    encrypted = list(root.iter(q(SAML, "EncryptedAssertion")))
    total = len(plain) + len(encrypted)
    if total == 0:
        return [Finding("error", "assertion.count", "The Response contains no Assertion", spec, INVALID_RESPONSE)]
    if total > 1:
        message = (
            f"The Response contains {len(plain)} Assertion and {len(encrypted)} EncryptedAssertion elements; "
            "exactly one is expected"
        )
        return [Finding("error", "assertion.count", message, spec, INVALID_RESPONSE, _CAPTURE_FIX)]
    element = (plain or encrypted)[0]
    kind = etree.QName(element).localname
    if element.getparent() is not root:
        message = f"The {kind} is not a direct child of the Response (wrapped inside another element)"
        return [Finding("error", "assertion.count", message, spec, INVALID_RESPONSE, _CAPTURE_FIX)]
    return [Finding("ok", "assertion.count", f"Exactly one {kind}, a direct child of the Response", spec)]


# SAML core 2.3.4/6.2: an EncryptedAssertion can be read only with the SP's private key. The help article's Okta
# setup configures no assertion encryption, so JustCall cannot decrypt it.
def check_encrypted(root: etree._Element) -> list[Finding]:
    """Explain that an EncryptedAssertion cannot be read here, nor by JustCall's setup."""
    encrypted = root.find(f".//{q(SAML, 'EncryptedAssertion')}")
    if encrypted is None:
        return []
    methods = [
        str(m.get("Algorithm", "?")).rsplit("#", 1)[-1]
        for m in encrypted.iter("{http://www.w3.org/2001/04/xmlenc#}EncryptionMethod")
    ]
    algorithms = ", ".join(dict.fromkeys(methods)) or "unknown algorithms"
    message = (
        f"The assertion is encrypted (EncryptedAssertion, {algorithms}): "
        "it cannot be read without the SP's private key, so Audience, Recipient, the time window, InResponseTo of "
        "the assertion, NameID and attributes were not checked. JustCall's Okta setup uses no assertion encryption"
    )
    fix = f"{_OKTA_SAML_SETTINGS} > Show Advanced Settings: set Assertion Encryption to Unencrypted."
    return [Finding("error", "assertion.encrypted", message, "SAML core 2.3.4, 6.2", INVALID_RESPONSE, fix)]


# SAML core 5.4.1 and Profiles 4.1.4.5: signatures are enveloped in the Response or the Assertion; "each assertion
# MUST be protected by a digital signature ... by signing each individual <Assertion> element or by signing the
# <Response> element". A ds:Signature anywhere else signs something the SP does not read.
def check_signature_placement(root: etree._Element, assertion: etree._Element | None) -> list[Finding]:
    """Flag signatures outside the Response and its Assertion (signature wrapping)."""
    findings = []
    for signature in root.iter(q(DS, "Signature")):
        parent = signature.getparent()
        if parent is root or (assertion is not None and parent is assertion):
            continue
        where = "?" if parent is None else etree.QName(parent).localname
        message = f"A ds:Signature sits inside {where}, where no SAML signature belongs (signature wrapping?)"
        findings.append(
            Finding("error", "signature.placement", message, "SAML core 5.4.1", INVALID_RESPONSE, _CAPTURE_FIX)
        )
    return findings


def check_coverage(target: etree._Element | None, covered_by: list[str], present: list[str]) -> list[Finding]:
    """Profiles 4.1.4.5: the assertion (or EncryptedAssertion) is covered by a Response or Assertion signature."""
    spec = "SAML Profiles 4.1.4.5"
    if target is None:
        return []
    fix = f"{_OKTA_SAML_SETTINGS} > Show Advanced Settings: set Response to Signed and Assertion Signature to Signed."
    if not present:
        message = "Neither the Response nor the Assertion is signed: JustCall requires a signature over the assertion"
        return [Finding("error", "signature.coverage", message, spec, INVALID_RESPONSE, fix)]
    if not covered_by:
        message = (
            f"No signature covers the assertion (present: {', '.join(present)}, but their References point elsewhere)"
        )
        return [Finding("error", "signature.coverage", message, spec, INVALID_RESPONSE, _CAPTURE_FIX)]
    return [
        Finding("ok", "signature.coverage", f"The assertion is covered by the {' and the '.join(covered_by)}", spec)
    ]


def _bearer_data(assertion: etree._Element) -> list[etree._Element]:
    confirmations = assertion.findall(f"{q(SAML, 'Subject')}/{q(SAML, 'SubjectConfirmation')}")
    bearers = [c for c in confirmations if c.get("Method") == CM_BEARER]
    return [d for c in bearers for d in c.findall(q(SAML, "SubjectConfirmationData"))]


# SAML Profiles 4.1.4.2: the assertion's <Subject> has at least one bearer <SubjectConfirmation> with
# <SubjectConfirmationData> (Recipient, NotOnOrAfter, InResponseTo when solicited; no NotBefore).
def check_bearer(assertion: etree._Element) -> list[Finding]:
    """Require a bearer SubjectConfirmationData without NotBefore."""
    spec = "SAML Profiles 4.1.4.2"
    if not _bearer_data(assertion):
        message = "The Assertion has no bearer SubjectConfirmation with SubjectConfirmationData"
        return [Finding("error", "subject_confirmation", message, spec, INVALID_RESPONSE, _CAPTURE_FIX)]
    if any(d.get("NotBefore") is not None for d in _bearer_data(assertion)):
        message = "The bearer SubjectConfirmationData carries NotBefore, which Profiles 4.1.4.2 forbids"
        return [Finding("error", "subject_confirmation", message, spec, INVALID_RESPONSE, _CAPTURE_FIX)]
    return [Finding("ok", "subject_confirmation", "Bearer SubjectConfirmation present", spec)]


# SAML Profiles 4.1.4.3: "Verify that the Recipient attribute in any bearer <SubjectConfirmationData> matches the
# assertion consumer service URL to which the <Response> or artifact was delivered."
def check_recipient(assertion: etree._Element, config: Config) -> list[Finding]:
    """Compare the bearer Recipient with JustCall's ACS URL and say exactly how they differ."""
    spec = "SAML Profiles 4.1.4.3"
    recipients = [d.get("Recipient") for d in _bearer_data(assertion)]
    if not recipients:
        return []
    if config.acs_url is None:
        message = f"Recipient is {recipients[0]!r} (not compared: pass --acs-url or --target)"
        return [Finding("info", "recipient", message, spec)]
    if config.acs_url in recipients:
        return [Finding("ok", "recipient", f"Recipient {config.acs_url!r} is JustCall's ACS URL", spec)]
    value = next((r for r in recipients if r), None)
    if value is None:
        message = "The bearer SubjectConfirmationData has no Recipient; JustCall requires its ACS URL there"
    else:
        message = _url_mismatch(value, "Recipient", config)
    return [Finding("error", "recipient", message, spec, INVALID_RESPONSE, _acs_fix(config.acs_url))]


# SAML core 2.5.1.4: the assertion is valid only for the audiences named; every <AudienceRestriction> must include
# the SP's entity ID. Profiles 4.1.4.2: each bearer assertion MUST contain one. JustCall compares exactly.
def check_audience(assertion: etree._Element, config: Config) -> list[Finding]:
    """Compare the Audience with JustCall's Entity ID and say exactly how they differ."""
    spec = "SAML core 2.5.1.4; Profiles 4.1.4.2"
    restrictions = assertion.findall(f"{q(SAML, 'Conditions')}/{q(SAML, 'AudienceRestriction')}")
    audiences = [[text_of(a) or "" for a in r.findall(q(SAML, "Audience"))] for r in restrictions]
    if not restrictions:
        fix = f"{_OKTA_SAML_SETTINGS}: fill Audience URI (SP Entity ID) with JustCall's Entity ID."
        message = "The Assertion has no AudienceRestriction"
        return [Finding("error", "audience", message, spec, INVALID_RESPONSE, fix)]
    if config.entity_id is None:
        shown = ", ".join(repr(a) for group in audiences for a in group)
        return [Finding("info", "audience", f"Audience {shown} (not compared: pass --entity-id or --target)", spec)]
    failing = next((group for group in audiences if config.entity_id not in group), None)
    if failing is None:
        return [Finding("ok", "audience", f"Audience {config.entity_id!r} is JustCall's Entity ID", spec)]
    fix = (
        f"{_OKTA_SAML_SETTINGS}: set Audience URI (SP Entity ID) to JustCall's Entity ID exactly: {config.entity_id!r}."
    )
    if not failing:
        return [Finding("error", "audience", "An AudienceRestriction names no Audience", spec, INVALID_RESPONSE, fix)]
    message = explain(failing[0], config.entity_id, "Audience", ENTITY_LABEL)
    if config.acs_url is not None and failing[0] == config.acs_url:
        message += " (Audience is JustCall's ACS URL: Okta's Audience URI must be the Entity ID)"
    if len(failing) > 1:
        message += f" (other audiences: {', '.join(repr(a) for a in failing[1:])})"
    return [Finding("error", "audience", message, spec, INVALID_RESPONSE, fix)]


def _time_fix() -> str:
    return (
        "Okta's responses are valid for about 5 minutes: sign in again and post the response at once. If it keeps "
        "happening, check the JustCall server clock (NTP). For an old capture, pass --at with the capture time."
    )


def _window(
    check: str, label: str, not_before: str | None, not_on_or_after: str | None, at: datetime, skew: timedelta
) -> list[Finding]:
    spec = "SAML core 2.5.1.2" if label == "Conditions" else "SAML Profiles 4.1.4.2, 4.1.4.3"
    skew_text = f"{skew.total_seconds():g} s clock skew"
    start, end = parse_instant(not_before), parse_instant(not_on_or_after)
    bad = [
        (n, v) for n, v, p in (("NotBefore", not_before, start), ("NotOnOrAfter", not_on_or_after, end)) if v and not p
    ]
    if bad:
        message = f"{label} {bad[0][0]} {bad[0][1]!r} is not a UTC xs:dateTime"
        return [Finding("error", check, message, "SAML core 1.3.3", INVALID_RESPONSE, _CAPTURE_FIX)]
    if start is not None and end is not None and start >= end:
        message = f"{label} NotBefore {not_before} is not before NotOnOrAfter {not_on_or_after}"
        return [Finding("error", check, message, spec, INVALID_RESPONSE, _CAPTURE_FIX)]
    if start is not None and at + skew < start:
        message = (
            f"{label} NotBefore {not_before} is {human_duration(start - at)} after --at {fmt_instant(at)}: not valid "
            f"yet, {human_duration(start - at - skew)} beyond the allowed {skew_text} (a clock is off)"
        )
        return [Finding("error", check, message, spec, INVALID_RESPONSE, _time_fix())]
    if end is not None and at - skew >= end:
        message = (
            f"{label} NotOnOrAfter {not_on_or_after} passed {human_duration(at - end)} before --at {fmt_instant(at)}: "
            f"expired, {human_duration(at - skew - end)} beyond the allowed {skew_text}"
        )
        return [Finding("error", check, message, spec, INVALID_RESPONSE, _time_fix())]
    if (start is not None and at < start) or (end is not None and at >= end):
        window = f"{not_before or '(open)'} .. {not_on_or_after or '(open)'}"
        message = f"{label} window {window} holds at {fmt_instant(at)} only thanks to the {skew_text}"
        return [Finding("warning", check, message, spec)]
    remaining = "" if end is None else f", {human_duration(end - at)} left"
    window = f"{not_before or '(open)'} .. {not_on_or_after or '(open)'}"
    message = f"{label} window {window} holds at {fmt_instant(at)}{remaining}"
    return [Finding("ok", check, message, spec)]


# SAML core 2.5.1.2: the assertion is valid only in [NotBefore, NotOnOrAfter); JustCall allows its clock skew.
def check_conditions_time(assertion: etree._Element, at: datetime, skew: timedelta) -> list[Finding]:
    """Check the Conditions window at --at, saying by how much it is early or late."""
    conditions = assertion.find(q(SAML, "Conditions"))
    if conditions is None:
        return [
            Finding(
                "warning", "conditions.time", "The Assertion has no Conditions (no validity window)", "SAML core 2.5.1"
            )
        ]
    return _window(
        "conditions.time", "Conditions", conditions.get("NotBefore"), conditions.get("NotOnOrAfter"), at, skew
    )


# SAML Profiles 4.1.4.2/4.1.4.3: the bearer SubjectConfirmationData MUST have a NotOnOrAfter, and the SP MUST
# verify it "has not passed, subject to allowable clock skew".
def check_confirmation_time(assertion: etree._Element, at: datetime, skew: timedelta) -> list[Finding]:
    """Check the bearer NotOnOrAfter at --at, saying by how much it passed."""
    data = _bearer_data(assertion)
    if not data:
        return []
    if not any(d.get("NotOnOrAfter") for d in data):
        message = "The bearer SubjectConfirmationData has no NotOnOrAfter"
        return [Finding("error", "subject_confirmation.time", message, "SAML Profiles 4.1.4.2", INVALID_RESPONSE)]
    results = [
        _window("subject_confirmation.time", "SubjectConfirmationData", None, d.get("NotOnOrAfter"), at, skew)
        for d in data
        if d.get("NotOnOrAfter")
    ]
    passing = [r for r in results if r[0].severity in ("ok", "warning")]
    return passing[0] if passing else results[0]


# SAML Profiles 4.1.4.3: "Verify that any InResponseTo attribute in the bearer SubjectConfirmationData equals the
# ID of its original <AuthnRequest> message, unless the response is unsolicited ... in which case the attribute MUST
# NOT be present." Okta copies the ID to the Response and the confirmation; the two must agree.
def check_in_response_to(
    root: etree._Element, assertion: etree._Element | None, request_id: str | None
) -> list[Finding]:
    """Match InResponseTo with the AuthnRequest ID, or report the response as unsolicited."""
    spec = "SAML Profiles 4.1.4.3, 4.1.5"
    on_response = root.get("InResponseTo")
    confirmed = [d.get("InResponseTo") for d in (_bearer_data(assertion) if assertion is not None else [])]
    on_assertion = next((v for v in confirmed if v), None)
    if on_response and on_assertion and on_response != on_assertion:
        message = f"Response InResponseTo {on_response!r} differs from the assertion's {on_assertion!r}"
        return [Finding("error", "in_response_to", message, spec, INVALID_RESPONSE, _CAPTURE_FIX)]
    value = on_response or on_assertion
    fix = "Start the sign-in again from JustCall (Sign in with SSO) in a single tab and finish it within 10 minutes."
    if request_id is None:
        if value is None:
            message = "Unsolicited response (IdP-initiated, e.g. the Okta dashboard tile): no InResponseTo"
            return [Finding("info", "in_response_to", message, spec)]
        message = f"Answers AuthnRequest {value!r} (SP-initiated; pass --request-id to check it)"
        return [Finding("info", "in_response_to", message, spec)]
    if value is None:
        message = f"Unsolicited response (no InResponseTo), although the SP sent AuthnRequest {request_id!r}"
        return [Finding("warning", "in_response_to", message, spec, None, fix)]
    if value != request_id:
        message = (
            f"InResponseTo {value!r} is not the AuthnRequest ID {request_id!r}: the response answers another sign-in "
            "attempt (an older tab, a second click, or another browser)"
        )
        return [Finding("error", "in_response_to", message, spec, INVALID_RESPONSE, fix)]
    return [Finding("ok", "in_response_to", f"InResponseTo {value!r} is the AuthnRequest ID", spec)]


# SAML Profiles 4.1.4.2: assertions MUST contain at least one <AuthnStatement>.
def check_authn_statement(assertion: etree._Element) -> list[Finding]:
    """Require an AuthnStatement."""
    spec = "SAML Profiles 4.1.4.2"
    statement = assertion.find(q(SAML, "AuthnStatement"))
    if statement is None:
        return [
            Finding(
                "error", "authn_statement", "The Assertion has no AuthnStatement", spec, INVALID_RESPONSE, _CAPTURE_FIX
            )
        ]
    context = text_of(statement.find(f"{q(SAML, 'AuthnContext')}/{q(SAML, 'AuthnContextClassRef')}"))
    detail = f" ({context.rsplit(':', 1)[-1]})" if context else ""
    return [Finding("ok", "authn_statement", f"AuthnStatement present{detail}", spec)]
