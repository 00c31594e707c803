"""Where the token table lives: SQLite in the data folder (one node), or the PostgreSQL
database of the session store (every node sees a token the moment it is created or revoked).

Both are used the same way — ``query(sql, params)`` with ``?`` placeholders, under the token
store's lock — and both are synchronous: a token is checked before a request is routed, by a
primary-key lookup that takes well under a millisecond on either.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from server.store import StoreUnavailable

Row = tuple[Any, ...]


class TokenDB(Protocol):
    def query(self, sql: str, params: Sequence[object] = ()) -> list[Row]: ...

    def close(self) -> None: ...


class SQLiteTokenDB:
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        tenant TEXT NOT NULL,
        scopes TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        revoked_at REAL,
        rate_per_min INTEGER,
        max_sessions INTEGER
    );
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(self.SCHEMA)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return self._db.execute(sql, tuple(params)).fetchall()

    def close(self) -> None:
        self._db.close()


class PostgresTokenDB:
    """One connection (reopened after a failure); the schema is the store's migrations'."""

    def __init__(self, url: str, *, connect_timeout_s: int = 5) -> None:
        import psycopg  # noqa: PLC0415 - psycopg only where PostgreSQL is used

        from server.store_migrations import migrate  # noqa: PLC0415 - idem

        self._psycopg = psycopg
        self._url = url
        self._timeout = connect_timeout_s
        self._conn: psycopg.Connection[Row] | None = None
        try:
            migrate(url)
        except psycopg.Error as exc:
            raise StoreUnavailable(f"token store unavailable ({type(exc).__name__})") from exc

    def query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        psycopg = self._psycopg
        try:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = psycopg.connect(
                    self._url, autocommit=True, connect_timeout=self._timeout
                )
            cursor = self._conn.execute(sql.replace("?", "%s"), tuple(params))
            return cursor.fetchall() if cursor.description else []
        except psycopg.Error as exc:  # the class name only: a message may quote values
            raise StoreUnavailable(f"token store unavailable ({type(exc).__name__})") from exc

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
