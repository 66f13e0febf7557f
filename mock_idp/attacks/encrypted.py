"""Attack catalog 1.H ops that work on the encrypted response (the rest are FaultPlan.signing overrides).

The attacker cannot read the ciphertext; what it can change is the markup around it, then re-sign the Response
with the IdP's key so that only the rule under test fails.
"""

from __future__ import annotations

from lxml import etree

from mock_idp.attacks.dsig import SIGNATURE_METHODS, Profile, ds, lookup, remove, sign_enveloped
from mock_idp.attacks.resign import attacker_signing
from mock_idp.op_registry import OpContext, op
from saml_xmlns import DS, SAML, XENC, q


@op("encrypted_key_elsewhere", stages=("post_sign",))
def encrypted_key_elsewhere(
    root: etree._Element, ctx: OpContext, uri: str = "http://127.0.0.1:9/encrypted-key"
) -> None:
    """Point the EncryptedData's RetrievalMethod at an EncryptedKey outside the document (ruby-saml's fixture)."""
    path = f"{q(SAML, 'EncryptedAssertion')}/{q(XENC, 'EncryptedData')}/{q(DS, 'KeyInfo')}/{q(DS, 'RetrievalMethod')}"
    method = root.find(path)
    if method is None:
        raise ValueError("encrypted_key_elsewhere needs an encrypted response (Assertion Encryption on)")
    method.set("URI", ctx.fmt(uri))
    signing_key, key_info, default_method = attacker_signing(root, ctx, "idp")
    for signature in root.findall(ds("Signature")):
        remove(signature)
    sign_enveloped(root, root, signing_key, key_info, Profile(lookup(SIGNATURE_METHODS, default_method, "method")))
