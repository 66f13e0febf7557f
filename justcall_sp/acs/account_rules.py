"""Apply the help article's prerequisites to the account the response was posted for."""

from __future__ import annotations

from dataclasses import dataclass

from justcall_sp.acs.reasons import Reject


@dataclass(frozen=True)
class AccountFacts:
    """What the account rules need to know about one account."""

    slug: str
    sso_enabled: bool
    plan_has_sso: bool
    verified_domains: frozenset[str]
    unverified_domains: frozenset[str]


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


# Help article, Prerequisites: JustCall Business plan, a verified email domain, and SSO enabled (Step 1). The
# user's email domain must be one of this account's verified domains, so an IdP configured for one account
# cannot sign people into it with addresses it does not own.
def check_account_rules(facts: AccountFacts, email: str) -> None:
    if not facts.sso_enabled:
        raise Reject("account.sso_disabled", f"SSO is not enabled for account {facts.slug!r}")
    if not facts.plan_has_sso:
        raise Reject("account.plan", f"account {facts.slug!r} is not on a plan with SSO")
    domain = email_domain(email)
    if domain in facts.verified_domains:
        return
    if domain in facts.unverified_domains:
        raise Reject("account.domain_unverified", f"domain {domain!r} of account {facts.slug!r} is not verified")
    raise Reject("account.domain_mismatch", f"domain {domain!r} does not belong to account {facts.slug!r}")
