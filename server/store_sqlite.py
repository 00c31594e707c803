"""The embedded session store: SQLite, one file, WAL, ``synchronous=FULL`` (a commit survives
a power cut, not only a process crash). One node only: its session leases live in this
process (``server/store_postgres.py`` is the store several nodes share).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from server.store import DEFAULT_TENANT, RECORD_COLUMNS, SessionRecord, StoreUnavailable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    template_id TEXT,
    specialty TEXT,
    options TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL DEFAULT '',
    tenant TEXT NOT NULL DEFAULT 'default',
    audio_bytes INTEGER NOT NULL DEFAULT 0,
    seq_reserved INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
"""
_ADDED_COLUMNS = {
    # before tenants every session was the default tenant's
    "tenant": "TEXT NOT NULL DEFAULT 'default'",
    "audio_bytes": "INTEGER NOT NULL DEFAULT 0",
    "seq_reserved": "INTEGER NOT NULL DEFAULT 0",
}
"""Columns newer than the first schema: added to an existing file on open."""


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a database written by an older version up to ``_SCHEMA``."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
    for name, kind in _ADDED_COLUMNS.items():
        if name not in columns:
            db.execute(f"ALTER TABLE sessions ADD COLUMN {name} {kind}")


class SQLiteStore:
    """SQLite in WAL mode; all access from one thread so the event loop never blocks on disk."""

    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        """``synchronous``: SQLite's setting; ``FULL`` (the default) syncs the WAL on every
        commit, ``NORMAL`` only at checkpoints (a power cut may lose the last commits).
        benchmarks/bench_store_commit.py measures the difference."""
        if synchronous not in ("FULL", "NORMAL", "EXTRA"):
            raise ValueError(f"synchronous must be FULL, NORMAL or EXTRA, not {synchronous!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._path = path
        self._synchronous = synchronous
        self._db: sqlite3.Connection | None = None
        self._leased: set[str] = set()
        self._executor.submit(self._open).result()

    @classmethod
    def from_url(cls, url: str) -> SQLiteStore:
        prefix = "sqlite:///"
        if not url.startswith(prefix):
            raise ValueError(
                f"unsupported store URL {url!r}: this build ships sqlite:///PATH "
                "or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
            )
        return cls(Path(url[len(prefix) :]))

    def _open(self) -> None:
        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={self._synchronous}")
        db.executescript(_SCHEMA)
        _migrate(db)
        self._db = db

    async def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        except sqlite3.Error as exc:  # disk full, I/O error, locked: nothing was stored
            raise StoreUnavailable(f"session store failed ({type(exc).__name__})") from exc

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None
        return self._db

    async def create(
        self,
        session_id: str,
        template_id: str | None,
        specialty: str | None,
        options: dict[str, Any],
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> None:
        now = time.time()
        await self._call(
            self.db.execute,
            "INSERT INTO sessions (id, status, created_at, updated_at, template_id, specialty,"
            " options, tenant) VALUES (?, 'active', ?, ?, ?, ?, ?, ?)",
            (session_id, now, now, template_id, specialty, json.dumps(options), tenant),
        )

    def _get(self, session_id: str) -> SessionRecord | None:
        row = self.db.execute(
            f"SELECT {RECORD_COLUMNS} FROM sessions WHERE id = ?",  # noqa: S608 - constant
            (session_id,),
        ).fetchone()
        if row is None:
            return None
        return SessionRecord.from_row(row)

    async def get(self, session_id: str) -> SessionRecord | None:
        result: SessionRecord | None = await self._call(self._get, session_id)
        return result

    def _append(self, session_id: str, message: dict[str, Any], audio_bytes: int | None) -> None:
        with self.db:  # one transaction: message, last_seq and audio_bytes move together
            self.db.execute("BEGIN")
            self.db.execute(
                "INSERT INTO messages (session_id, seq, type, body) VALUES (?, ?, ?, ?)",
                (
                    session_id,
                    message["seq"],
                    message["type"],
                    json.dumps(message, ensure_ascii=False),
                ),
            )
            self.db.execute(
                "UPDATE sessions SET last_seq = MAX(last_seq, ?), updated_at = ? WHERE id = ?",
                (message["seq"], time.time(), session_id),
            )
            if audio_bytes is not None:
                self.db.execute(
                    "UPDATE sessions SET audio_bytes = MAX(audio_bytes, ?) WHERE id = ?",
                    (audio_bytes, session_id),
                )

    async def append(
        self, session_id: str, message: dict[str, Any], *, audio_bytes: int | None = None
    ) -> None:
        await self._call(self._append, session_id, message, audio_bytes)

    async def reserve_seq(self, session_id: str, up_to: int) -> None:
        await self._call(
            self.db.execute,
            "UPDATE sessions SET seq_reserved = MAX(seq_reserved, ?) WHERE id = ?",
            (up_to, session_id),
        )

    def _messages(self, session_id: str, after_seq: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT body FROM messages WHERE session_id = ? AND seq > ? ORDER BY seq",
            (session_id, after_seq),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    async def messages(self, session_id: str, after_seq: int = 0) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call(self._messages, session_id, after_seq)
        return result

    async def set_status(self, session_id: str, status: str, text: str) -> None:
        await self._call(
            self.db.execute,
            "UPDATE sessions SET status = ?, text = ?, updated_at = ? WHERE id = ?",
            (status, text, time.time(), session_id),
        )

    async def acquire(self, session_id: str) -> bool:
        """In-process: one node writes this file, so a lease only keeps two session objects
        of this process from driving one session."""
        if session_id in self._leased:
            return False
        self._leased.add(session_id)
        return True

    async def release(self, session_id: str) -> None:
        self._leased.discard(session_id)

    async def ping(self) -> None:
        await self._call(self.db.execute, "SELECT 1")

    async def close(self) -> None:
        await self._call(self.db.close)
        self._executor.shutdown(wait=True)
