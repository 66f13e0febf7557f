"""Serve a WSGI app on a real loopback socket in a daemon thread, for suites and ``serve``.

The server is waitress (a production WSGI server: HTTP/1.1 keep-alive, a pool of worker threads, no
per-request thread or connection) when it is installed, else werkzeug's development server. Keep-alive
matters: the suites' user agent and browsers reuse connections, which saves a connection setup per hop
(README "Performance").
"""

from __future__ import annotations

import importlib
import socket
import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

_waitress_server: Any = None
_close_all: Any = None
_waitress_loop: Any = None
try:  # waitress is the fast path; without it the werkzeug dev server keeps everything working
    _waitress_server = importlib.import_module("waitress.server").create_server
    _wasyncore = importlib.import_module("waitress.wasyncore")
    _close_all, _waitress_loop = _wasyncore.close_all, _wasyncore.loop
except ImportError:  # pragma: no cover - exercised only where waitress is absent
    _waitress_server = None

DEFAULT_THREADS = 8
"""Worker threads per server: enough for concurrent browsers and load tests; idle threads cost nothing."""

SERVERS = ("waitress", "werkzeug")


def default_server() -> str:
    """Return ``waitress`` when it is installed, else ``werkzeug``."""
    return "waitress" if _waitress_server is not None else "werkzeug"


def _listening_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    info = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)[0]
    sock = socket.socket(info[0], socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        # Several processes may listen on the same port; the kernel spreads connections over them.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(info[4])
    sock.listen(1024)
    return sock


class LiveServer:
    """Bind at construction (so the URL is known before the app needs it), serve on ``start()``.

    ``server`` picks the implementation (``waitress`` by default when installed, or ``werkzeug``);
    ``threads`` sizes waitress' worker pool; ``reuse_port`` sets SO_REUSEPORT so that other processes can
    serve the same port (load tests with several SP workers; waitress only).
    """

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        server: str | None = None,
        threads: int = DEFAULT_THREADS,
        reuse_port: bool = False,
    ) -> None:
        self.app = app
        self.kind = server or default_server()
        if self.kind not in SERVERS:
            raise ValueError(f"server must be one of {SERVERS}, got {self.kind!r}")
        if self.kind == "waitress" and _waitress_server is None:
            raise RuntimeError("waitress is not installed (pip install waitress)")
        if reuse_port and self.kind != "waitress":
            raise ValueError("reuse_port needs the waitress server")
        self._host = host
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._stopped = False
        self._server: Any
        if self.kind == "waitress":
            sock = _listening_socket(host, port, reuse_port)
            self._port = int(sock.getsockname()[1])
            self._server = _waitress_server(
                app,
                sockets=[sock],
                threads=threads,
                connection_limit=1000,
                asyncore_use_poll=True,
                ident="saml-harness",
            )
        else:
            werkzeug_server: BaseWSGIServer = make_server(host, port, app, threaded=True)
            self._server = werkzeug_server
            self._port = int(werkzeug_server.server_port)

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        target = self._serve_waitress if self.kind == "waitress" else self._server.serve_forever
        self._thread = threading.Thread(target=target, name=f"live:{self.port}", daemon=True)
        self._thread.start()
        return self

    def _serve_waitress(self) -> None:
        server = self._server
        socket_map = server._map
        try:
            while not self._stopping.is_set() and socket_map:
                _waitress_loop(timeout=1.0, map=socket_map, use_poll=True, count=1)
        finally:
            # Close listening socket, trigger and open connections from this thread: no race with the loop.
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
            _close_all(socket_map)

    def stop(self) -> None:
        """Stop serving and close the socket; stopping again does nothing (waitress's trigger is closed by then)."""
        if self._stopped:
            return
        self._stopped = True
        if self.kind == "waitress":
            self._stopping.set()
            if self._thread is None:
                self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
                _close_all(self._server._map)
            else:
                self._server.pull_trigger()
        else:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
