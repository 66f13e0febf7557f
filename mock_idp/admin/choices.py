"""Name the console's select options as the AIW labels them and map them to the values the org stores (pure)."""

from __future__ import annotations

from saml_xmlns import (
    ATTRNAME_BASIC,
    ATTRNAME_UNSPECIFIED,
    ATTRNAME_URI,
    NAMEID_EMAIL,
    NAMEID_PERSISTENT,
    NAMEID_TRANSIENT,
    NAMEID_UNSPECIFIED,
    NAMEID_X509,
)

# "Name ID format" choices as Okta's wizard labels them, label -> URI.
NAME_ID_FORMATS: dict[str, str] = {
    "Unspecified": NAMEID_UNSPECIFIED,
    "EmailAddress": NAMEID_EMAIL,
    "x509SubjectName": NAMEID_X509,
    "Persistent": NAMEID_PERSISTENT,
    "Transient": NAMEID_TRANSIENT,
}

# "Application username" choices, stored value -> label.
APPLICATION_USERNAMES: dict[str, str] = {
    "okta_username": "Okta username",
    "email": "Email",
    "okta_username_prefix": "Okta username prefix",
}

# Attribute statements' "Name format" choices, label -> URI.
ATTRIBUTE_NAME_FORMATS: dict[str, str] = {
    "Unspecified": ATTRNAME_UNSPECIFIED,
    "URI Reference": ATTRNAME_URI,
    "Basic": ATTRNAME_BASIC,
}

SIGNATURE_ALGORITHMS: dict[str, str] = {"RSA_SHA256": "RSA-SHA256", "RSA_SHA1": "RSA-SHA1"}
DIGEST_ALGORITHMS: dict[str, str] = {"SHA256": "SHA256", "SHA1": "SHA1"}


def label_of(mapping: dict[str, str], uri: str, default: str = "") -> str:
    """Return the label whose URI is ``uri`` (reverse lookup of a label -> URI map)."""
    return next((label for label, value in mapping.items() if value == uri), default or uri)
