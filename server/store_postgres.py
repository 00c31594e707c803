"""The session store several nodes share: PostgreSQL through psycopg 3 (async, pooled).

Writes go through an ``AsyncConnectionPool``; each commit is durable on return (PostgreSQL's
``synchronous_commit=on``). Session leases are session-level advisory locks held on one
dedicated connection per node (``LeaseConnection``): when the node dies, the kernel closes its
socket, PostgreSQL ends that backend and every lock the node held is free at once — another
node can take its sessions over without waiting out a TTL. Taking a lease raises the session's
``epoch``; every write of a leased session is fenced on the epoch it took, so a node that lost
its lock connection (and with it, unknowingly, its leases) cannot write once another node has
taken over: its write fails with ``LeaseLost`` and nothing of it is stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from server.store import (
    DEFAULT_TENANT,
    RECORD_COLUMNS,
    LeaseLost,
    SessionRecord,
    StoreError,
    StoreUnavailable,
)
from server.store_migrations import migrate

log = logging.getLogger(__name__)

_FENCE = " AND (%(epoch)s::bigint IS NULL OR epoch = %(epoch)s)"
"""A write of a leased session applies only while the session's epoch is still the lease's."""


def _unavailable(exc: BaseException) -> StoreUnavailable:
    # The class name only: a driver message may quote values.
    return StoreUnavailable(f"session store unavailable ({type(exc).__name__})")


class LeaseConnection:
    """The node's one connection holding its session locks (autocommit, never pooled)."""

    def __init__(self, url: str, *, connect_timeout_s: int, application_name: str) -> None:
        self._url = url
        self._connect_timeout_s = connect_timeout_s
        self.application_name = application_name
        """How ``pg_stat_activity`` names it: which node holds which locks."""
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._lock = asyncio.Lock()

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._conn is not None:
                log.warning("the lease connection was lost: reconnecting (its leases are gone)")
            self._conn = await psycopg.AsyncConnection.connect(
                self._url,
                autocommit=True,
                connect_timeout=self._connect_timeout_s,
                application_name=self.application_name,
            )
        return self._conn

    async def call(self, function: str, session_id: str) -> bool:
        """``pg_try_advisory_lock`` or ``pg_advisory_unlock`` of the session's key."""
        sql = {
            "lock": "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))",
            "unlock": "SELECT pg_advisory_unlock(hashtextextended(%s, 0))",
        }[function]
        async with self._lock:
            conn = await self._connection()
            row = await (await conn.execute(sql, (session_id,))).fetchone()
        return bool(row and row[0])

    async def close(self) -> None:
        async with self._lock:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None


class PostgresStore:
    def __init__(
        self,
        url: str,
        *,
        node_id: str,
        pool_max_size: int = 10,
        timeout_s: float = 5.0,
    ) -> None:
        """``timeout_s``: the most a write waits for a pooled connection (then the client is
        told the store is unavailable) and the connect timeout."""
        connect_timeout = max(1, round(timeout_s))
        self.node_id = node_id
        self._pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=pool_max_size,
            timeout=timeout_s,
            open=False,
            kwargs={
                "autocommit": True,
                "connect_timeout": connect_timeout,
                "application_name": f"semdict {node_id}"[:63],
            },
            check=AsyncConnectionPool.check_connection,  # a restarted server's dead sockets
            name="semdict-store",
        )
        self._leases = LeaseConnection(
            url,
            connect_timeout_s=connect_timeout,
            application_name=f"semdict-lease {node_id}"[:63],
        )
        self._epochs: dict[str, int] = {}
        """The epoch of every session this node holds the lease of."""

    @classmethod
    async def open(cls, url: str, *, node_id: str, pool_max_size: int = 10) -> PostgresStore:
        """Migrate the schema (under its advisory lock) and open the pool."""
        try:
            applied = await asyncio.to_thread(migrate, url)
        except psycopg.Error as exc:
            raise _unavailable(exc) from exc
        if applied:
            log.info("session store: applied migrations %s", applied)
        store = cls(url, node_id=node_id, pool_max_size=pool_max_size)
        await store._pool.open(wait=True, timeout=30.0)
        return store

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        try:
            async with self._pool.connection() as conn:
                yield conn
        except StoreError:
            raise
        except (psycopg.Error, PoolTimeout, OSError) as exc:
            raise _unavailable(exc) from exc

    def _fence(self, session_id: str, **params: Any) -> dict[str, Any]:
        return {"id": session_id, "epoch": self._epochs.get(session_id), **params}

    async def _fenced_update(
        self, conn: psycopg.AsyncConnection[Any], sql: str, params: Any
    ) -> None:
        cursor = await conn.execute(sql + _FENCE, params)
        if cursor.rowcount == 1:
            return
        if params["epoch"] is not None:
            raise LeaseLost("another node has taken this session over")
        raise StoreError("no such session in the store")

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
        async with self._conn() as conn:
            await conn.execute(
                "INSERT INTO sessions (id, status, created_at, updated_at, template_id, specialty,"
                " options, tenant, owner, epoch) VALUES (%s, 'active', %s, %s, %s, %s, %s, %s,"
                " %s, %s)",
                (
                    session_id,
                    now,
                    now,
                    template_id,
                    specialty,
                    json.dumps(options),
                    tenant,
                    self.node_id,
                    self._epochs.get(session_id, 0),
                ),
            )

    async def get(self, session_id: str) -> SessionRecord | None:
        async with self._conn() as conn:
            cursor = await conn.execute(
                f"SELECT {RECORD_COLUMNS} FROM sessions WHERE id = %s",  # noqa: S608 - constant
                (session_id,),
            )
            row = await cursor.fetchone()
        if row is None:
            return None
        return SessionRecord.from_row(row)

    async def append(
        self, session_id: str, message: dict[str, Any], *, audio_bytes: int | None = None
    ) -> None:
        params = self._fence(
            session_id, seq=message["seq"], now=time.time(), audio_bytes=audio_bytes
        )
        async with self._conn() as conn, conn.transaction():
            # The session row first: its lock orders this write against a takeover's epoch.
            await self._fenced_update(
                conn,
                "UPDATE sessions SET last_seq = GREATEST(last_seq, %(seq)s), updated_at = %(now)s,"
                " audio_bytes = GREATEST(audio_bytes, %(audio_bytes)s) WHERE id = %(id)s",
                params,
            )
            await conn.execute(
                "INSERT INTO messages (session_id, seq, type, body) VALUES (%s, %s, %s, %s)",
                (
                    session_id,
                    message["seq"],
                    message["type"],
                    json.dumps(message, ensure_ascii=False),
                ),
            )

    async def reserve_seq(self, session_id: str, up_to: int) -> None:
        async with self._conn() as conn:
            await self._fenced_update(
                conn,
                "UPDATE sessions SET seq_reserved = GREATEST(seq_reserved, %(up_to)s)"
                " WHERE id = %(id)s",
                self._fence(session_id, up_to=up_to),
            )

    async def messages(self, session_id: str, after_seq: int = 0) -> list[dict[str, Any]]:
        async with self._conn() as conn:
            cursor = await conn.execute(
                "SELECT body FROM messages WHERE session_id = %s AND seq > %s ORDER BY seq",
                (session_id, after_seq),
            )
            rows = await cursor.fetchall()
        return [json.loads(r[0]) for r in rows]

    async def set_status(self, session_id: str, status: str, text: str) -> None:
        async with self._conn() as conn:
            await self._fenced_update(
                conn,
                "UPDATE sessions SET status = %(status)s, text = %(text)s, updated_at = %(now)s"
                " WHERE id = %(id)s",
                self._fence(session_id, status=status, text=text, now=time.time()),
            )

    async def acquire(self, session_id: str) -> bool:
        if session_id in self._epochs:
            return False  # this node drives it already
        try:
            if not await self._leases.call("lock", session_id):
                return False
        except (psycopg.Error, OSError) as exc:
            raise _unavailable(exc) from exc
        try:
            async with self._conn() as conn:
                cursor = await conn.execute(
                    "UPDATE sessions SET epoch = epoch + 1, owner = %s WHERE id = %s"
                    " RETURNING epoch",
                    (self.node_id, session_id),
                )
                row = await cursor.fetchone()
        except StoreError:
            await self._unlock(session_id)
            raise
        self._epochs[session_id] = int(row[0]) if row else 0  # 0: created after this
        return True

    async def release(self, session_id: str) -> None:
        if self._epochs.pop(session_id, None) is not None:
            await self._unlock(session_id)

    async def _unlock(self, session_id: str) -> None:
        try:
            await self._leases.call("unlock", session_id)
        except (psycopg.Error, OSError):  # the connection is gone, and its locks with it
            log.warning("a session lease could not be unlocked: its connection is gone")

    async def ping(self) -> None:
        async with self._conn() as conn:
            await conn.execute("SELECT 1")

    @property
    def leased(self) -> frozenset[str]:
        return frozenset(self._epochs)

    async def close(self) -> None:
        await self._leases.close()  # every lease of this node is free from here
        self._epochs.clear()
        await self._pool.close()
