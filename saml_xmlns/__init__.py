"""Name SAML 2.0 namespaces and URIs once, for the IdP, the SP and the harness alike.

This module is the only code the mock IdP and the bundled SP share: constants, no behaviour,
so that a bug in one side cannot cancel out the same bug in the other.
"""

from typing import Final

SAMLP: Final = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML: Final = "urn:oasis:names:tc:SAML:2.0:assertion"
MD: Final = "urn:oasis:names:tc:SAML:2.0:metadata"
DS: Final = "http://www.w3.org/2000/09/xmldsig#"
EC: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
XS: Final = "http://www.w3.org/2001/XMLSchema"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
XENC: Final = "http://www.w3.org/2001/04/xmlenc#"
XENC11: Final = "http://www.w3.org/2009/xmlenc11#"

NS: Final = {"saml2p": SAMLP, "saml2": SAML, "md": MD, "ds": DS, "ec": EC, "xs": XS, "xsi": XSI, "xenc": XENC}
"""Prefix map for XPath queries; prefixes follow Okta's serialization."""

BINDING_POST: Final = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_REDIRECT: Final = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

NAMEID_EMAIL: Final = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
NAMEID_UNSPECIFIED: Final = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAMEID_PERSISTENT: Final = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NAMEID_TRANSIENT: Final = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
NAMEID_X509: Final = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
NAMEID_ENTITY: Final = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"

ATTRNAME_UNSPECIFIED: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
ATTRNAME_BASIC: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
ATTRNAME_URI: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"

CM_BEARER: Final = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
AC_PASSWORD_PROTECTED_TRANSPORT: Final = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"

STATUS_SUCCESS: Final = "urn:oasis:names:tc:SAML:2.0:status:Success"
STATUS_REQUESTER: Final = "urn:oasis:names:tc:SAML:2.0:status:Requester"
STATUS_RESPONDER: Final = "urn:oasis:names:tc:SAML:2.0:status:Responder"
STATUS_AUTHN_FAILED: Final = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"

ALG_RSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ALG_RSA_SHA1: Final = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
ALG_SHA256: Final = "http://www.w3.org/2001/04/xmlenc#sha256"
ALG_SHA1: Final = "http://www.w3.org/2000/09/xmldsig#sha1"
ALG_EXC_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
ALG_EXC_C14N_WITH_COMMENTS: Final = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
ALG_ENVELOPED: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

# XML Encryption (xmlenc-core, xmlenc-core1): what Okta's Assertion Encryption settings write.
ENC_TYPE_ELEMENT: Final = XENC + "Element"
ENC_TYPE_ENCRYPTED_KEY: Final = XENC + "EncryptedKey"
ENC_AES128_CBC: Final = XENC + "aes128-cbc"
ENC_AES256_CBC: Final = XENC + "aes256-cbc"
ENC_AES128_GCM: Final = XENC11 + "aes128-gcm"
ENC_AES256_GCM: Final = XENC11 + "aes256-gcm"
ENC_TRIPLEDES_CBC: Final = XENC + "tripledes-cbc"
KT_RSA_OAEP_MGF1P: Final = XENC + "rsa-oaep-mgf1p"
KT_RSA_1_5: Final = XENC + "rsa-1_5"


def q(ns: str, local: str) -> str:
    """Return the Clark-notation tag ``{ns}local`` that lxml expects."""
    return f"{{{ns}}}{local}"
