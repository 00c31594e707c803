"""The live sessions of one process: capacity, resume, grace periods, orderly shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from server.protocol import ProtocolError, Start
from server.session import DictationSession, SessionServices, new_session_id
from server.store import DEFAULT_TENANT

log = logging.getLogger(__name__)


class Busy(Exception):  # noqa: N818 - a state, not a failure
    """Over capacity: the client should retry after ``retry_after_s``."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"over capacity, retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


def _unknown(session_id: str) -> ProtocolError:
    return ProtocolError(
        "unknown_session", f"session {session_id} is not known here; start a new one", fatal=True
    )


class SessionManager:
    def __init__(
        self,
        services: SessionServices,
        *,
        max_sessions: int,
        resume_grace_s: float = 30.0,
    ) -> None:
        self.services = services
        self.max_sessions = max_sessions
        self.resume_grace_s = resume_grace_s
        self.live: dict[str, DictationSession] = {}
        self._grace: dict[str, asyncio.Task[None]] = {}
        self._opening = 0  # sessions admitted but not yet in ``live`` (open awaits the store)

    @property
    def connected(self) -> int:
        return self._opening + sum(1 for s in self.live.values() if s.connected)

    async def open(
        self, start: Start, tenant: str = DEFAULT_TENANT
    ) -> DictationSession | list[dict[str, object]]:
        """A live session for this start message, or — for a completed session being
        resumed — the stored messages to replay. Another tenant's session is unknown here."""
        sid = start.session_id
        if sid:
            record = await self.services.store.get(sid)
            if record is not None and record.tenant != tenant:
                raise _unknown(sid)
        if sid and sid in self.live:
            self._cancel_grace(sid)
            session = self.live[sid]
            session.detach()  # a half-dead old connection loses the session to the new one
            return session
        if self.connected >= self.max_sessions or self.services.scheduler.saturated:
            self.services.metrics.busy.inc()
            raise Busy(retry_after_s=5.0)
        self._opening += 1
        try:
            return await self._open(start, tenant)
        finally:
            self._opening -= 1

    async def _open(self, start: Start, tenant: str) -> DictationSession | list[dict[str, object]]:
        sid = start.session_id
        store = self.services.store
        record = await store.get(sid) if sid else None
        if sid and record is None and start.resume_from_seq is not None:
            raise _unknown(sid)
        if record is not None and sid is not None:
            stored = await store.messages(sid)
            if record.status == "completed":
                after = start.resume_from_seq or 0
                return [m for m in stored if int(str(m["seq"])) > after]
            session = DictationSession(sid, start, self.services, last_seq=record.last_seq)
            session.restore(stored)
        else:
            sid = sid or new_session_id()
            await store.create(
                sid,
                start.template_id,
                start.specialty,
                {"options": start.options.model_dump(), "context": start.context},
                tenant=tenant,
            )
            session = DictationSession(sid, start, self.services)
            self.services.metrics.sessions_total.inc()
        self.live[sid] = session
        session.claim()  # counts as connected from now on, before its socket is attached
        return session

    def disconnected(self, session: DictationSession) -> None:
        """The link dropped: keep the session for a resume, then finalise it."""
        self._cancel_grace(session.id)
        self._grace[session.id] = asyncio.create_task(self._expire(session))

    async def _expire(self, session: DictationSession) -> None:
        await asyncio.sleep(self.resume_grace_s)
        self._grace.pop(session.id, None)
        await self._retire(session)

    async def _retire(self, session: DictationSession) -> None:
        if not session.completed:
            await session.interrupt()
        await session.close()
        if self.live.get(session.id) is session:
            del self.live[session.id]

    async def completed(self, session: DictationSession) -> None:
        self._cancel_grace(session.id)
        await session.close()
        if self.live.get(session.id) is session:
            del self.live[session.id]

    def _cancel_grace(self, session_id: str) -> None:
        task = self._grace.pop(session_id, None)
        if task:
            task.cancel()

    async def shutdown(self) -> None:
        """Finalise every open session so nothing spoken is lost, then stop."""
        for task in self._grace.values():
            task.cancel()
        self._grace.clear()
        for session in list(self.live.values()):
            with contextlib.suppress(Exception):  # one broken session must not stop the rest
                await self._retire(session)
