"""A throwaway PostgreSQL 15 for the tests: initdb in a temp dir, 127.0.0.1 only, a free port.

PostgreSQL refuses to run as root and CI runs as root, so the server then runs as an unprivileged
system user (the `postgres` user the Debian package makes, else `copydesk-pg`, created with
useradd). Durability settings are off (`fsync=off`): the tests kill clients and restart the server
cleanly, never the machine, and the data directory is deleted at the end anyway.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

PG_BIN = Path(os.environ.get("COPYDESK_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "postgres"


def missing_reason() -> str | None:
    """Why the server cannot run here, or None."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"PostgreSQL 15 binaries not found in {PG_BIN} (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _service_user() -> pwd.struct_passwd | None:
    """None when we are not root (the server runs as us); else an unprivileged user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "copydesk-pg"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                    "copydesk-pg"], check=True, capture_output=True)
    return pwd.getpwnam("copydesk-pg")


class PgServer:
    """One running cluster; `database()` makes a fresh database and gives its URL."""

    def __init__(self, *, durable: bool = False, password: str | None = None) -> None:
        # durable: fsync and synchronous commit on, as a real server runs (for benchmarks).
        # password: every login needs its password (scram-sha-256), the superuser's is this;
        # otherwise the server trusts 127.0.0.1.
        self.durable = durable
        self.password = password
        self.user = _service_user()
        self.dir = Path(tempfile.mkdtemp(prefix="copydesk-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = _free_port()
        if self.user is not None:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        auth = ["--auth=trust"]
        if password is not None:
            pwfile = self.dir / "pwfile"
            pwfile.write_text(password + "\n")
            if self.user is not None:
                os.chown(pwfile, self.user.pw_uid, self.user.pw_gid)
            auth = ["--auth=scram-sha-256", f"--pwfile={pwfile}"]
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                   *auth, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        self.start()

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if self.user is not None:
            kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        done = subprocess.run(argv, capture_output=True, text=True, cwd=self.dir,
                              timeout=120, **kwargs)  # type: ignore[call-overload]
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{argv[0]} failed: {done.stderr}{done.stdout}\n{log[-2000:]}")
        return done

    def _options(self) -> str:
        speed = "" if self.durable else (
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off ")
        return (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
                f"{speed}-c max_connections=60")

    def start(self) -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                   "-o", self._options(), "-w", "-t", "60", "start"])

    def stop(self, mode: str = "fast") -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def restart(self) -> None:
        """What a server restart does to clients: every connection is dropped."""
        self.stop("fast")
        self.start()

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             password=self.password, dbname=database,
                             autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def database(self) -> str:
        """A new empty database; its URL, for the superuser."""
        name = "t_" + uuid.uuid4().hex[:12]
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        with suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def running_server(*, durable: bool = False) -> Iterator[PgServer]:
    server = PgServer(durable=durable)
    try:
        yield server
    finally:
        server.close()
