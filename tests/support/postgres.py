"""A throwaway PostgreSQL cluster for the tests: ``initdb`` in a temp dir, TCP on loopback.

initdb refuses to run as root, so as root the cluster runs as the ``postgres``
user that Debian's package creates (``.ci/run`` installs the package).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError("PostgreSQL is not installed: run .ci/run, or apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """One running server; ``new_database()`` gives each test a database of its own."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="prepbot-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "prep"
        self._head: str | None = None  # the database migrated to head, copied by migrated_database()
        self._run_as = None
        if os.geteuid() == 0:
            self._run_as = "postgres"
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(a) for a in args]
        return ["runuser", "-u", self._run_as, "--", *cmd] if self._run_as else cmd

    def start(self) -> PostgresCluster:
        subprocess.run(
            self._cmd(
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ),
            check=True,
            capture_output=True,
        )
        self.start_server()
        return self

    def start_server(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        subprocess.run(
            self._cmd(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-w",
                "-l",
                str(self.root / "server.log"),
                "start",
            ),
            check=True,
            capture_output=True,
        )

    def psql(self, sql: str, database: str = "postgres") -> None:
        subprocess.run(
            [
                str(self.bindir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-v",
                "VERBOSITY=verbose",  # errors carry their SQLSTATE, whatever the server's language
                "-q",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
        )

    def new_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql(f"CREATE DATABASE {name}")
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/{name}"

    def migrated_database(self, url: str) -> bool:
        """Make the (new, unused) database of ``url`` a copy of one migrated to head by alembic.

        The migrations run once per cluster, into a template; each copy is a
        ``CREATE DATABASE … TEMPLATE``, about 50 ms instead of half a second of
        alembic per test, as a new SQLite file gets the schema snapshot
        (tests/test_store.py & co. run the migrations themselves). False when the
        database is in use already: then it is left as it is.
        """
        if self._head is None:
            head = self.new_database()
            with concurrent.futures.ThreadPoolExecutor(1) as thread:  # its own loop: the caller's may run
                thread.submit(asyncio.run, _upgrade(head)).result()
            self._head = head.rsplit("/", 1)[1]
        name = url.rsplit("/", 1)[1]
        try:
            self.psql(f"DROP DATABASE {name}")
        except subprocess.CalledProcessError as exc:
            if b"55006" not in exc.stderr:  # object_in_use: another session is connected to it
                raise
            return False  # in use already (another fixture connected first): leave it as it is
        self.psql(f"CREATE DATABASE {name} TEMPLATE {self._head}")
        return True

    def pause(self) -> None:
        """Stop the server but keep its data: the database is away until ``resume()``.

        A fast shutdown (clients cut off, WAL flushed): the cluster runs with
        ``synchronous_commit=off`` for speed, and an immediate stop could drop the
        last commits, which a real outage of a durable server would not.
        """
        subprocess.run(
            self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"),
            check=True,
            capture_output=True,
        )

    def resume(self) -> None:
        self.start_server()

    def stop(self) -> None:
        subprocess.run(
            self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
            check=False,
            capture_output=True,
        )
        # Deleted in the background: a run's hundreds of databases take seconds to delete
        # (tens under load), which the last test of each worker would wait for.
        subprocess.Popen(
            ["rm", "-rf", str(self.root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


async def _upgrade(url: str) -> None:
    from bot.store.engine import Database
    from bot.store.migrate import upgrade

    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()  # a template takes no copies while a session is connected to it
