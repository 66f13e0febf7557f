"""Validate a SAML Response posted to the ACS: small pure checks, each with a reason code and its SAML clause.

Nothing in this package touches Flask or the database: the pipeline gets the posted form, what this
account expects, and a small ``Lookups`` object for the two facts that live in the database (outstanding
AuthnRequests and the replay cache).
"""
