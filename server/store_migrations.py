"""The PostgreSQL schema, as numbered migrations applied once each, in order, at start-up.

``migrate`` runs in one transaction under a transaction-level advisory lock: nodes starting
together apply each migration exactly once (the second waits for the first, then finds
nothing left to do), and a migration that fails leaves the schema as it was. Applied versions
are recorded in ``schema_migrations``; a migration is never edited once released — a change is
a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "sessions and their messages",
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            template_id TEXT,
            specialty TEXT,
            options TEXT NOT NULL,
            last_seq BIGINT NOT NULL DEFAULT 0,
            text TEXT NOT NULL DEFAULT '',
            tenant TEXT NOT NULL DEFAULT 'default',
            audio_bytes BIGINT NOT NULL DEFAULT 0,
            seq_reserved BIGINT NOT NULL DEFAULT 0
        );
        CREATE TABLE messages (
            session_id TEXT NOT NULL REFERENCES sessions(id),
            seq BIGINT NOT NULL,
            type TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        );
        """,
    ),
    Migration(
        2,
        "session lease fencing: the driving node and its epoch",
        """
        ALTER TABLE sessions ADD COLUMN owner TEXT, ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;
        """,
    ),
    Migration(
        3,
        "access tokens (shared by every node)",
        """
        CREATE TABLE tokens (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            tenant TEXT NOT NULL,
            scopes TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            created_at DOUBLE PRECISION NOT NULL,
            revoked_at DOUBLE PRECISION,
            rate_per_min INTEGER,
            max_sessions INTEGER
        );
        """,
    ),
)

MIGRATION_LOCK = (0x5E4D, 1)
"""The advisory lock (two-int key space) that serialises migrations across nodes; session
leases use the one-bigint key space, which never overlaps it."""


def migrate(url: str, *, connect_timeout_s: int = 10) -> list[int]:
    """Apply the migrations this database lacks; returns the versions applied now."""
    applied: list[int] = []
    with psycopg.connect(url, connect_timeout=connect_timeout_s) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", MIGRATION_LOCK)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            conn.execute(migration.sql)  # constant SQL, several statements (no parameters)
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
            applied.append(migration.version)
    return applied


def schema_version(url: str) -> int:
    """The highest migration applied (0: none)."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0
