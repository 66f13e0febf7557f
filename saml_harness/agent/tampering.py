"""Change a SAML request in transit, as a person controlling their own browser can (the scenarios' ``agent`` ops).

The IdP must notice: a signed request changed after signing no longer verifies. Each op takes the redirect URL the
SP answered with and returns the URL the agent follows instead; the trace records what was really sent.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

from lxml import etree

from saml_harness.agent.trace import decode_redirect

AgentOp = Callable[..., str]
AGENT_OPS: dict[str, AgentOp] = {}
SentCheck = Callable[..., str | None]
SENT_CHECKS: dict[str, SentCheck] = {}
"""Per op: given the request XML the IdP received and the op's arguments, what is wrong (None: the change is there)."""


def agent_op(fn: AgentOp) -> AgentOp:
    """Register ``fn`` under its own name."""
    AGENT_OPS[fn.__name__] = fn
    return fn


def _deflate(xml: bytes) -> str:
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return base64.b64encode(compressor.compress(xml) + compressor.flush()).decode("ascii")


@agent_op
def set_request_attribute(url: str, name: str, value: str) -> str:
    """Set attribute ``name`` of the HTTP-Redirect SAMLRequest's root to ``value``; every other query field (RelayState,
    SigAlg, Signature) is kept byte for byte, as signed. A URL without a SAMLRequest is returned unchanged."""
    parts = urlsplit(url)
    fields = parts.query.split("&")
    for index, field in enumerate(fields):
        key, _, raw = field.partition("=")
        if key != "SAMLRequest":
            continue
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(decode_redirect(unquote_plus(raw)), parser)
        root.set(name, value)
        fields[index] = f"SAMLRequest={quote_plus(_deflate(etree.tostring(root)))}"
        return urlunsplit(parts._replace(query="&".join(fields)))
    return url


def _request_attribute_sent(xml: bytes, name: str, value: str) -> str | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    sent = etree.fromstring(xml, parser).get(name)
    return None if sent == value else f"the request sent has {name}={sent!r}, not {value!r}"


SENT_CHECKS["set_request_attribute"] = _request_attribute_sent


def rewriter(ops: Iterable[tuple[str, Mapping[str, Any]]]) -> Callable[[str], str]:
    """Return one function applying each ``(op name, arguments)`` in order to a redirect URL."""
    steps = [(AGENT_OPS[name], dict(args)) for name, args in ops]

    def rewrite(url: str) -> str:
        for fn, args in steps:
            url = fn(url, **args)
        return url

    return rewrite
