"""Describe an SP under test outside this process (staging, a local build, another stack) in a TOML file.

The suites, ``repro`` and the CLI take ``--target FILE.toml``. The mock IdP's JustCall app is then
configured from the file (ACS URL and Entity ID, or the SP's metadata), and the verdicts come from the
SP's who-am-I URL or its success/failure patterns. See ``fixtures/targets/example-staging.toml``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from lxml import etree

from saml_harness.agent.flows import Claims, Target
from saml_xmlns import BINDING_POST, MD

TOP_KEYS = {
    "name",
    "description",
    "acs_url",
    "entity_id",
    "sp_metadata_url",
    "allow_idp_initiated",
    "expectations",
    "login",
    "identity",
    "success",
    "failure",
    "launch",
    "logout",
    "profile",
    # [claims] and [trust]: accepted so the strangers' target files (their final shape) load; not parsed yet.
    "claims",
    "trust",
}


class TargetError(ValueError):
    """The target file is unusable; the message says which key and why."""


@dataclass(frozen=True)
class Launch:
    """How the harness starts the SP itself (optional): after the IdP is up, before the suites."""

    command: tuple[str, ...]
    ready_url: str
    timeout_s: float = 30.0


@dataclass(frozen=True)
class TargetSpec:
    """An external SP target as written in its TOML file."""

    name: str
    target: Target
    path: Path
    description: str = ""
    allow_idp_initiated: bool = True
    expectations: str = ""
    """Name of the expectations file (``fixtures/expectations/<name>.toml``) with known deviations."""
    launch: Launch | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _table(document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, dict):
        raise TargetError(f"[{key}] must be a table")
    return value


def _string(table: dict[str, Any], key: str, where: str, required: bool = False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise TargetError(f"{where}{key} is required")
        return None
    if not isinstance(value, str) or not value:
        raise TargetError(f"{where}{key} must be a non-empty string")
    return value


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
    """Load and check a target file; with ``sp_metadata_url`` and ``fetch``, read ACS and Entity ID from it."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TargetError(f"{path}: {exc}") from exc
    unknown = set(document) - TOP_KEYS
    if unknown:
        raise TargetError(f"{path}: unknown keys {sorted(unknown)}; known: {sorted(TOP_KEYS)}")
    name = _string(document, "name", "", required=True) or path.stem
    acs_url, entity_id = _string(document, "acs_url", ""), _string(document, "entity_id", "")
    metadata_url = _string(document, "sp_metadata_url", "")
    if metadata_url and fetch and not (acs_url and entity_id):
        answer = requests.get(metadata_url, timeout=15)
        if answer.status_code != 200:
            raise TargetError(f"sp_metadata_url answered HTTP {answer.status_code}")
        acs_url, entity_id = sp_from_metadata(answer.content)
    if not (acs_url and entity_id) and not (metadata_url and not fetch):
        raise TargetError(f"{path}: give acs_url and entity_id, or sp_metadata_url")
    login, identity = (
        _table(
            document,
            "login",
        ),
        _table(document, "identity"),
    )
    success, failure = _table(document, "success"), _table(document, "failure")
    login_url = _string(login, "url", "[login] ", required=True)
    mode = login.get("mode", "form")
    if mode not in ("form", "query"):
        raise TargetError('[login] mode must be "form" or "query"')
    target = Target(
        name=name,
        sp_url=_origin(str(login_url)),
        acs_url=acs_url or "",
        entity_id=entity_id or "",
        sso_start_url=str(login_url),
        me_url=_string(identity, "url", "[identity] "),
        email_field=str(login.get("email_field", "email")),
        login_mode=str(mode),
        me_json_key=str(identity.get("json_key", "email")),
        error_element_id=str(failure.get("error_element_id", "sso-error")),
        success_url_pattern=_string(success, "url_pattern", "[success] "),
        success_text_pattern=_string(success, "text_pattern", "[success] "),
        identity_pattern=_string(identity, "pattern", "[identity] "),
        logout_url=_string(_table(document, "logout"), "url", "[logout] "),
        claims=_claims(_table(document, "claims")),
        profile=str(document.get("profile", "justcall")),
    )
    if target.me_url is None and not (target.success_url_pattern or target.success_text_pattern):
        raise TargetError(f"{path}: give [identity] url, or a [success] url_pattern / text_pattern")
    launch_table = _table(document, "launch")
    launch = None
    if launch_table:
        command = launch_table.get("command")
        if not isinstance(command, list) or not command or not all(isinstance(c, str) for c in command):
            raise TargetError("[launch] command must be a non-empty list of strings")
        ready = _string(launch_table, "ready_url", "[launch] ", required=True)
        launch = Launch(tuple(command), str(ready), float(launch_table.get("timeout_s", 30)))
    return TargetSpec(
        name=name,
        target=target,
        path=path,
        description=str(document.get("description", "")),
        allow_idp_initiated=bool(document.get("allow_idp_initiated", True)),
        expectations=_expectations(path, str(document.get("expectations", name))),
        launch=launch,
    )


def _claims(table: dict[str, Any]) -> Claims:
    """Read ``[claims]``: what the SP says about its own rules and what it lets the harness do."""
    clock_control_url = _string(table, "clock_control_url", "[claims] ")
    if clock_control_url is not None and not clock_control_url.startswith(("http://", "https://")):
        raise TargetError("[claims] clock_control_url must be an absolute http(s) URL")
    return Claims(clock_control_url=clock_control_url)


def _expectations(path: Path, value: str) -> str:
    """A ``*.toml`` value is a file beside the target file (made absolute); anything else names a fixtures file."""
    return str((path.parent / value).resolve()) if value.endswith(".toml") else value


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"[login] url must be an absolute http(s) URL, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


class LaunchedSp:
    """A target SP process the harness started, stopped when the run ends."""

    def __init__(self, launch: Launch, values: dict[str, str], cwd: Path, log_file: Path) -> None:
        command = [part.format_map(values | {"python": sys.executable}) for part in launch.command]
        self.log_file = log_file
        # A file, not a pipe: nobody reads a pipe while the suites run, and a full pipe blocks the SP.
        self._log = log_file.open("wb")
        self.process = subprocess.Popen(
            command, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + launch.timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.close()
                errors = log_file.read_text(errors="replace")
                raise TargetError(f"the target SP exited with {self.process.returncode}: {errors[-2000:]}")
            try:
                if requests.get(launch.ready_url, timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise TargetError(f"the target SP was not ready at {launch.ready_url} after {launch.timeout_s:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self._log.close()
