"""The user agent's loopback transport answers exactly as requests does, keeps connections alive and closes them."""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import requests
from flask import Flask, Response, make_response, request, stream_with_context
from requests.models import PreparedRequest

from saml_harness.agent.transport import ConnectionPool, form_body, is_loopback, prepared_url, send
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.live import LiveServer


def make_app() -> Flask:
    app = Flask(__name__)

    @app.route("/echo", methods=["GET", "POST"])
    def echo():  # type: ignore[no-untyped-def]
        answer = make_response(
            {
                "method": request.method,
                "path": request.full_path,
                "form": request.form.to_dict(),
                "cookies": request.cookies.to_dict(),
                "content_type": request.content_type,
                "content_length": request.content_length,
                "authorization": request.headers.get("Authorization"),
            }
        )
        answer.set_cookie("first", "1", path="/")
        answer.set_cookie("second", "2", path="/echo")
        answer.headers.add("X-Repeated", "a")
        answer.headers.add("X-Repeated", "b")
        return answer

    @app.get("/moved")
    def moved():  # type: ignore[no-untyped-def]
        return "", 303, {"Location": "/echo?x=1"}

    @app.get("/plain")
    def plain():  # type: ignore[no-untyped-def]
        return Response("caf\xe9".encode("latin-1"), content_type="text/plain")

    @app.get("/html")
    def html():  # type: ignore[no-untyped-def]
        return "<html><title>K\xf6ln</title></html>"

    @app.get("/metadata")
    def metadata():  # type: ignore[no-untyped-def]
        return Response(
            "<md:EntityDescriptor entityID='K\xf6ln'/>".encode(), content_type="application/samlmetadata+xml"
        )

    @app.get("/stream")
    def stream():  # type: ignore[no-untyped-def]
        return Response(stream_with_context(iter(["one ", "two ", "three"])), content_type="text/plain; charset=utf-8")

    @app.get("/empty")
    def empty():  # type: ignore[no-untyped-def]
        return "", 204

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(make_app()) as live:
        yield live


CASES = [
    ("GET", "/echo?q=a b&r=%2F", None),
    ("POST", "/echo", {"SAMLResponse": "PHg+Lz4=+/==", "RelayState": "/calls?a=1&b=ü", "empty": ""}),
    ("POST", "/echo", None),
    ("GET", "/moved", None),
    ("GET", "/plain", None),
    ("GET", "/html", None),
    ("GET", "/stream", None),
    ("GET", "/metadata", None),
    ("GET", "/empty", None),
]


@pytest.mark.parametrize(("method", "path", "data"), CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_answers_read_exactly_as_requests_reads_them(
    server: LiveServer, method: str, path: str, data: dict[str, str] | None
) -> None:
    ours, theirs = requests.Session(), requests.Session()
    for session in (ours, theirs):
        session.cookies.set("seeded", "yes", domain="127.0.0.1", path="/")
    pool = ConnectionPool(10)
    try:
        for _ in range(2):  # the second round runs on the kept-alive connection and sends the cookies set
            mine = send(pool, ours, method, f"{server.url}{path}", data, {"Authorization": "Bearer t"})
            reference = theirs.request(
                method, f"{server.url}{path}", data=data, headers={"Authorization": "Bearer t"}, allow_redirects=False
            )
            assert (mine.status_code, mine.reason, mine.url) == (reference.status_code, reference.reason, reference.url)
            assert (mine.encoding, mine.text) == (reference.encoding, reference.text)
            assert without_date(mine.headers) == without_date(reference.headers)
            assert sorted((c.name, c.value, c.path) for c in ours.cookies) == sorted(
                (c.name, c.value, c.path) for c in theirs.cookies
            )
    finally:
        pool.close()


def without_date(headers: object) -> dict[str, str]:
    return {k: v for k, v in dict(headers).items() if k.lower() != "date"}  # type: ignore[call-overload]


def test_form_body_is_urlencode() -> None:
    for data in ({"a": "x y+z/=&é"}, {"SAMLResponse": "PHg+Lz4=", "RelayState": ""}, {"k~_.-": "~_.-!*'()"}):
        assert form_body(data) == urlencode(data).encode()


def test_only_plain_http_to_this_machine_is_loopback() -> None:
    assert (
        is_loopback("http://127.0.0.1:5000/x") and is_loopback("http://localhost/") and is_loopback("http://[::1]:8/")
    )
    assert not is_loopback("https://127.0.0.1/") and not is_loopback("http://sp.example/")


def test_one_connection_per_origin_is_reused_and_closed(server: LiveServer) -> None:
    ua = UserAgent()
    for _ in range(3):
        assert ua.request("GET", f"{server.url}/html").status == 200
    connections = list(ua._pool._connections.values())
    assert len(connections) == 1
    ua.close()
    assert connections[0].sock.fileno() == -1
    assert ua.request("GET", f"{server.url}/html").status == 200  # a closed agent opens a new connection
    ua.close()


def test_a_dropped_user_agent_closes_its_connections(server: LiveServer) -> None:
    ua = UserAgent()
    ua.request("GET", f"{server.url}/html")
    (connection,) = ua._pool._connections.values()
    del ua
    assert connection.sock.fileno() == -1


class OneRequestPerConnection:
    """A raw server that answers one request per connection with ``answer``, then closes the connection."""

    def __init__(self, answer: bytes, connections: int) -> None:
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.accepted = 0
        self.thread = threading.Thread(target=self.serve, args=(connections,), daemon=True)
        self.thread.start()

    def serve(self, connections: int) -> None:
        for _ in range(connections):
            conn, _ = self.listener.accept()
            self.accepted += 1
            conn.recv(65536)
            conn.sendall(self.answer)
            conn.close()

    def join(self) -> None:
        self.thread.join(5)
        self.listener.close()


def test_connection_close_is_honoured() -> None:
    server = OneRequestPerConnection(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye", 1)
    with UserAgent() as ua:
        assert ua.request("GET", server.url).text == "bye"
        assert ua._pool._connections == {}
    server.join()


def test_a_body_ended_by_closing_is_read_to_the_end() -> None:
    server = OneRequestPerConnection(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", 1)
    with UserAgent() as ua:
        assert ua.request("GET", server.url).text == "all of it"
        assert ua._pool._connections == {}
    server.join()


def test_a_connection_the_server_closed_while_idle_is_retried_once() -> None:
    server = OneRequestPerConnection(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok", 2)
    with UserAgent() as ua:
        assert ua.request("GET", server.url).text == "ok"
        assert ua.request("GET", server.url).text == "ok"  # the kept-alive connection was closed meanwhile
    server.join()
    assert server.accepted == 2


def requests_url(url: str) -> str | None:
    prepared = PreparedRequest()
    prepared.prepare_url(url, None)
    return prepared.url


URL_PIECES = [
    "a",
    "Z",
    "0",
    "-",
    ".",
    "_",
    "~",
    "/",
    "?",
    "=",
    "&",
    "+",
    ":",
    "%2F",
    "%2f",
    "%41",
    "%7E",
    "%3D",
    "%",
    "%G1",
    "..",
    "/./",
    "/../",
    " ",
    "é",
    "#",
    "@",
    "!",
    "'",
    "*",
    ",",
    ";",
    "[",
    "%2B",
]


def test_prepared_url_is_what_requests_sends() -> None:
    rng = random.Random(7)
    bases = ["http://127.0.0.1:8123", "http://localhost:5000", "http://127.0.0.1:08123", "http://LOCALHOST:5000"]
    urls = [f"{rng.choice(bases)}/{''.join(rng.choices(URL_PIECES, k=rng.randint(0, 12)))}" for _ in range(3000)]
    urls += ["http://127.0.0.1:8123", "http://127.0.0.1:8123?x=1", "http://127.0.0.1:8123/login/sso?next=%2Fcalls"]
    urls += ["http://127.0.0.1:8123/login/login.htm?fromURI=/app/a_1/exk1/sso/saml?stateToken%3DHn-0t_v"]
    for url in urls:
        assert prepared_url(url) == requests_url(url), url


def test_the_caching_jar_sends_what_the_cookie_jar_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    """The remembered Cookie header is what ``add_cookie_header`` computes, through sets, clears and expiry.

    Time is the test's own (a quarter second per step): with the machine's clock, a loaded machine crossed a
    cookie's one-second expiry between the two jars' reads and the test failed by timing, not by a bug.
    """
    import time

    from requests.cookies import MockRequest, RequestsCookieJar, create_cookie

    from saml_harness.agent.transport import CachingCookieJar

    clock = [1_700_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    expired_on_the_way = 0
    ours, theirs = CachingCookieJar(), RequestsCookieJar()
    urls = [
        "http://127.0.0.1:5000/",
        "http://127.0.0.1:5000/app/x?y=1",
        "http://127.0.0.1:6000/sso/saml",
        "http://localhost:5000/",
        "https://127.0.0.1/app",
    ]
    rng = random.Random(7)
    for step in range(400):
        clock[0] += 0.25
        action = rng.random()
        if action < 0.3:
            cookie = create_cookie(
                rng.choice(["sid", "session", "csrf"]),
                f"v{step}",
                domain=rng.choice(["127.0.0.1", "localhost"]),
                path=rng.choice(["/", "/app", "/sso"]),
                secure=rng.random() < 0.2,
                expires=int(time.time()) + rng.choice([-5, 1, 3600]) if rng.random() < 0.3 else None,
            )
            ours.set_cookie(cookie)
            theirs.set_cookie(cookie)
        elif action < 0.4 and len(theirs):
            victim = rng.choice(list(theirs))
            ours.clear(victim.domain, victim.path, victim.name)
            theirs.clear(victim.domain, victim.path, victim.name)
        url = rng.choice(urls)
        expected = MockRequest(type("R", (), {"url": url, "headers": {}})())
        before = len(theirs)
        theirs.add_cookie_header(expected)  # type: ignore[arg-type]
        expired_on_the_way += before - len(theirs)
        assert ours.cookie_headers(url, {}) == expected.get_new_headers()
        assert sorted((c.name, c.value, c.domain, c.path) for c in ours) == sorted(
            (c.name, c.value, c.domain, c.path) for c in theirs
        )
    assert ours._headers, "the jar remembered no header"
    assert expired_on_the_way, "no cookie expired between steps: the expiry path was not exercised"


def test_a_remembered_cookie_header_expires_with_its_cookie(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from requests.cookies import create_cookie

    from saml_harness.agent.transport import CachingCookieJar

    start = time.time()
    jar = CachingCookieJar()
    jar.set_cookie(create_cookie("short", "1", domain="127.0.0.1", path="/", expires=int(start) + 60))
    jar.set_cookie(create_cookie("long", "2", domain="127.0.0.1", path="/"))
    assert jar.cookie_headers("http://127.0.0.1:5000/", {}) == {"Cookie": "short=1; long=2"}
    monkeypatch.setattr(time, "time", lambda: start + 61)
    assert jar.cookie_headers("http://127.0.0.1:5000/", {}) == {"Cookie": "long=2"}
    assert [c.name for c in jar] == ["long"]
