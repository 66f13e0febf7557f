"""Run the CLI as ``python -m saml_harness``."""

from saml_harness.cli import main

main()
