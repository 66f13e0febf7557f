"""The attack corpus: post_sign ops registered in ``mock_idp.op_registry.OPS`` (``mock_idp.faults`` imports it).

Modules: ``xsw`` (SAMLRaider XSW1-8), ``wrapping`` (pysaml2 shapes, duplicate IDs, misplaced signatures,
two SignedInfo, DigestValue comments), ``resign`` (attacker keys, HMAC, deviant profiles, KeyInfo),
``markup`` (comment/CDATA/PI injection), ``protocol`` (checklist cases), ``encrypted`` (attack catalog 1.H markup
around the ciphertext), and ``dsig`` (the signature mechanics).
"""

from mock_idp.attacks import encrypted, markup, protocol, resign, wrapping, xsw

__all__ = ["encrypted", "markup", "protocol", "resign", "wrapping", "xsw"]
