"""Deployments: live loopback servers, the mock Okta org wired to an SP (bundled or external), demo data."""
