"""Describe an SP under test outside this process (staging, a local build, another stack) in a TOML file.

The suites, ``repro`` and the CLI take ``--target FILE.toml``. The mock IdP's JustCall app is then
configured from the file (ACS URL and Entity ID, or the SP's metadata), and the verdicts come from the
SP's who-am-I URL or its success/failure patterns. See ``fixtures/targets/example-staging.toml``.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from lxml import etree

from saml_harness.agent.flows import PROFILES, Claims, Target
from saml_xmlns import BINDING_POST, MD

PROFILES_HELP = '"justcall" (every JustCall policy applies) or "saml2-sp" (spec MUSTs and security only)'
LOGOUT_METHODS = ("POST", "GET")
TRUST_MODES = ("metadata_url", "command", "restart", "file")
PLACEHOLDERS = {
    "python": "the Python running the harness",
    "idp_metadata_file": "IdP metadata XML the SP is told to trust (rewritten when its trust is updated)",
    "idp_metadata_url": "where the harness serves that trusted metadata over HTTP",
    "idp_certificate_file": "the trusted IdP signing certificate (PEM)",
    "idp_cert_file": "same as idp_certificate_file",
    "okta_metadata_url": "the mock Okta app's live metadata URL (shows a rotated key at once, as Okta's does)",
    "idp_sso_url": "the IdP's Single Sign-On URL",
    "idp_issuer": "the IdP's Issuer (Entity ID)",
    "target_dir": "the folder holding the target file",
}
"""Every ``{placeholder}`` a ``[launch]`` or ``[trust]`` command may use (the example target file lists them)."""


class TargetError(ValueError):
    """The target file is unusable; the message says which key and why."""


@dataclass(frozen=True)
class Launch:
    """How the harness starts the SP itself (optional): after the IdP is up, before the suites."""

    command: tuple[str, ...]
    ready_url: str
    timeout_s: float = 30.0
    env: tuple[tuple[str, str], ...] = ()
    """Extra environment variables (placeholders filled), on top of the harness's environment."""
    cwd: Path | None = None
    """Working directory (resolved against the target file's folder; default that folder)."""


@dataclass(frozen=True)
class Trust:
    """How the SP's trust in the IdP certificate is updated when Okta's key is rotated.

    Why: the rotation scenarios upload the new certificate to the SP; an external SP cannot be reached
    in-process, so the target says which of these the harness does instead.
    """

    mode: str
    """``metadata_url``: the SP fetches ``{idp_metadata_url}``; ``file``: it re-reads ``{idp_metadata_file}``;
    ``command``: the harness runs ``command``; ``restart``: the harness restarts the ``[launch]``ed SP."""
    command: tuple[str, ...] = ()
    timeout_s: float = 60.0


@dataclass(frozen=True)
class TargetSpec:
    """An external SP target as written in its TOML file."""

    name: str
    target: Target
    path: Path
    description: str = ""
    expectations: str = ""
    """Known deviations: a plain name means ``fixtures/expectations/<name>.toml``; a path ending in ``.toml``
    (resolved against the target file's folder) is used as written."""
    launch: Launch | None = None
    trust: Trust | None = None
    idp_state: Path | None = None
    """A stable IdP identity (``saml-harness idp init DIR``), resolved against the target file's folder."""

    @property
    def profile(self) -> str:
        return self.target.profile

    @property
    def claims(self) -> Claims:
        return self.target.claims

    @property
    def allow_idp_initiated(self) -> bool:
        return self.target.claims.idp_initiated_allowed


# ------------------------------------------------------------------------------------------ schema

_Check = Callable[[Any], bool]


def _is_str(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_seconds(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(_is_str(v) for v in value)


def _is_command(value: Any) -> bool:
    return _is_str_list(value) and len(value) > 0


def _is_str_table(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _is_url(value: Any) -> bool:
    if not _is_str(value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True)
class _OneOf:
    """A check that the value is one of ``choices``; its description lists them."""

    choices: tuple[str, ...]
    description: str = ""

    def __call__(self, value: Any) -> bool:
        return value in self.choices


def _one_of(*choices: str, description: str = "") -> _OneOf:
    return _OneOf(choices, description or " or ".join(f'"{c}"' for c in choices))


_KINDS: dict[_Check, str] = {
    _is_str: "a non-empty string",
    _is_bool: "true or false",
    _is_int: "a whole number >= 0",
    _is_seconds: "a number of seconds > 0",
    _is_str_list: "a list of strings",
    _is_command: "a non-empty list of strings",
    _is_str_table: "a table of strings",
    _is_url: "an absolute http(s) URL",
}

SCHEMA: dict[str, dict[str, _Check]] = {
    "": {
        "name": _is_str,
        "description": _is_str,
        "profile": _one_of(*PROFILES, description=PROFILES_HELP),
        "acs_url": _is_url,
        "entity_id": _is_str,
        "sp_metadata_url": _is_url,
        "allow_idp_initiated": _is_bool,
        "expectations": _is_str,
    },
    "login": {"url": _is_url, "mode": _one_of("form", "query"), "email_field": _is_str},
    "identity": {"url": _is_url, "json_key": _is_str, "pattern": _is_str},
    "success": {"url_pattern": _is_str, "text_pattern": _is_str},
    "failure": {"error_element_id": _is_str},
    "logout": {"url": _is_url, "method": _one_of(*LOGOUT_METHODS)},
    "launch": {
        "command": _is_command,
        "ready_url": _is_url,
        "timeout_s": _is_seconds,
        "env": _is_str_table,
        "cwd": _is_str,
    },
    "claims": {
        "clock_skew_s": _is_int,
        "required_attributes": _is_str_list,
        "nameid_format": _is_str,
        "signed_response_required": _is_bool,
        "signed_assertion_required": _is_bool,
        "sha1_accepted": _is_bool,
        "idp_initiated_allowed": _is_bool,
        "clock_control_url": _is_url,
    },
    "trust": {"mode": _one_of(*TRUST_MODES), "command": _is_command, "timeout_s": _is_seconds},
    "idp": {"state": _is_str},
}
"""Every key a target file may hold, per table ("" = top level), with its check."""

NEW_TABLES = ("claims", "trust", "idp")
"""Tables that came with ``profile``: a file using them must say its profile."""


def _key_name(table: str, key: str) -> str:
    return f"[{table}] {key}" if table else key


def _describe(check: _Check) -> str:
    if isinstance(check, _OneOf):
        return check.description
    return _KINDS.get(check, "valid")


def validate_document(document: dict[str, Any]) -> None:
    """Raise ``TargetError`` naming the first unknown key, wrong type or bad value in a parsed target file."""
    tables = [t for t in SCHEMA if t]
    for key, value in document.items():
        if key in tables:
            if not isinstance(value, dict):
                raise TargetError(f"[{key}] must be a table")
            continue
        if key not in SCHEMA[""]:
            known = ", ".join(sorted([*SCHEMA[""], *(f"[{t}]" for t in tables)]))
            raise TargetError(f"unknown key {key!r} (known: {known})")
    for table in SCHEMA:
        values = document if table == "" else document.get(table, {})
        for key, value in values.items():
            if table == "" and key in tables:
                continue
            check = SCHEMA[table].get(key)
            if check is None:
                raise TargetError(
                    f"unknown key {_key_name(table, key)!r} (known in [{table}]: {', '.join(sorted(SCHEMA[table]))})"
                    if table
                    else f"unknown key {key!r}"
                )
            if not check(value):
                raise TargetError(f"{_key_name(table, key)} must be {_describe(check)}, got {value!r}")


def sp_from_metadata(xml: bytes) -> tuple[str, str]:
    """Return ``(acs_url, entity_id)`` from SP metadata: the HTTP-POST AssertionConsumerService."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise TargetError(f"SP metadata is not XML: {exc}") from exc
    entity_id = root.get("entityID")
    services = [
        e
        for e in root.iter(f"{{{MD}}}AssertionConsumerService")
        if e.get("Binding") == BINDING_POST and e.get("Location")
    ]
    if not entity_id or not services:
        raise TargetError("SP metadata has no entityID or no HTTP-POST AssertionConsumerService")
    return str(services[0].get("Location")), entity_id


def load_target(path: Path, fetch: bool = True) -> TargetSpec:
    """Load and check a target file; with ``sp_metadata_url`` and ``fetch``, read ACS and Entity ID from it.

    Every problem is one ``TargetError`` whose message starts with the file and names the key.
    """
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TargetError(f"{path}: {exc}") from exc
    try:
        return _parse(document, path.resolve(), fetch)
    except TargetError as exc:
        raise TargetError(f"{path}: {exc}") from None


def _parse(document: dict[str, Any], path: Path, fetch: bool) -> TargetSpec:
    validate_document(document)
    folder = path.parent
    name = _required(document, "", "name")
    profile = document.get("profile")
    if profile is None:
        used = [f"[{t}]" for t in NEW_TABLES if t in document]
        if used:
            raise TargetError(f"profile is required with {', '.join(used)}: {PROFILES_HELP}")
        profile = "justcall"
    acs_url, entity_id = document.get("acs_url"), document.get("entity_id")
    metadata_url = document.get("sp_metadata_url")
    if metadata_url and fetch and not (acs_url and entity_id):
        acs_url, entity_id = _fetch_sp_metadata(metadata_url)
    if not (acs_url and entity_id) and not (metadata_url and not fetch):
        raise TargetError("give acs_url and entity_id, or sp_metadata_url")
    login, identity = document.get("login", {}), document.get("identity", {})
    success, failure = document.get("success", {}), document.get("failure", {})
    logout = document.get("logout", {})
    login_url = _required(login, "login", "url")
    claims = _claims(document)
    target = Target(
        name=name,
        sp_url=_origin(login_url),
        acs_url=acs_url or "",
        entity_id=entity_id or "",
        sso_start_url=login_url,
        me_url=identity.get("url"),
        email_field=login.get("email_field", "email"),
        login_mode=login.get("mode", "form"),
        me_json_key=identity.get("json_key", "email"),
        error_element_id=failure.get("error_element_id", "sso-error"),
        success_url_pattern=success.get("url_pattern"),
        success_text_pattern=success.get("text_pattern"),
        identity_pattern=identity.get("pattern"),
        logout_url=logout.get("url"),
        logout_method=logout.get("method", "POST"),
        profile=profile,
        claims=claims,
    )
    if target.me_url is None and not (target.success_url_pattern or target.success_text_pattern):
        raise TargetError("give [identity] url, or a [success] url_pattern / text_pattern")
    launch = _launch(document.get("launch"), folder)
    trust = _trust(document.get("trust"), launch)
    state = document.get("idp", {}).get("state")
    return TargetSpec(
        name=name,
        target=target,
        path=path,
        description=document.get("description", ""),
        expectations=_expectations(document.get("expectations", name), folder),
        launch=launch,
        trust=trust,
        idp_state=(folder / state).resolve() if state else None,
    )


def _required(table: dict[str, Any], where: str, key: str) -> str:
    if key not in table:
        raise TargetError(f"{_key_name(where, key)} is required")
    return str(table[key])


def _fetch_sp_metadata(url: str) -> tuple[str, str]:
    try:
        answer = requests.get(url, timeout=15)
    except requests.RequestException as exc:
        raise TargetError(f"sp_metadata_url {url} does not answer: {_reason(exc)}") from None
    if answer.status_code != 200:
        raise TargetError(f"sp_metadata_url answered HTTP {answer.status_code}")
    return sp_from_metadata(answer.content)


def _claims(document: dict[str, Any]) -> Claims:
    table = dict(document.get("claims", {}))
    if "allow_idp_initiated" in document:
        older = document["allow_idp_initiated"]
        if table.get("idp_initiated_allowed", older) != older:
            raise TargetError("[claims] idp_initiated_allowed and the older allow_idp_initiated disagree")
        table["idp_initiated_allowed"] = older
    if "required_attributes" in table:
        table["required_attributes"] = tuple(table["required_attributes"])
    return Claims(**table)


def _launch(table: dict[str, Any] | None, folder: Path) -> Launch | None:
    if not table:
        return None
    command = table.get("command")
    if command is None:
        raise TargetError("[launch] command is required")
    ready = _required(table, "launch", "ready_url")
    _check_placeholders(command, "[launch] command")
    env = table.get("env", {})
    _check_placeholders(list(env.values()), "[launch] env")
    cwd = (folder / table.get("cwd", ".")).resolve()
    if not cwd.is_dir():
        raise TargetError(f"[launch] cwd {table.get('cwd')!r} is not a folder (resolved: {cwd})")
    return Launch(tuple(command), ready, float(table.get("timeout_s", 30)), tuple(env.items()), cwd)


def _trust(table: dict[str, Any] | None, launch: Launch | None) -> Trust | None:
    if not table:
        return None
    mode = _required(table, "trust", "mode")
    command = table.get("command", [])
    if mode == "command":
        if not command:
            raise TargetError('[trust] command is required with mode = "command"')
        _check_placeholders(command, "[trust] command")
    elif command:
        raise TargetError(f'[trust] command is only used with mode = "command", not {mode!r}')
    if mode == "restart" and launch is None:
        raise TargetError('[trust] mode = "restart" needs a [launch] table (the harness restarts what it started)')
    return Trust(mode, tuple(command), float(table.get("timeout_s", 60)))


def _check_placeholders(parts: list[str], where: str) -> None:
    for part in parts:
        for _text, name, _spec, _conv in string.Formatter().parse(part):
            if name is not None and name not in PLACEHOLDERS:
                raise TargetError(f"{where}: unknown placeholder {{{name}}} (known: {', '.join(sorted(PLACEHOLDERS))})")


def _expectations(value: str, folder: Path) -> str:
    if not value.endswith(".toml"):
        return value
    resolved = (folder / value).resolve()
    if not resolved.is_file():
        raise TargetError(f"expectations file {value!r} not found (resolved: {resolved})")
    return str(resolved)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _reason(exc: BaseException) -> str:
    """The innermost cause of a connection error, in one line (not requests' nested repr)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc).split("] ")[-1] if "] " in str(exc) else str(exc)
    return text or type(exc).__name__


def preflight(spec: TargetSpec, timeout_s: float = 10.0) -> None:
    """Check that the SP's login URL and ACS answer over HTTP; raise ``TargetError`` in one line if not.

    Why: an unreachable SP would otherwise fail every case with the same connection traceback.
    Any HTTP answer counts (an ACS refusing a GET with 405 is alive); only no answer fails.
    """
    checks = [("[login] url", spec.target.sso_start_url)]
    if spec.target.acs_url:
        checks.append(("acs_url", spec.target.acs_url))
    for key, url in checks:
        try:
            requests.get(url, timeout=timeout_s, allow_redirects=False)
        except requests.RequestException as exc:
            raise TargetError(f"target {spec.name!r}: {key} {url} does not answer ({_reason(exc)})") from None
