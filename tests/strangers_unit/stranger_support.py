"""Wire the mock Okta org to an in-process stranger SP, as the harness's external-target mechanism would."""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mock_idp import create_app as create_idp
from mock_idp.keys import KeyPool
from saml_harness.agent.flows import Credentials, IdpSide, Target
from saml_harness.agent.user_agent import Page, UserAgent
from saml_harness.deploy.live import LiveServer
from saml_xmlns import ATTRNAME_UNSPECIFIED, NAMEID_EMAIL

STRANGER_DIR = Path(__file__).resolve().parents[1] / "strangers" / "python3_saml"
"""``tests/strangers/python3_saml``: the SP is a script directory, not a package, so it is imported by path."""
if str(STRANGER_DIR) not in sys.path:
    sys.path.insert(0, str(STRANGER_DIR))

import stranger_sp  # noqa: E402  (needs the path above)

EMAIL = "sam.stranger@acme.example"
PASSWORD = "correct horse battery"
ATTRIBUTES = [
    ("email", ATTRNAME_UNSPECIFIED, "user.email"),
    ("firstName", ATTRNAME_UNSPECIFIED, "user.firstName"),
    ("lastName", ATTRNAME_UNSPECIFIED, "user.lastName"),
]


@dataclass
class Okta:
    """The mock Okta org on a live loopback server, with one person."""

    server: LiveServer
    org: Any
    """``mock_idp.org.Org``."""
    user_id: str

    @property
    def url(self) -> str:
        return self.server.url

    def create_app(self, label: str, acs_url: str, entity_id: str) -> Any:
        """Create and assign a SAML app for an SP, as Step 2 and Step 5 of the help article do."""
        app = self.org.create_saml_app(
            label=label,
            sso_url=acs_url,
            audience=entity_id,
            name_id_format=NAMEID_EMAIL,
            attribute_statements=ATTRIBUTES,
        )
        self.org.assign_user(app.id, self.user_id)
        return app

    def metadata(self, app: Any) -> bytes:
        """Download the app's IdP metadata over HTTP, as a person copying the Metadata URL would."""
        answer = requests.get(self.org.metadata_url(app), timeout=10)
        answer.raise_for_status()
        return answer.content


def start_okta(key_pool: KeyPool) -> Okta:
    """Start the mock Okta org on a free loopback port (the public URL is set once the port is known)."""
    idp_app = create_idp({"ORG_NAME": "acme", "SECRET_KEY": secrets.token_hex(16), "KEY_SOURCE": key_pool.source()})
    server = LiveServer(idp_app)
    idp_app.config["PUBLIC_URL"] = server.url
    org = idp_app.extensions["mock_okta"]
    org.public_url = server.url
    user = org.add_user(EMAIL, "Sam", "Stranger", PASSWORD)
    server.start()
    return Okta(server, org, user.id)


@dataclass
class Stranger:
    """A live stranger SP, the Okta app that points at it, and the metadata file it reads."""

    okta: Okta
    server: LiveServer
    sp: stranger_sp.StrangerSp
    app: Any
    metadata_path: Path
    snapshot: Any = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def target(self) -> Target:
        return Target(
            name="stranger",
            sp_url=self.url,
            acs_url=self.sp.acs_url,
            entity_id=self.sp.entity_id,
            sso_start_url=f"{self.url}/login",
            me_url=f"{self.url}/whoami",
        )

    @property
    def idp(self) -> IdpSide:
        org = self.okta.org
        return IdpSide(
            url=self.okta.url,
            dashboard_url=org.dashboard_url(),
            app_label=self.app.label,
            embed_link=org.embed_link(self.app.id),
        )

    @property
    def credentials(self) -> Credentials:
        return Credentials(EMAIL, PASSWORD)

    def write_metadata(self) -> None:
        """Write the app's current IdP metadata where the SP reads it (what the harness does before a run)."""
        self.metadata_path.write_bytes(self.okta.metadata(self.app))

    def reset(self) -> None:
        """Back to the freshly wired state: org, metadata file, SP flags and SP state."""
        self.okta.org.restore(self.snapshot)
        self.write_metadata()
        self.sp.allow_unsolicited = False
        self.sp.strict = True
        self.sp.reset()

    def stop(self) -> None:
        self.server.stop()


def start_stranger(okta: Okta, folder: Path, label: str = "Stranger") -> Stranger:
    """Start a stranger SP in-process on a free port and create its Okta app from its URLs."""
    metadata_path = folder / "idp-metadata.xml"
    sp_app = stranger_sp.create_app(metadata_path)
    server = LiveServer(sp_app)
    sp: stranger_sp.StrangerSp = sp_app.extensions["stranger_sp"]
    sp.base_url = server.url
    app = okta.create_app(label, sp.acs_url, sp.entity_id)
    stranger = Stranger(okta, server, sp, app, metadata_path)
    stranger.write_metadata()
    stranger.snapshot = okta.org.snapshot()
    server.start()
    return stranger


def posted_saml_response(ua: UserAgent, acs_url: str) -> tuple[str, str]:
    """Return the SAMLResponse and RelayState the user agent last posted to ``acs_url``."""
    for hop in reversed(ua.trace.hops):
        if hop.method == "POST" and hop.url == acs_url and "SAMLResponse" in hop.form:
            return hop.form["SAMLResponse"], hop.form.get("RelayState", "")
    raise AssertionError(f"no SAMLResponse was posted to {acs_url}:\n{ua.trace.render()}")


def post_to_acs(acs_url: str, data: dict[str, str]) -> Page:
    """POST a form to the ACS from a fresh browser (no cookies), without following redirects."""
    return UserAgent().request("POST", acs_url, data)
