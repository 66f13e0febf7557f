"""The ``saml-harness`` command line: serve, scenarios, repro, diagnose, report."""
