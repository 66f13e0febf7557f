"""``LiveServer.stop`` cannot race: under load, from several threads at once, or when the server wakes on its own.

Why: ``repro`` ended with ``OSError: [Errno 9] Bad file descriptor`` in ``LiveServer.stop()`` in about one run in
five: ``stop`` pulled waitress's trigger after the serving thread had already closed it.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest
from flask import Flask

from saml_harness.deploy.live import SERVERS, LiveServer


def app() -> Flask:
    flask_app = Flask("live_stop")

    @flask_app.get("/")
    def index() -> str:
        return "hello"

    return flask_app


def port_is_free(port: int) -> bool:
    """Whether nothing listens on ``port`` any more (closed connections may linger in TIME_WAIT: that is fine)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
        return True


class WakesTheServerFirst(threading.Event):
    """A stop event whose ``set`` lets the serving thread wake on its own (a client connects) and run as far as it
    can before ``stop`` goes on: the interleaving that closed the trigger under ``stop``'s feet."""

    def __init__(self, server: LiveServer) -> None:
        super().__init__()
        self.server = server

    def set(self) -> None:
        super().set()
        socket.create_connection((self.server.host, self.server.port), timeout=5).close()
        assert self.server._thread is not None
        self.server._thread.join(0.5)


def test_stop_never_wakes_a_server_that_already_closed_its_trigger() -> None:
    server = LiveServer(app(), server="waitress").start()
    server._stopping = WakesTheServerFirst(server)
    server.stop()  # raised OSError: [Errno 9] Bad file descriptor before
    assert server._thread is not None and not server._thread.is_alive()
    assert port_is_free(server.port)


@pytest.mark.parametrize("kind", SERVERS)
def test_stops_from_many_threads_at_once_all_return_after_the_server_ended(kind: str) -> None:
    server = LiveServer(app(), server=kind).start()
    start = threading.Barrier(8)
    errors: list[BaseException] = []
    thread_alive_after_stop: list[bool] = []

    def stop() -> None:
        start.wait()
        try:
            server.stop()
            assert server._thread is not None
            thread_alive_after_stop.append(server._thread.is_alive())
        except BaseException as error:  # collected: an exception in a thread would only be printed
            errors.append(error)

    stoppers = [threading.Thread(target=stop) for _ in range(8)]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join(30)
    assert errors == []
    assert thread_alive_after_stop == [False] * 8
    assert port_is_free(server.port)


class Load:
    """Clients sending GETs over kept-alive connections, as the user agent and browsers do, until told to stop."""

    def __init__(self, server: LiveServer, clients: int = 4) -> None:
        self.server = server
        self.served = 0
        self.running = threading.Event()
        self.running.set()
        self.threads = [threading.Thread(target=self.client) for _ in range(clients)]
        for thread in self.threads:
            thread.start()

    def client(self) -> None:
        while self.running.is_set():
            connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=5)
            try:
                for _ in range(20):
                    connection.request("GET", "/")
                    connection.getresponse().read()
                    self.served += 1
            except OSError:
                pass  # refused or reset once the server stops: expected
            finally:
                connection.close()

    def wait_for(self, requests: int) -> None:
        deadline = time.monotonic() + 10
        while self.served < requests and time.monotonic() < deadline:
            time.sleep(0.01)

    def end(self) -> None:
        self.running.clear()
        for thread in self.threads:
            thread.join(10)


@pytest.mark.parametrize("kind", SERVERS)
def test_a_server_under_load_stops_cleanly(kind: str) -> None:
    for _cycle in range(5):
        server = LiveServer(app(), server=kind).start()
        load = Load(server)
        try:
            load.wait_for(20)
            server.stop()
        finally:
            load.end()
        assert load.served >= 20
        assert server._thread is not None and not server._thread.is_alive()
        assert port_is_free(server.port)


@pytest.mark.parametrize("kind", SERVERS)
def test_stopping_a_server_that_never_started_returns(kind: str) -> None:
    server = LiveServer(app(), server=kind)
    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(10)  # werkzeug's shutdown() waited forever for a serve_forever that never ran
    assert not stopper.is_alive()
    assert port_is_free(server.port)
