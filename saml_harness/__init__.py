"""Drive SAML SSO flows between the mock Okta IdP and an SP (bundled or external), and judge the outcome."""
