"""Drive SAML SSO flows between the mock Okta IdP and a JustCall SP, and judge the outcome.

Kept import-free so that ``justcall_sp`` and ``mock_idp`` can import ``saml_harness.xmlns`` without
pulling in the driver (the SP must never import IdP code).
"""
