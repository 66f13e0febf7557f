"""Start a throwaway PostgreSQL cluster on a free loopback port in a temporary folder, and always remove it.

Why: the bundled SP must pass the suites on PostgreSQL too (SQLite hides locking, typing and transaction
differences), and CI machines have PostgreSQL's binaries but no server to spare. Standard library only, so
the noxfile can use it before any virtual environment exists. PostgreSQL refuses to run as root, so when
this process is root the cluster runs as an unprivileged user (``postgres``, created when missing).

    with ThrowawayPostgres() as cluster:
        os.environ["DATABASE_URL"] = cluster.url   # postgresql+psycopg://harness:...@127.0.0.1:PORT/justcall
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")
SUPERUSER = "harness"
DATABASE = "justcall"
RUN_AS_WHEN_ROOT = "postgres"
START_TIMEOUT_S = 60


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (``initdb``/``pg_ctl``)."""


def find_bindir(environ: dict[str, str] | None = None) -> Path:
    """Where ``initdb`` and ``pg_ctl`` live: ``PG_BINDIR``, ``pg_config --bindir``, Debian's folders, else PATH."""
    env = os.environ if environ is None else environ
    candidates: list[str] = []
    if env.get("PG_BINDIR"):
        candidates.append(env["PG_BINDIR"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if found.returncode == 0:
            candidates.append(found.stdout.strip())
    candidates += PG_BIN_CANDIDATES
    initdb_on_path = shutil.which("initdb")
    if initdb_on_path:
        candidates.append(str(Path(initdb_on_path).parent))
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) found: set PG_BINDIR, or install PostgreSQL "
        "(Debian: apt-get install postgresql)"
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the cluster binds it a moment later; start retries on a clash)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def ensure_user(name: str) -> pwd.struct_passwd:
    """The account to run PostgreSQL as when we are root; created (system user, no login) when missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)


class ThrowawayPostgres:
    """One PostgreSQL cluster: ``initdb`` in a temp folder, ``pg_ctl start`` on 127.0.0.1, removed on ``stop``.

    The superuser's password is generated at run time (scram-sha-256 on TCP, no Unix socket outside the
    folder); ``url`` is a SQLAlchemy URL for psycopg 3 to a database made for the run.
    """

    def __init__(self, bindir: Path | None = None, host: str = "127.0.0.1") -> None:
        self.bindir = bindir or find_bindir()
        self.host = host
        self.port = 0
        self.password = secrets.token_urlsafe(18)
        self.folder: Path | None = None
        self._run_as: pwd.struct_passwd | None = None
        self._started = False

    @property
    def data_dir(self) -> Path:
        assert self.folder is not None, "start() first"
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@{self.host}:{self.port}/{DATABASE}"

    def start(self) -> ThrowawayPostgres:
        """Create, start and prepare the cluster; on any failure remove what was made and raise."""
        self.folder = Path(tempfile.mkdtemp(prefix="saml-harness-pg-"))
        try:
            if os.geteuid() == 0:
                self._run_as = ensure_user(RUN_AS_WHEN_ROOT)
                os.chown(self.folder, self._run_as.pw_uid, self._run_as.pw_gid)
            self._initdb()
            self._start_server()
            self._run([str(self.bindir / "createdb"), *self._client_args(), DATABASE], secret_env=True)
        except BaseException:
            self.stop()
            raise
        return self

    def _initdb(self) -> None:
        assert self.folder is not None
        password_file = self.folder / "pwfile"
        password_file.write_text(self.password + "\n")
        password_file.chmod(0o600)
        if self._run_as is not None:
            os.chown(password_file, self._run_as.pw_uid, self._run_as.pw_gid)
        try:
            self._run(
                [
                    str(self.bindir / "initdb"),
                    f"--pgdata={self.data_dir}",
                    f"--username={SUPERUSER}",
                    f"--pwfile={password_file}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--no-instructions",
                ],
                as_cluster_owner=True,
            )
        finally:
            password_file.unlink(missing_ok=True)

    def _start_server(self) -> None:
        assert self.folder is not None
        last_error: subprocess.CalledProcessError | None = None
        for _attempt in range(3):  # another process may take the free port between the probe and the bind
            self.port = free_port(self.host)
            options = f"-c listen_addresses={self.host} -p {self.port} -k {self.folder} -c fsync=off"
            try:
                self._run(
                    [
                        str(self.bindir / "pg_ctl"),
                        "start",
                        "--wait",
                        f"--timeout={START_TIMEOUT_S}",
                        f"--pgdata={self.data_dir}",
                        f"--log={self.folder / 'server.log'}",
                        f"--options={options}",
                    ],
                    as_cluster_owner=True,
                )
                self._started = True
                return
            except subprocess.CalledProcessError as error:
                last_error = error
                time.sleep(0.2)
        assert last_error is not None
        raise last_error

    def _client_args(self) -> list[str]:
        return [f"--host={self.host}", f"--port={self.port}", f"--username={SUPERUSER}"]

    def _run(self, command: Sequence[str], *, as_cluster_owner: bool = False, secret_env: bool = False) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"LC_ALL": "C"}
        if secret_env:
            env["PGPASSWORD"] = self.password
        owner = self._run_as if as_cluster_owner else None
        # The cluster owner may not be able to enter the caller's folder; the temp folder is its own.
        result = subprocess.run(
            list(command),
            cwd=self.folder,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            user=owner.pw_uid if owner else None,
            group=owner.pw_gid if owner else None,
            extra_groups=[] if owner else None,
        )
        if result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, command, result.stdout, result.stderr)

    def stop(self) -> None:
        """Stop the server (immediately: the data is thrown away) and remove the folder; safe to call twice."""
        try:
            if self._started:
                self._started = False
                self._run(
                    [str(self.bindir / "pg_ctl"), "stop", "--wait", "--mode=immediate", f"--pgdata={self.data_dir}"],
                    as_cluster_owner=True,
                )
        finally:
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
                self.folder = None

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
