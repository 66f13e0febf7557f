"""The user agent's transport sends a request again only when it is idempotent: a resent POST to the ACS is a replay.

RFC 9110 9.2.2: a client may retry a GET whose connection closed before the answer, never automatically a POST.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from saml_harness.agent.transport import RequestNotResent
from saml_harness.agent.user_agent import UserAgent

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class DropsTheFirstConnection:
    """A raw server: the first connection is closed once its request has arrived, unanswered; later ones get ``OK``
    and are then closed too (no ``Connection: close``: as a server whose keep-alive timeout ran out)."""

    def __init__(self, drop_first: bool = True) -> None:
        self.drop_first = drop_first
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/acs"
        self.requests: list[str] = []
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                request = conn.recv(65536)
                if not request:
                    continue
                self.requests.append(request.split(b" ", 1)[0].decode())
                if self.drop_first and len(self.requests) == 1:
                    continue  # closed without an answer
                conn.sendall(OK)

    def stop(self) -> None:
        self.running = False
        self.thread.join(5)
        self.listener.close()


@pytest.fixture
def server() -> Iterator[DropsTheFirstConnection]:
    running = DropsTheFirstConnection()
    yield running
    running.stop()


def test_a_post_whose_connection_drops_is_not_resent_and_says_why(server: DropsTheFirstConnection) -> None:
    with UserAgent() as ua, pytest.raises(RequestNotResent) as refused:
        ua.request("POST", server.url, data={"SAMLResponse": "PHNhbWxwOlJlc3BvbnNlLz4=", "RelayState": "/"})
    server.stop()  # no second connection can be on its way any more
    assert server.requests == ["POST"]
    message = str(refused.value)
    assert message.startswith(f"POST {server.url}: the connection closed before an answer")
    assert "not sent again" in message and "replay" in message


def test_a_get_whose_connection_drops_is_sent_once_more(server: DropsTheFirstConnection) -> None:
    with UserAgent() as ua:
        assert ua.request("GET", server.url).text == "ok"
    server.stop()
    assert server.requests == ["GET", "GET"]


def test_a_get_is_sent_at_most_twice() -> None:
    dropping = socket.create_server(("127.0.0.1", 0))
    dropping.settimeout(2)  # the third accept waits for a connection that must never come
    seen: list[bytes] = []

    def drop_every_connection() -> None:
        for _ in range(3):
            try:
                conn, _ = dropping.accept()
            except OSError:  # timed out or closed: no more connections came
                return
            with conn:
                seen.append(conn.recv(65536).split(b" ", 1)[0])

    thread = threading.Thread(target=drop_every_connection, daemon=True)
    thread.start()
    with UserAgent() as ua, pytest.raises(ConnectionError, match="closed the connection without an answer"):
        ua.request("GET", f"http://127.0.0.1:{dropping.getsockname()[1]}/")
    dropping.close()
    thread.join(10)
    assert seen == [b"GET", b"GET"]


def test_a_post_after_the_server_closed_the_idle_connection_goes_once_on_a_new_one() -> None:
    """Nothing was sent on the closed connection, so a new one carrying the POST is not a resend."""
    server = DropsTheFirstConnection(drop_first=False)
    try:
        with UserAgent() as ua:
            assert ua.request("GET", server.url).text == "ok"  # the server closes this connection afterwards
            for _ in range(50):  # until the close has reached us
                pooled = next(iter(ua._pool._connections.values()), None)
                if pooled is None or pooled.dropped():
                    break
                threading.Event().wait(0.01)
            assert ua.request("POST", server.url, data={"SAMLResponse": "x"}).text == "ok"
    finally:
        server.stop()
    assert server.requests == ["GET", "POST"]
