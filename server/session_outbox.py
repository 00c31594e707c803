"""A session's way out: numbering, persistence, delivery and which connection holds it.

One lock orders it all: a message gets the next ``seq`` (the store's reserve raised first when
used up), a message a document depends on is durable before it is sent, every message is kept
for a resume, and a send that fails or takes longer than ``send_timeout_s`` lets the link go
(the message waits in the log) and closes it. A connection holds the session from ``claim`` to
``release``; a newer one's ``claim`` takes it over, and the older one's ``release`` is then a
no-op, so a stale socket dying late never detaches the resumed session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from server.protocol import (
    CLOSE_POLICY,
    CLOSE_TRY_AGAIN,
    PERSISTED,
    ErrorMsg,
    ReadyMsg,
    ServerMessage,
)
from server.session_state import SessionState
from server.store import SessionStore, StoreError
from server.tasks import TaskOwner

log = logging.getLogger(__name__)

Sender = Callable[[dict[str, Any]], Awaitable[None]]
Closer = Callable[[int, str], Awaitable[None]]
"""Closes the link with a WebSocket close code and reason."""


class Outbox:
    def __init__(
        self, state: SessionState, store: SessionStore, tasks: TaskOwner, *, send_timeout_s: float
    ) -> None:
        self.state = state
        self.id = state.session_id
        self.store = store
        self.tasks = tasks
        self.send_timeout_s = send_timeout_s
        self._owner: object | None = None  # the connection that holds the session
        self._send: Sender | None = None
        self._close_link: Closer | None = None
        self._lock = asyncio.Lock()
        self._failed: StoreError | None = None
        """Set once the store failed this session: nothing more goes out from this node."""

    # -- which connection holds the session ------------------------------------------------------

    def claim(self, owner: object) -> None:
        """``owner`` (a connection) holds the session from now on; an older one loses it."""
        self._owner, self._send, self._close_link = owner, None, None

    def owns(self, owner: object) -> bool:
        return self._owner is owner

    def release(self, owner: object) -> bool:
        """``owner``'s connection ended. False when another connection holds the session."""
        if self._owner is not owner:
            return False
        self._owner, self._send, self._close_link = None, None, None
        return True

    @property
    def connected(self) -> bool:
        return self._owner is not None

    async def attach(
        self, owner: object, send: Sender, close: Closer, resume_from_seq: int | None
    ) -> None:
        """Bind ``owner``'s connection: replay what it missed, then ``ready``."""
        async with self._lock:
            if self._owner is not owner:
                return  # superseded while it was opening
            self._send, self._close_link = send, close
            if resume_from_seq is not None:
                for message in self.state.replay_after(resume_from_seq):
                    await self._deliver(message)
            ready = ReadyMsg(
                session_id=self.id,
                resumed=resume_from_seq is not None,
                audio_received_s=self.state.audio_received_s(),
                audio_received_bytes=self.state.bytes_received,
            )
            await self._deliver(await self._stamp(ready))

    # -- messages --------------------------------------------------------------------------------

    async def emit(self, message: ServerMessage, *, covers: int | None = None) -> None:
        """Number, persist (documents' messages: durable before they are sent), keep for a
        resume and send. ``covers``: with a final, the client audio offset it covers."""
        async with self._lock:
            if self._failed is not None:
                raise self._failed
            stamped = await self._stamp(message)
            if stamped["type"] in PERSISTED:
                await self.store.append(self.id, stamped, audio_bytes=covers)
            self.state.record(stamped)
            await self._deliver(stamped)

    async def fail(self, error: StoreError, message: ErrorMsg) -> None:
        """The store failed this session (or another node took it over): tell the client
        (when a ``seq`` already reserved is left to number it: a resumed session numbers above
        the reserve, so it cannot reuse it), close the link with 1013 so that it resumes —
        from the store, where only what was acknowledged is — and send nothing more."""
        async with self._lock:
            self._failed = error
            send, owner, close = self._send, self._owner, self._close_link
            if send is not None and self.state.seq < self.state.seq_reserved:
                self.state.seq += 1
                body = message.body()
                await self._deliver({"type": body.pop("type"), "seq": self.state.seq, **body})
            if owner is not None and self.release(owner) and close is not None:
                await _bounded(close(CLOSE_TRY_AGAIN, message.code), self.send_timeout_s)

    async def _stamp(self, message: ServerMessage) -> dict[str, Any]:
        body = message.body()
        seq, ceiling = self.state.next_seq()
        if ceiling is not None:  # durable before any number under it is sent
            await self.store.reserve_seq(self.id, ceiling)
        return {"type": body.pop("type"), "seq": seq, **body}

    async def _deliver(self, message: dict[str, Any]) -> None:
        send, owner, close = self._send, self._owner, self._close_link
        if send is None:
            return  # kept in the log; replayed when the client resumes
        try:
            async with asyncio.timeout(self.send_timeout_s):
                await send(message)
        except Exception:  # broken or stalled link: the message waits in the log
            log.info("session %s: send failed, waiting for resume", self.id[:8])
            if self.release(owner) and close is not None and not self.tasks.closed:
                closing = close(CLOSE_POLICY, "send failed")
                self.tasks.spawn(_bounded(closing, self.send_timeout_s), "close-link")


async def _bounded(awaitable: Awaitable[None], timeout_s: float) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            await awaitable
    except Exception:  # a link that cannot even be closed is gone anyway
        log.info("closing a broken link failed", exc_info=True)
