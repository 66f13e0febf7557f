"""The mock Okta org's state, in aggregates with one job each; ``mock_idp.org.Org`` is their facade.

``directory`` (users, groups, admins, API tokens), ``catalog`` (SAML apps and their assignments),
``keyring`` (signing keys), ``sign_ins`` (armed login plans, pending sign-ins, IdP sessions, the SSO log).
Each is a dataclass whose fields are its state, so ``base.Aggregate`` snapshots and restores all of it.
"""

from mock_idp.aggregates.base import Aggregate
from mock_idp.aggregates.catalog import AppCatalog
from mock_idp.aggregates.directory import Directory
from mock_idp.aggregates.keyring import KeyRing
from mock_idp.aggregates.sign_ins import SignIns

__all__ = ["Aggregate", "AppCatalog", "Directory", "KeyRing", "SignIns"]
