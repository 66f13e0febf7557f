"""A stopped deployment leaves nothing open: servers, the SP's pooled connections, the snapshot's SQLite copy.

Why: with warnings as errors, one connection left open made a PostgreSQL run (and any run on Python 3.13) exit 1
although every case passed.
"""

from __future__ import annotations

import gc
import socket
import warnings
from pathlib import Path

from sqlalchemy import event

from saml_harness.agent.flows import sp_initiated
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import start_deployment


def test_a_stopped_deployment_leaves_nothing_open(tmp_path: Path) -> None:
    deployment = start_deployment(database_url=f"sqlite:///{tmp_path / 'justcall.sqlite3'}")
    with UserAgent() as ua:
        assert sp_initiated(ua, deployment.target, deployment.credentials("assigned")).accepted
    deployment.reset()
    engine = deployment.justcall.db.engine
    pooled = engine.pool.checkedin()
    closed: list[object] = []
    event.listen(engine.pool, "close", lambda connection, record: closed.append(connection))
    snapshot = deployment._justcall_snapshot
    ports = (deployment.idp_server.port, deployment.sp_server.port)  # type: ignore[union-attr]

    deployment.stop()
    deployment.stop()  # twice is harmless

    assert pooled >= 1 and len(closed) == pooled
    assert snapshot.sqlite_copy is None
    for port in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))  # nobody listens there any more
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del deployment, snapshot
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
