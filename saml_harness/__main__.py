"""Run the CLI as ``python -m saml_harness``."""

from saml_harness.cli.main import main

main()
