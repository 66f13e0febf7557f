"""What every evidence check shares: the registry, what a check is told (``Sent``), and XML reading helpers.

A leaf module: the check modules (``field_evidence``, ``attack_evidence``) register here and ``evidence``
runs them, so no module imports back into one that imports it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from saml_xmlns import NS

TIME_TOLERANCE = timedelta(seconds=120)
"""How far a shifted time may sit from the expected instant (the flow itself takes time)."""


def _unknown() -> bytes | None:
    return None


def _no_key() -> rsa.RSAPrivateKey | None:
    return None


@dataclass(frozen=True)
class Sent:
    """What a check knows besides the XML: when the IdP built it and which certificate the SP trusts."""

    now: datetime
    """When the IdP built the response (its clock, offset included)."""
    trusted: Callable[[], bytes | None] = field(default=_unknown, repr=False)
    """Returns the certificate the SP trusts (DER; None: unknown); asked at most once, only by checks that need it."""
    decryption: Callable[[], rsa.RSAPrivateKey | None] = field(default=_no_key, repr=False)
    """Returns the key the SP decrypts assertions with (None: unknown), to prove what the ciphertext holds."""

    def __post_init__(self) -> None:
        # Asking the SP is a database query: one per response however many checks compare with it.
        object.__setattr__(self, "trusted", functools.cache(self.trusted))
        object.__setattr__(self, "decryption", functools.cache(self.decryption))

    def trusted_certificate(self) -> bytes | None:
        return self.trusted()


Check = Callable[..., str | None]
"""``check(root, sent, **args) -> None`` when the fault is present, else a message saying what is missing."""
EVIDENCE: dict[str, Check] = {}
"""The evidence check of each op, by op name (the same names as the IdP's ``OPS``)."""


def evidence(name: str) -> Callable[[Check], Check]:
    """Register ``fn`` as the evidence check of op ``name``."""

    def register(fn: Check) -> Check:
        if name in EVIDENCE:
            raise ValueError(f"evidence check {name!r} registered twice")
        EVIDENCE[name] = fn
        return fn

    return register


def parse(xml: bytes) -> etree._Element:
    # strip_cdata=False keeps CDATA sections visible to the markup-injection evidence (text reads the same).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, strip_cdata=False)
    return etree.fromstring(xml, parser)


def elements(root: etree._Element, xpath: str) -> list[etree._Element]:
    """Return the elements ``xpath`` selects (prefixes as in ``xmlns.NS``)."""
    found = root.xpath(xpath, namespaces=NS)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


def strings(root: etree._Element, xpath: str) -> list[str]:
    """Return the attribute values or text nodes ``xpath`` selects."""
    found = root.xpath(xpath, namespaces=NS)
    return [str(v) for v in found if isinstance(v, str | bytes)] if isinstance(found, list) else []


def text_of(element: etree._Element) -> str:
    return "".join(str(t) for t in element.itertext())


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
