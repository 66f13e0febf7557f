"""Send the user agent's loopback requests over kept-alive HTTP/1.1 connections of its own, one per origin.

Why: ``requests.Session.request`` costs more Python work than a whole loopback round trip (environment
and proxy lookups, URL re-parsing, urllib3's pool, header copies), and ``http.client`` still parses every
answer's headers with the ``email`` package; the suites make about twelve hops a case. What goes on
the wire stays what requests sends, minus compression (``Accept-Encoding: identity``): the same method, URL
(requests' own normalization), form body (``urlencode``'s bytes), cookies (requests' cookie jar and policy)
and headers; and the answer reads as requests reads it (repeated headers joined, the same text encoding).
Hosts that are not loopback (a staging SP behind a proxy, https with a custom CA bundle) keep going through
``requests``.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import math
import re
import socket
import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.compat import chardet  # type: ignore[attr-defined]  # what requests guesses encodings with
from requests.cookies import MockRequest, MockResponse, RequestsCookieJar
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

LOOPBACK_NAMES = ("localhost",)
MAX_HEADER_LINES = 200
COOKIE_HEADERS = ("set-cookie", "set-cookie2")
"""The headers ``http.cookiejar`` reads cookies from."""


class StaleConnection(ConnectionError):
    """The server closed a kept-alive connection before answering (retried once on a new connection)."""


def is_loopback(url: str) -> bool:
    """Whether ``url`` is plain http to this machine (the only place the lean transport is used)."""
    parts = urlsplit(url)
    return parts.scheme == "http" and _is_loopback_host(parts.hostname)


@functools.lru_cache(maxsize=64)
def _is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_FORM_SAFE = {ord(c): c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"}
_FORM_ESCAPES = str.maketrans({chr(b): _FORM_SAFE.get(b, f"%{b:02X}") for b in range(128)} | {" ": "+"})


def form_body(data: dict[str, str]) -> bytes:
    """``urlencode(data)``'s bytes; ASCII values go through one ``str.translate`` instead of a loop per byte."""
    if not all(k.isascii() and v.isascii() for k, v in data.items()):
        return urlencode(data).encode()
    return "&".join(f"{k.translate(_FORM_ESCAPES)}={v.translate(_FORM_ESCAPES)}" for k, v in data.items()).encode()


_PLAIN_URL = re.compile(
    r"http://(?:127\.0\.0\.1|localhost):[1-9][0-9]{0,4}(?P<path>/[A-Za-z0-9\-._~/]*)(?:\?[A-Za-z0-9\-._~=&+/:%?]+)?"
)
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")
_CHANGED_ESCAPE = re.compile(r"%(?![0-9A-F]{2})|%(?:3[0-9]|4[1-9A-F]|5[0-9A]|6[1-9A-F]|7[0-9A]|2D|2E|5F|7E)")
"""A ``%`` requests would rewrite: not two upper-case hex digits, or the escape of an unreserved character."""


def prepared_url(url: str) -> str:
    """The URL requests sends and reports for ``url``; a loopback URL already in that form is returned as is.

    requests re-parses and re-quotes every URL (about a tenth of a loopback round trip); the URLs of a flow are
    already normalized (a path, no dot segments, only characters that stay, upper-case escapes of characters
    that must stay escaped), and for those its answer is the URL itself (``tests/harness/test_transport.py``).
    """
    found = _PLAIN_URL.fullmatch(url)
    if found and not _DOT_SEGMENT.search(found.group("path")) and not _CHANGED_ESCAPE.search(url):
        return url
    prepared = PreparedRequest()
    prepared.prepare_url(url, None)
    assert prepared.url is not None
    return prepared.url


class Answer:
    """One answer, read as ``requests.Response`` reads it (the attributes the user agent uses), without its cost."""

    def __init__(
        self, url: str, status_code: int, reason: str, headers: CaseInsensitiveDict[str], content: bytes
    ) -> None:
        self.url = url
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.content = content
        self.encoding = _encoding_for(headers.get("Content-Type"))

    @classmethod
    def of(cls, response: requests.Response) -> Answer:
        """The same view of an answer requests got (hosts that are not loopback)."""
        return cls(response.url, response.status_code, response.reason, response.headers, response.content)

    @property
    def text(self) -> str:
        """``requests.Response.text``: the header's charset, else requests' default for the type, else a guess."""
        if not self.content:
            return ""
        encoding = self.encoding or (chardet.detect(self.content)["encoding"] if chardet is not None else "utf-8")
        try:
            return str(self.content, encoding, errors="replace")
        except (LookupError, TypeError):
            return str(self.content, errors="replace")

    def json(self) -> Any:
        return json.loads(self.text)


@functools.lru_cache(maxsize=64)
def _encoding_for(content_type: str | None) -> str | None:
    return get_encoding_from_headers({"content-type": content_type} if content_type else {})


class CachingCookieJar(RequestsCookieJar):
    """requests' cookie jar, which also remembers the ``Cookie`` headers it computed until the jar changes.

    Why: ``CookieJar.add_cookie_header`` checks every cookie against the policy on every request (README
    "Performance"), while a flow's jar changes only on a few answers. The header is a function of
    the jar's cookies, its policy, the URL's scheme, host and port, which of the jar's cookie paths the policy
    matches with the URL's path, and the clock (expiry); so it is reused while no cookie was set or cleared
    (every change goes through ``set_cookie`` or ``clear``), the policy object is the same, and no cookie in
    the jar has expired since. Cookies are not edited in place (``Cookie`` objects are replaced by
    ``set_cookie``, never mutated, in requests and ``http.cookiejar``).
    """

    def __init__(self, policy: Any = None) -> None:
        super().__init__(policy)
        self._generation = 0
        self._headers: dict[tuple[str, str, frozenset[str]], tuple[int, Any, float, dict[str, str]]] = {}

    def set_cookie(self, cookie: Any, *args: Any, **kwargs: Any) -> None:
        self._generation += 1
        super().set_cookie(cookie, *args, **kwargs)

    def clear(self, domain: str | None = None, path: str | None = None, name: str | None = None) -> None:
        self._generation += 1
        super().clear(domain, path, name)

    def set_policy(self, policy: Any) -> None:
        self._generation += 1
        super().set_policy(policy)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]  # RequestsCookieJar's (not in the stubs)
        self._generation = 0
        self._headers = {}

    def cookie_headers(self, url: str, headers: dict[str, str]) -> dict[str, str]:
        """The headers ``add_cookie_header`` adds to a request for ``url`` with ``headers`` (no Cookie header)."""
        request = MockRequest(SimpleNamespace(url=url, headers=headers))
        # The path enters only through the policy's path_return_ok(cookie path, request); the rest depends on the
        # scheme, host and port. Asking it for the jar's few cookie paths is cheap next to the whole header.
        policy = self.get_policy()
        cookies: dict[str, dict[str, Any]] = self.__dict__["_cookies"]  # domain -> path -> name -> Cookie
        paths = {path for by_path in cookies.values() for path in by_path}
        matched = frozenset(p for p in paths if policy.path_return_ok(p, request))  # type: ignore[arg-type]
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, matched)
        now = int(time.time())
        cached = self._headers.get(key)
        if cached is not None:
            generation, cached_policy, expires, found = cached
            if generation == self._generation and cached_policy is policy and now < expires:
                return found
        generation = self._generation
        self.add_cookie_header(request)  # type: ignore[arg-type]
        found = request.get_new_headers()
        if generation == self._generation:  # add_cookie_header cleared no expired cookie
            expires = min((c.expires for c in self if c.expires is not None), default=math.inf)
            self._headers[key] = (generation, policy, expires, found)
        return found


class Headers:
    """An answer's header lines, as the cookie jar reads them (``get_all``)."""

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        self.lines = lines

    def get_all(self, name: str, default: list[str] | None = None) -> list[str] | None:
        found = [value for key, value in self.lines if key.lower() == name.lower()]
        return found or default


class Connection:
    """One kept-alive HTTP/1.1 connection: write a request, read the answer's status, headers and body."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port = host, port
        self.sock = socket.create_connection((host, port), timeout)
        # Small requests must not wait for the previous segment's ACK (Nagle); urllib3 sets this too.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.reusable = True

    def exchange(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """Send one request; return (status, reason, header lines, body)."""
        host = self.host if self.port == 80 else f"{self.host}:{self.port}"
        if ":" in self.host:
            host = f"[{self.host}]" + ("" if self.port == 80 else f":{self.port}")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items())]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.sock.sendall(head + body if body else head)
        status_line = self.file.readline(65537)
        if not status_line:
            raise StaleConnection(f"{self.host}:{self.port} closed the connection without an answer")
        version, _, rest = status_line.decode("latin-1").rstrip("\r\n").partition(" ")
        status, _, reason = rest.partition(" ")
        answer_headers = self._read_headers()
        content = self._read_body(method, int(status), answer_headers)
        connection = ",".join(v for k, v in answer_headers if k.lower() == "connection").lower()
        if "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection):
            self.reusable = False
        return int(status), reason, answer_headers, content

    def _read_headers(self) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for _ in range(MAX_HEADER_LINES):
            line = self.file.readline(65537).decode("latin-1")
            if line in ("\r\n", "\n", ""):
                return found
            if line[0] in " \t" and found:  # obsolete line folding
                found[-1] = (found[-1][0], f"{found[-1][1]} {line.strip()}")
                continue
            name, _, value = line.partition(":")
            found.append((name.strip(), value.strip()))
        raise ConnectionError(f"more than {MAX_HEADER_LINES} header lines from {self.host}:{self.port}")

    def _read_body(self, method: str, status: int, headers: list[tuple[str, str]]) -> bytes:
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return b""
        fields = {k.lower(): v for k, v in headers}
        if "chunked" in fields.get("transfer-encoding", "").lower():
            return self._read_chunks()
        if "content-length" in fields:
            length = int(fields["content-length"])
            content = self.file.read(length)
            if len(content) != length:
                raise ConnectionError(f"{self.host}:{self.port} sent {len(content)} of {length} bytes")
            return content
        self.reusable = False  # the body ends when the server closes the connection
        return self.file.read()

    def _read_chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.file.readline(65537).split(b";", 1)[0].strip(), 16)
            if size == 0:
                while self.file.readline(65537) not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return b"".join(parts)
            parts.append(self.file.read(size))
            self.file.readline(65537)

    def close(self) -> None:
        self.reusable = False
        self.file.close()
        self.sock.close()


class ConnectionPool:
    """One kept-alive connection per (host, port); ``close`` closes them all (also run when the agent is dropped)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._connections: dict[tuple[str, int], Connection] = {}

    def exchange(
        self, method: str, host: str, port: int, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """Send one request and read its answer; retry once on a new connection if a reused one went stale."""
        key = (host, port)
        connection = self._connections.get(key)
        if connection is not None:
            try:
                return self._exchange(key, connection, method, path, headers, body)
            except (StaleConnection, ConnectionResetError, BrokenPipeError):
                pass  # closed by the server while idle (its keep-alive timeout): a browser retries too
        connection = self._connections[key] = Connection(host, port, self.timeout)
        return self._exchange(key, connection, method, path, headers, body)

    def _exchange(
        self,
        key: tuple[str, int],
        connection: Connection,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes | None,
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        try:
            answer = connection.exchange(method, path, headers, body)
        except BaseException:
            connection.close()
            self._connections.pop(key, None)
            raise
        if not connection.reusable:
            connection.close()
            self._connections.pop(key, None)
        return answer

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()


def send(
    pool: ConnectionPool,
    session: requests.Session,
    method: str,
    url: str,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """Send one request without following redirects, over ``pool``, with ``session``'s cookies and headers."""
    url = prepared_url(url)
    parts = urlsplit(url)
    assert parts.hostname is not None
    body = form_body(data) if data else None
    wire = {k: str(v) for k, v in session.headers.items() if k.lower() != "accept-encoding"}
    wire |= {"Accept-Encoding": "identity"} | (headers or {})
    if body is not None:
        wire["Content-Type"] = "application/x-www-form-urlencoded"
    jar = session.cookies
    if isinstance(jar, CachingCookieJar) and not any(k.lower() in ("cookie", "cookie2") for k in wire):
        wire |= jar.cookie_headers(url, wire)
    else:
        cookie_request = MockRequest(SimpleNamespace(url=url, headers=wire))
        jar.add_cookie_header(cookie_request)  # type: ignore[arg-type]
        wire |= cookie_request.get_new_headers()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    status, reason, lines, content = pool.exchange(method, parts.hostname, parts.port or 80, path, wire, body)
    if any(name.lower() in COOKIE_HEADERS for name, _ in lines):  # nothing for the jar to do otherwise
        # The request as the jar saw it (``wire`` now holds the Cookie header too, which it does not read).
        cookie_request = MockRequest(SimpleNamespace(url=url, headers=wire))
        jar.extract_cookies(MockResponse(Headers(lines)), cookie_request)  # type: ignore[arg-type]
    joined: dict[str, str] = {}
    for name, value in lines:  # as urllib3 joins repeated headers
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return Answer(url, status, reason, CaseInsensitiveDict(joined), content)
