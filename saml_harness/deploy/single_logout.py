"""Switch Single Logout on at both sides as the two admins would (bundled SP only).

JustCall: Settings -> Security -> Single Sign-On -> Single Logout on, with Okta's Single Logout URL (from Okta's
metadata). Okta: Edit SAML Settings -> Show Advanced Settings -> Enable Single Logout, with JustCall's Single
Logout URL and SP Issuer, and JustCall's signing certificate uploaded as the Signature Certificate.
"""

from __future__ import annotations

from saml_harness.deploy.wiring import Deployment


def single_logout(deployment: Deployment, *, okta: bool = True, justcall: bool = True) -> None:
    """Turn Single Logout on in JustCall and/or in Okta, copying URLs and the certificate across."""
    sp, org, app = deployment.bundled_sp, deployment.okta, deployment.okta_app
    slug = deployment.demo.account.slug
    if justcall:
        okta_slo_url = org.idp_slo_url(app) or f"{org.public_url}/app/{app.name}/{app.external_key}/slo/saml"
        errors = sp.set_single_logout(slug, True, okta_slo_url)
        if errors:
            raise ValueError(f"JustCall refused Single Logout: {errors}")
    if okta:
        slo_url, sp_issuer = sp.slo_urls(slug)
        org.update_saml_app(
            app.id,
            slo_enabled=True,
            slo_url=slo_url,
            sp_issuer=sp_issuer,
            signature_certificate=sp.signing_certificate(slug).decode("ascii"),
        )
