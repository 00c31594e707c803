"""Access tokens: a name, a tenant and scopes; only a hash of each token is ever stored.

The tokens live in ``tokens.sqlite3`` in the data folder (``SEMDICT_DATA_DIR``) — or, when the
session store is PostgreSQL (``SEMDICT_STORE__URL``), in its database, so that every node sees
them (``server/tokens_db.py``) — shared by the service and ``semdict token
create|list|revoke``: a token created or revoked there takes effect on the running service (on
every node) at its next request. A token is 256 random bits, so a plain SHA-256 of
it is enough (nothing to brute-force, no salt needed); the hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from server.settings import Settings
from server.store import DEFAULT_TENANT, is_postgres_url
from server.tokens_db import PostgresTokenDB, Row, SQLiteTokenDB, TokenDB

__all__ = ["DEFAULT_TENANT", "SCOPES", "Principal", "TokenError", "TokenRecord", "TokenStore"]

SCOPES = ("dictation", "documents", "admin")
"""``dictation``: the WebSocket and recorded uploads; ``documents``: documents, sessions, text;
``admin``: everything, including ``/metrics``."""
TOKEN_PREFIX = "sdt_"  # noqa: S105 - a prefix, not a secret
"""Makes a leaked token recognisable to secret scanners."""
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class TokenError(ValueError):
    """A bad name, tenant or scope, or an unknown token: the message says which."""


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: one token, its tenant and what it may do."""

    token_id: str
    name: str
    tenant: str
    scopes: frozenset[str]
    rate_per_min: int | None = None
    """Requests per minute for this token (None: the service's setting)."""
    max_sessions: int | None = None
    """Concurrent dictations for this token (None: the service's setting)."""

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


@dataclass(frozen=True)
class TokenRecord:
    id: str
    name: str
    tenant: str
    scopes: tuple[str, ...]
    created_at: float
    revoked_at: float | None
    rate_per_min: int | None
    max_sessions: int | None

    def principal(self) -> Principal:
        return Principal(
            token_id=self.id,
            name=self.name,
            tenant=self.tenant,
            scopes=frozenset(self.scopes),
            rate_per_min=self.rate_per_min,
            max_sessions=self.max_sessions,
        )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_name(kind: str, value: str) -> str:
    if not _NAME.match(value):
        raise TokenError(f"{kind} {value!r}: use 1–64 of A-Z a-z 0-9 _ . @ -")
    return value


def check_scopes(scopes: list[str]) -> tuple[str, ...]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise TokenError(f"scopes must be one or more of {', '.join(SCOPES)}; got {scopes}")
    return tuple(s for s in SCOPES if s in scopes)


_COLUMNS = "id, name, tenant, scopes, created_at, revoked_at, rate_per_min, max_sessions, hash"


def _record(row: tuple[object, ...]) -> TokenRecord:
    return TokenRecord(
        id=str(row[0]),
        name=str(row[1]),
        tenant=str(row[2]),
        scopes=tuple(str(row[3]).split()),
        created_at=float(row[4]),  # type: ignore[arg-type]
        revoked_at=None if row[5] is None else float(row[5]),  # type: ignore[arg-type]
        rate_per_min=None if row[6] is None else int(row[6]),  # type: ignore[call-overload]
        max_sessions=None if row[7] is None else int(row[7]),  # type: ignore[call-overload]
    )


class TokenStore:
    """The token table; safe to share between threads (one connection behind a lock). Closing
    it ends the connection; the next use opens a new one (an app's lifespan may run again)."""

    FILENAME = "tokens.sqlite3"

    def __init__(self, connect: Callable[[], TokenDB]) -> None:
        """``connect`` opens the table's database (``for_settings`` picks the right one)."""
        self._connect = connect
        self._lock = threading.Lock()
        self._open: TokenDB | None = None
        with self._lock:
            self._db.query("SELECT 1")  # the table exists from here

    @property
    def _db(self) -> TokenDB:
        """The connection (callers hold the lock)."""
        if self._open is None:
            self._open = self._connect()
        return self._open

    def _one(self, sql: str, params: Sequence[object] = ()) -> Row | None:
        rows = self._db.query(sql, params)
        return rows[0] if rows else None

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> TokenStore:
        return cls(lambda: SQLiteTokenDB(data_dir / cls.FILENAME))

    @classmethod
    def postgres(cls, url: str) -> TokenStore:
        return cls(lambda: PostgresTokenDB(url))

    @classmethod
    def for_settings(cls, settings: Settings) -> TokenStore:
        """Beside the sessions: PostgreSQL's database when the store is there, else the data
        folder."""
        url = settings.store_url()
        return cls.postgres(url) if is_postgres_url(url) else cls.in_data_dir(settings.data_dir)

    def create(
        self,
        tenant: str,
        scopes: list[str],
        *,
        name: str | None = None,
        rate_per_min: int | None = None,
        max_sessions: int | None = None,
    ) -> tuple[TokenRecord, str]:
        """A new token: its record, and the token itself (shown once, never stored)."""
        check_name("tenant", tenant)
        ordered = check_scopes(scopes)
        token_id = secrets.token_hex(4)
        name = check_name("name", name or f"{tenant}-{token_id}")
        for limit in (rate_per_min, max_sessions):
            if limit is not None and limit < 1:
                raise TokenError("limits must be positive (omit them to use the settings)")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            taken = self._one("SELECT 1 FROM tokens WHERE name = ? AND revoked_at IS NULL", (name,))
            if taken:
                raise TokenError(f"an active token is already named {name!r}: revoke it first")
            self._db.query(
                f"INSERT INTO tokens ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)",  # noqa: S608 - constant
                (
                    token_id,
                    name,
                    tenant,
                    " ".join(ordered),
                    now,
                    rate_per_min,
                    max_sessions,
                    hash_token(token),
                ),
            )
        record = TokenRecord(token_id, name, tenant, ordered, now, None, rate_per_min, max_sessions)
        return record, token

    def list(self, *, include_revoked: bool = False) -> list[TokenRecord]:
        where = "" if include_revoked else " WHERE revoked_at IS NULL"
        with self._lock:
            rows = self._db.query(
                f"SELECT {_COLUMNS} FROM tokens{where} ORDER BY created_at"  # noqa: S608 - constant
            )
        return [_record(r) for r in rows]

    def revoke(self, id_or_name: str) -> TokenRecord:
        """Revoke the active token with this id (or name); effective at the next request."""
        with self._lock:
            rows = self._db.query(
                f"SELECT {_COLUMNS} FROM tokens WHERE (id = ? OR name = ?)"  # noqa: S608 - constant
                " AND revoked_at IS NULL",
                (id_or_name, id_or_name),
            )
            if len(rows) != 1:
                raise TokenError(
                    f"no active token with id or name {id_or_name!r} (semdict token list)"
                    if not rows
                    else f"{id_or_name!r} names several tokens: revoke by id"
                )
            now = time.time()
            self._db.query("UPDATE tokens SET revoked_at = ? WHERE id = ?", (now, rows[0][0]))
        return replace(_record(rows[0]), revoked_at=now)

    def has_active(self) -> bool:
        with self._lock:
            return self._one("SELECT 1 FROM tokens WHERE revoked_at IS NULL LIMIT 1") is not None

    def lookup(self, token: str) -> Principal | None:
        """The principal of an active token, or None."""
        digest = hash_token(token)
        with self._lock:
            row = self._one(
                f"SELECT {_COLUMNS} FROM tokens WHERE hash = ? AND revoked_at IS NULL",  # noqa: S608 - constant
                (digest,),
            )
        if row is None or not hmac.compare_digest(str(row[8]), digest):
            return None
        return _record(row).principal()

    def close(self) -> None:
        with self._lock:
            if self._open is not None:
                self._open.close()
                self._open = None
