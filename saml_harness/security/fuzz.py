"""Mutational fuzzing of signed responses: byte-level and tree-level mutations, an oracle, saved reproducers.

A mutation is a tuple of steps (plain data), so a failing case can be saved as JSON and replayed against a
fresh response. ``strategies`` builds them for hypothesis; ``apply`` turns a genuine response into the
mutant; ``judge`` says what is wrong with the SP's answer (a 5xx, or a session for anyone or anything
other than what the IdP signed).
``python -m saml_harness.security.fuzz replay reports/fuzz/<case>.json`` re-runs a case.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from lxml import etree

from mock_idp.faults import FaultPlan
from saml_xmlns import SAML, q

Step = tuple[Any, ...]
FUZZ_EXAMPLES_ENV = "FUZZ_EXAMPLES"
DEFAULT_EXAMPLES = 40
"""Examples per fuzz test when ``FUZZ_EXAMPLES`` is unset (the short budget of ``nox -s security``)."""
REPORT_DIR = Path("reports") / "fuzz"

_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

TOKENS = (
    b"<!---->",
    b"<!--owner@acme.example-->",
    b"<![CDATA[x]]>",
    b"<?pi x?>",
    b"&amp;",
    b"&#x0;",
    b"&lt;",
    b"<!DOCTYPE r>",
    b'"',
    b"'",
    b"<",
    b">",
    b"/>",
    b"\x00",
    b"\xff\xfe",
    b"\r\n",
    b' ID="_fuzz"',
    b' xmlns="urn:fuzz"',
    b' xmlns:saml2="urn:fuzz"',
    b"</saml2:Assertion>",
    b"<saml2:Assertion>",
    b"owner@acme.example",
    b".evil.example",
)
"""Byte strings a grammar-blind fuzzer would not find quickly: markup, entities, namespace and ID tricks."""

TEXTS = ("", "owner@acme.example", "x" * 300, "caf\u00e9", "a<b&c", " padded ", "\u202eevil", "0")
TAGS = ("Wrapper", "Extensions", "Object", "Assertion", "Signature", "NameID", "Issuer")
NAMESPACES = ("", "urn:oasis:names:tc:SAML:2.0:assertion", "http://www.w3.org/2000/09/xmldsig#", "urn:fuzz")
ATTRIBUTES = ("ID", "Version", "Destination", "Recipient", "NotOnOrAfter", "Method", "URI", "Algorithm", "Format")


# ---------------------------------------------------------------------------------------------- strategies

_position = st.integers(min_value=0, max_value=10**6)
_index = st.integers(min_value=0, max_value=10**4)

BYTE_STEPS = st.one_of(
    st.tuples(st.just("flip"), _position, st.integers(0, 7)),
    st.tuples(st.just("replace"), _position, st.integers(0, 255)),
    st.tuples(st.just("insert"), _position, st.sampled_from(TOKENS)),
    st.tuples(st.just("delete"), _position, st.integers(1, 64)),
    st.tuples(st.just("duplicate"), _position, st.integers(1, 512), _position),
    st.tuples(st.just("boundary_insert"), _index, st.sampled_from(TOKENS)),
    st.tuples(st.just("text_flip"), _position, st.integers(0, 5)),
)
TREE_STEPS = st.one_of(
    st.tuples(st.just("delete"), _index),
    st.tuples(st.just("duplicate"), _index),
    st.tuples(st.just("move"), _index, _index),
    st.tuples(st.just("swap"), _index, _index),
    st.tuples(st.just("wrap"), _index, st.sampled_from(TAGS), st.sampled_from(NAMESPACES)),
    st.tuples(st.just("set_text"), _index, st.sampled_from(TEXTS)),
    st.tuples(st.just("comment"), _index, st.integers(0, 64)),
    st.tuples(st.just("set_attr"), _index, st.sampled_from(ATTRIBUTES), st.sampled_from(TEXTS)),
    st.tuples(st.just("del_attr"), _index, st.integers(0, 8)),
    st.tuples(st.just("rename"), _index, st.sampled_from(TAGS), st.sampled_from(NAMESPACES)),
)


@dataclass(frozen=True)
class Mutation:
    """A replayable mutation: ``level`` "bytes" or "tree", and its steps."""

    level: str
    steps: tuple[Step, ...]

    def as_json(self) -> dict[str, Any]:
        """Return the mutation as JSON data (bytes as hex), for saved cases."""
        return {"level": self.level, "steps": [[_jsonable(x) for x in step] for step in self.steps]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mutation:
        """Rebuild a mutation saved by ``as_json``."""
        return cls(str(data["level"]), tuple(tuple(_unjson(x) for x in step) for step in data["steps"]))


def _jsonable(value: Any) -> Any:
    return {"bytes": value.hex()} if isinstance(value, bytes) else value


def _unjson(value: Any) -> Any:
    return bytes.fromhex(value["bytes"]) if isinstance(value, dict) and "bytes" in value else value


def mutations(max_steps: int = 4) -> st.SearchStrategy[Mutation]:
    """Hypothesis strategy: byte-level or tree-level mutations of 1 to ``max_steps`` steps."""
    byte_level = st.lists(BYTE_STEPS, min_size=1, max_size=max_steps).map(lambda s: Mutation("bytes", tuple(s)))
    tree_level = st.lists(TREE_STEPS, min_size=1, max_size=max_steps).map(lambda s: Mutation("tree", tuple(s)))
    return st.one_of(byte_level, tree_level)


# ---------------------------------------------------------------------------------------------- applying


def apply(mutation: Mutation, xml: bytes) -> bytes:
    """Return ``xml`` mutated by ``mutation`` (positions and indexes wrap around the document's size)."""
    if mutation.level == "bytes":
        return apply_bytes(mutation.steps, xml)
    if mutation.level == "tree":
        return apply_tree(mutation.steps, xml)
    raise ValueError(f"unknown mutation level {mutation.level!r}")


def _text_positions(data: bytearray) -> list[int]:
    """Return the offsets of bytes inside text nodes (between ``>`` and ``<``): mutating them keeps XML well formed."""
    positions, inside = [], False
    for offset, byte in enumerate(data):
        if byte == ord("<"):
            inside = False
        elif inside:
            positions.append(offset)
        elif byte == ord(">"):
            inside = True
    return positions


def apply_bytes(steps: Sequence[Step], xml: bytes) -> bytes:
    """Apply byte-level steps: flip a bit, replace/insert/delete bytes, duplicate a slice elsewhere.

    Two steps aim past the parser: ``boundary_insert`` puts a token right after a tag, ``text_flip`` flips a
    low bit of a byte inside text, so more mutants reach the signature and claim checks.
    """
    data = bytearray(xml)
    for step in steps:
        name, position = step[0], step[1] % max(1, len(data))
        if name == "boundary_insert":
            ends = [i + 1 for i, byte in enumerate(data) if byte == ord(">")]
            if ends:
                at = ends[step[1] % len(ends)]
                data[at:at] = step[2]
        elif name == "text_flip":
            texts = _text_positions(data)
            if texts:
                data[texts[step[1] % len(texts)]] ^= 1 << step[2]
        elif name == "flip" and data:
            data[position] ^= 1 << step[2]
        elif name == "replace" and data:
            data[position] = step[2]
        elif name == "insert":
            data[position:position] = step[2]
        elif name == "delete":
            del data[position : position + step[2]]
        elif name == "duplicate":
            chunk = bytes(data[position : position + step[2]])
            target = step[3] % max(1, len(data))
            data[target:target] = chunk
    return bytes(data)


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _tag(local: str, namespace: str) -> str:
    return q(namespace, local) if namespace else local


def _tree_step(root: etree._Element, step: Step) -> None:
    elements = _elements(root)
    element = elements[step[1] % len(elements)]
    parent = element.getparent()
    name = step[0]
    if name == "delete" and parent is not None:
        parent.remove(element)
    elif name == "duplicate" and parent is not None:
        element.addnext(copy.deepcopy(element))
    elif name in ("move", "swap") and parent is not None:
        other = elements[step[2] % len(elements)]
        if other is element or element in other.iterancestors() or other in element.iterancestors():
            return
        if name == "move":
            other.append(element)
        elif other.getparent() is not None:
            marker = etree.Element("marker")
            element.addprevious(marker)
            other.addprevious(element)
            marker.addprevious(other)
            marker.getparent().remove(marker)  # type: ignore[union-attr]
    elif name == "wrap" and parent is not None:
        wrapper = etree.Element(_tag(step[2], step[3]))
        element.addprevious(wrapper)
        wrapper.append(element)
    elif name == "set_text":
        element.text = step[2]
    elif name == "comment":
        text = element.text or ""
        at = step[2] % (len(text) + 1)
        element.text = text[:at]
        comment = etree.Comment("")
        comment.tail = text[at:]
        element.insert(0, comment)
    elif name == "set_attr":
        element.set(step[2], step[3])
    elif name == "del_attr" and element.attrib:
        names = list(element.attrib)
        del element.attrib[names[step[2] % len(names)]]
    elif name == "rename":
        element.tag = _tag(step[2], step[3])


def apply_tree(steps: Sequence[Step], xml: bytes) -> bytes:
    """Apply tree-level steps (delete, duplicate, move, swap, wrap, text, comment, attributes, rename)."""
    root = etree.fromstring(xml, _SAFE_PARSER)
    for step in steps:
        _tree_step(root, step)
    return b'<?xml version="1.0" encoding="UTF-8"?>' + etree.tostring(root)


# ---------------------------------------------------------------------------------------------- oracle


@dataclass(frozen=True)
class SignedClaims:
    """Who and what the IdP signed in the genuine response: the only identity the SP may sign in."""

    email: str
    first_name: str
    last_name: str

    @classmethod
    def of(cls, xml: bytes) -> SignedClaims:
        """Read the claims from the genuine response (before any mutation)."""
        root = etree.fromstring(xml, _SAFE_PARSER)
        values: dict[str, str] = {}
        for attribute in root.iter(q(SAML, "Attribute")):
            value = attribute.find(q(SAML, "AttributeValue"))
            values[str(attribute.get("Name"))] = "" if value is None else "".join(str(t) for t in value.itertext())
        return cls(values.get("email", ""), values.get("firstName", ""), values.get("lastName", ""))


def judge(statuses: Sequence[int], me: dict[str, Any] | None, signed: SignedClaims) -> list[str]:
    """Return what the SP did wrong: any 5xx, or a session whose identity or names differ from what was signed."""
    problems = [f"HTTP {status}" for status in statuses if status >= 500]
    if me is not None:
        got = (str(me.get("email", "")).lower(), me.get("first_name"), me.get("last_name"))
        expected = (signed.email.lower(), signed.first_name, signed.last_name)
        if got != expected:
            problems.append(f"session for {got}, but the IdP signed {expected}")
    return problems


# ---------------------------------------------------------------------------------------------- reproducers


@dataclass
class Case:
    """One failing fuzz case, as saved under ``reports/fuzz/``."""

    mutation: dict[str, Any]
    response_signed: bool
    problems: list[str]
    original_b64: str
    posted_b64: str
    statuses: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Return a file name stable for the mutation (a re-found case overwrites its file)."""
        digest = hashlib.sha256(json.dumps(self.mutation, sort_keys=True).encode()).hexdigest()[:12]
        return f"case-{digest}.json"


def save(case: Case, folder: Path = REPORT_DIR) -> Path:
    """Write ``case`` as JSON (with the command that replays it) and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / case.name
    document = asdict(case) | {"replay": f"python -m saml_harness.security.fuzz replay {path}"}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def budget(default: int = DEFAULT_EXAMPLES) -> int:
    """Return the example budget: ``$FUZZ_EXAMPLES`` if set, else ``default``."""
    raw = os.environ.get(FUZZ_EXAMPLES_ENV)
    return int(raw) if raw else default


def replay(path: Path) -> int:
    """Re-run a saved case against a fresh deployment: apply its mutation to a new genuine response and post it."""
    from saml_harness.agent.user_agent import UserAgent
    from saml_harness.deploy.wiring import start_deployment
    from saml_harness.security.attacker import capture, encode, post_to_acs

    document = json.loads(path.read_text(encoding="utf-8"))
    mutation = Mutation.from_json(document["mutation"])
    deployment = start_deployment()
    try:
        credentials = deployment.credentials("assigned")
        if not document["response_signed"]:
            deployment.okta.set_next_login_plan(credentials.username, FaultPlan(signing={"response_signed": False}))
        genuine = capture(UserAgent(), deployment.target, deployment.idp, credentials)
        delivery = post_to_acs(deployment.target, {"SAMLResponse": encode(apply(mutation, genuine.xml))})
        problems = judge([delivery.status, delivery.me_status], delivery.me, SignedClaims.of(genuine.xml))
        print(f"HTTP {delivery.status}; signed in: {delivery.signed_in_as}; problems: {problems or 'none'}")
        return 1 if problems else 0
    finally:
        deployment.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``replay CASE``."""
    parser = argparse.ArgumentParser(prog="python -m saml_harness.security.fuzz", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    replay_parser = commands.add_parser("replay", help="re-run a saved failing case")
    replay_parser.add_argument("case", type=Path)
    args = parser.parse_args(argv)
    return replay(args.case)


if __name__ == "__main__":
    sys.exit(main())
