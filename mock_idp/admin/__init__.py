"""The mock Okta admin console (``/admin/...``) and Admin API subset (``/api/v1/...``).

Kept import-light on purpose: ``mock_idp.org`` imports ``mock_idp.admin.records``, so the views are
registered from ``mock_idp.admin.blueprints.register_admin`` rather than imported here.
"""
