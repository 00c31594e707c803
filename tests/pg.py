"""A throw-away PostgreSQL cluster for the tests: Debian's ``postgresql`` binaries, initdb'd in
a temporary folder, on a free port of 127.0.0.1, its unix socket in that folder.

PostgreSQL refuses to run as root: as root the cluster belongs to the ``postgres`` user the
Debian package creates (``runuser``). Missing binaries fail the test with what to install —
never a skip (``scripts/setup.sh --dev`` installs them).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from semdict.bench.live_server import free_port

SUPERUSER = "semdict"


def postgres_bin() -> Path:
    """The newest installed server's bin folder (``/usr/lib/postgresql/<ver>/bin``)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        pytest.fail(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run "
            "`bash scripts/setup.sh --dev` as root, or `apt-get install postgresql`"
        )
    return found[-1].parent


class PostgresCluster:
    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="semdict-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.log = self.root / "postgres.log"
        self._as_owner: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse root
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            self._as_owner = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            [*self._as_owner, *command], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        self.start_server()

    def start_server(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=100"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop_server(self) -> None:
        """As a crash looks to the clients: every connection is cut."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = f"t_{secrets.token_hex(6)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # a generated identifier, not input
        return self.url(name)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop_server()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
