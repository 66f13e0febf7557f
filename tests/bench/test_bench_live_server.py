"""The live servers behind the suites: waitress with keep-alive by default, werkzeug as the fallback."""

from __future__ import annotations

import http.client
import socket
import threading

import pytest
import requests
from flask import Flask

from saml_harness.deploy.live import LiveServer, default_server

waitress = pytest.importorskip("waitress")


def app() -> Flask:
    flask_app = Flask("bench_live")

    @flask_app.get("/")
    def index() -> str:
        return f"hello from {threading.current_thread().name}"

    @flask_app.post("/echo")
    def echo() -> str:
        from flask import request

        return request.form.get("x", "")

    return flask_app


def test_waitress_is_the_default_when_installed() -> None:
    assert default_server() == "waitress"
    with LiveServer(app()) as server:
        assert server.kind == "waitress"
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert requests.get(server.url, timeout=5).text.startswith("hello")


def test_keep_alive_serves_many_requests_on_one_connection() -> None:
    with LiveServer(app()) as server:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
        for i in range(5):
            connection.request(
                "POST", "/echo", body=f"x={i}", headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
            answer = connection.getresponse()
            assert answer.read().decode() == str(i)
            assert (answer.getheader("Connection") or "").lower() != "close"
        connection.close()


def test_url_is_known_before_start_and_stop_frees_the_port() -> None:
    server = LiveServer(app())
    port = server.port
    assert port > 0
    server.start()
    server.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # free again


@pytest.mark.parametrize("kind", ["waitress", "werkzeug"])
def test_stopping_twice_is_harmless(kind: str) -> None:
    """The load server stops the SP's in-process server when workers take its port, and again at the end."""
    server = LiveServer(app(), server=kind).start()
    port = server.port
    assert requests.get(server.url, timeout=5).status_code == 200
    server.stop()
    server.stop()  # raised "Bad file descriptor" from waitress's closed trigger before
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # and the port is free


def test_stop_without_start_and_werkzeug_fallback() -> None:
    LiveServer(app()).stop()
    with LiveServer(app(), server="werkzeug") as server:
        assert server.kind == "werkzeug"
        assert requests.get(server.url, timeout=5).status_code == 200


def test_reuse_port_lets_two_servers_share_a_port() -> None:
    first = LiveServer(app(), reuse_port=True)
    second = LiveServer(app(), port=first.port, reuse_port=True)
    with first, second:
        assert requests.get(first.url, timeout=5).status_code == 200


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError):
        LiveServer(app(), server="gunicorn")
    with pytest.raises(ValueError):
        LiveServer(app(), server="werkzeug", reuse_port=True)
