"""The pytest plugin (entry point ``pytest11``): ``--target``, the report hooks, and the fixtures.

Installed with the package, so a test file in any repository gets ``deployment``, ``okta_org``, ``justcall``,
``user_agent``, ``run_scenario`` and the rest without a conftest.
"""

pytest_plugins = ["saml_harness.plugin.hooks", "saml_harness.plugin.fixtures"]
