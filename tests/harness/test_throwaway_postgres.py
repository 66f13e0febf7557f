"""The throwaway PostgreSQL cluster of ``nox -s postgres``: reachable with its generated password, always removed.

Why: CI starts a real PostgreSQL for the SP and must not leave a server or its files behind, even when the run
fails; as root it runs the cluster as an unprivileged user (PostgreSQL refuses root).
"""

from __future__ import annotations

import socket

import pytest

from saml_harness.deploy.throwaway_postgres import PostgresUnavailable, ThrowawayPostgres, find_bindir


def test_the_cluster_serves_its_database_and_is_removed_even_when_the_run_fails() -> None:
    try:
        find_bindir()
    except PostgresUnavailable as error:
        pytest.skip(str(error))
    with pytest.raises(RuntimeError, match="the run failed"), ThrowawayPostgres() as cluster:
        folder, port = cluster.folder, cluster.port
        assert folder is not None and (folder / "data" / "PG_VERSION").is_file()
        assert cluster.url.startswith(f"postgresql+psycopg://harness:{cluster.password}@127.0.0.1:{port}/justcall")
        psycopg = pytest.importorskip("psycopg")
        with psycopg.connect(cluster.url.replace("postgresql+psycopg", "postgresql")) as connection:
            assert connection.execute("select current_database()").fetchone() == ("justcall",)
        with pytest.raises(psycopg.OperationalError):  # the password is required
            psycopg.connect(f"postgresql://harness:wrong@127.0.0.1:{port}/justcall").close()
        raise RuntimeError("the run failed")
    assert not folder.exists()
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))
