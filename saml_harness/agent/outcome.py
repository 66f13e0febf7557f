"""Say what the SP did with a login, in terms a scenario's expectation can be compared with."""

from __future__ import annotations

from dataclasses import dataclass, field

from saml_harness.agent.trace import Trace


@dataclass
class Outcome:
    """What happened at the end of one SSO flow (the Outcome contract in ARCHITECTURE.md)."""

    accepted: bool
    """The SP established a session (its who-am-I answered with an identity)."""
    identity: str | None = None
    """Who the SP says is signed in, if anyone."""
    role: str | None = None
    """Their role, when the SP's who-am-I names one (JustCall's: Owner, Admin, Supervisor, Agent)."""
    sp_error: str | None = None
    """The user-visible error category the SP showed (a row of the help article, for JustCall)."""
    reason: str | None = None
    """The SP's machine-readable reason code, when the target exposes one (the bundled SP does)."""
    idp_error: str | None = None
    """The IdP's error page title, e.g. Okta's "403 App Not Assigned"; no SAMLResponse was sent."""
    trace: Trace = field(default_factory=Trace)
    final_url: str = ""
    final_status: int = 0
    sp_error_detail: str | None = None
    reference: str | None = None
    """The SP's activity-log reference shown on its error page."""
    sp_status: int | None = None
    """On a refusal at the SP: the HTTP status of its last answer."""
    sp_said: str | None = None
    """On a refusal at the SP: its visible error text (the target's failure element, else the page's text, trimmed)."""
    signed_in_after: dict[str, object] | None = None
    """For a logout case: who-am-I at each side afterwards (``sp``: the identity or None, ``okta``: bool)."""

    def summary(self) -> str:
        """Return one line for people: who got in, or what stopped them."""
        if self.signed_in_after is not None:
            after = self.signed_in_after
            sp = f"signed in as {after['sp']}" if after.get("sp") else "signed out"
            return f"after the logout: JustCall side {sp}, Okta {'signed in' if after.get('okta') else 'signed out'}"
        if self.accepted:
            return f"accepted: signed in as {self.identity}"
        if self.idp_error:
            return f"stopped at the IdP: {self.idp_error}"
        parts = [f"rejected by the SP: {self.sp_said or self.sp_error or 'no error shown'}"]
        if self.reason:
            parts.append(f"reason {self.reason}")
        return ", ".join(parts) + f" (HTTP {self.final_status} at {self.final_url})"

    def explain(self) -> str:
        """Return the summary followed by the full trace, for failure messages."""
        return f"{self.summary()}\n{self.trace.render()}"
