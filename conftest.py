"""The checkout's root conftest: the suites' fixtures come from the installed plugin (``saml_harness.plugin``).

Kept deliberately empty so that the suites here use exactly what another repository gets from
``pip install saml-harness``: the plugin is registered by its ``pytest11`` entry point, not by this file.
"""
