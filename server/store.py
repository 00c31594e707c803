"""Session store: every final is written here before it is sent.

``SessionStore`` is the interface; ``open_store`` picks the implementation from the URL:
``sqlite:///PATH`` (``server/store_sqlite.py``, the embedded single-node default) or
``postgresql://…`` (``server/store_postgres.py``, shared by several nodes).
Per session it keeps, beside the messages, two marks a restart resumes from:
``audio_bytes`` (the client's audio covered by stored finals: what ``ready`` reports, so the
client resends exactly what is not final yet) and ``seq_reserved`` (a ceiling no ``seq`` sent
so far exceeds: a restarted session numbers its messages above it).

A session is driven by one node at a time: ``acquire`` takes its lease (False while another
node — or another session object of this node — drives it) and fences out any earlier holder,
whose writes fail with ``LeaseLost`` from then on; ``release`` gives it back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

DEFAULT_TENANT = "default"
"""Sessions stored before tenants existed belong here (``server.tokens.DEFAULT_TENANT``)."""


class StoreError(Exception):
    """The store did not do what was asked: nothing of it was stored."""


class StoreUnavailable(StoreError):  # noqa: N818 - a state the client is told about
    """The store cannot be reached or refused the write (the message names no data)."""


class LeaseLost(StoreError):  # noqa: N818 - a state, not a failure of this node
    """Another node has taken the session over: this one must stop driving it."""


RECORD_COLUMNS = (
    "id, status, created_at, updated_at, template_id, specialty, options, last_seq, text,"
    " tenant, audio_bytes, seq_reserved"
)
"""The ``sessions`` columns a :class:`SessionRecord` is read from, in its order."""


@dataclass(frozen=True)
class SessionRecord:
    id: str
    status: str  # "active" | "interrupted" | "completed"
    created_at: float
    updated_at: float
    template_id: str | None
    specialty: str | None
    options: dict[str, Any]
    last_seq: int
    text: str
    tenant: str = DEFAULT_TENANT
    """The organisation whose token started it: no other tenant sees or resumes it."""
    audio_bytes: int = 0
    """Bytes of the client's audio covered by the stored finals."""
    seq_reserved: int = 0
    """Every ``seq`` ever sent in this session is at most this."""

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> SessionRecord:
        """A record from a row of ``RECORD_COLUMNS`` (options as JSON text)."""
        return cls(
            id=row[0],
            status=row[1],
            created_at=row[2],
            updated_at=row[3],
            template_id=row[4],
            specialty=row[5],
            options=json.loads(row[6]),
            last_seq=row[7],
            text=row[8],
            tenant=row[9],
            audio_bytes=row[10],
            seq_reserved=row[11],
        )

    @property
    def seq_floor(self) -> int:
        """A restarted session's messages are numbered above this."""
        return max(self.last_seq, self.seq_reserved)


class SessionStore(Protocol):
    async def create(
        self,
        session_id: str,
        template_id: str | None,
        specialty: str | None,
        options: dict[str, Any],
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> None: ...

    async def get(self, session_id: str) -> SessionRecord | None: ...

    async def append(
        self, session_id: str, message: dict[str, Any], *, audio_bytes: int | None = None
    ) -> None:
        """Persist one message (it carries ``seq`` and ``type``); durable on return.
        ``audio_bytes``: with a final, the client's audio it covers (kept as the maximum)."""

    async def reserve_seq(self, session_id: str, up_to: int) -> None:
        """Durably raise the session's ``seq_reserved`` to ``up_to``."""

    async def messages(self, session_id: str, after_seq: int = 0) -> list[dict[str, Any]]: ...

    async def set_status(self, session_id: str, status: str, text: str) -> None: ...

    async def acquire(self, session_id: str) -> bool:
        """Take the right to drive this session (False: it is driven elsewhere). Writes for
        it by an earlier holder fail with ``LeaseLost`` from now on."""

    async def release(self, session_id: str) -> None:
        """Give the session's lease back (another node may take it at once)."""

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` when the store cannot be reached."""

    async def close(self) -> None: ...


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


async def open_store(url: str, *, node_id: str, pool_max_size: int = 10) -> SessionStore:
    """The store the URL names, its schema brought up to date."""
    if is_postgres_url(url):
        from server.store_postgres import PostgresStore  # noqa: PLC0415 - psycopg only if used

        return await PostgresStore.open(url, node_id=node_id, pool_max_size=pool_max_size)
    from server.store_sqlite import SQLiteStore  # noqa: PLC0415 - one import direction

    return SQLiteStore.from_url(url)
