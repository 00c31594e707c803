"""The live sessions of one process: capacity, resume, grace periods, orderly shutdown.

The manager owns each session's lifetime: it ``begin``s it, retires it when its link's grace
period ends, and stops every session at shutdown, each within a deadline.
"""

from __future__ import annotations

import asyncio
import logging

from server.protocol import ProtocolError, Start
from server.services import SessionServices
from server.session import DictationSession, new_session_id
from server.session_state import SessionState
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
        retire_timeout_s: float = 60.0,
    ) -> None:
        self.services = services
        self.max_sessions = max_sessions
        self.resume_grace_s = resume_grace_s
        self.retire_timeout_s = retire_timeout_s
        """The most a session may take to finalise at expiry or shutdown."""
        self.live: dict[str, DictationSession] = {}
        self._grace: dict[str, asyncio.Task[None]] = {}
        self._opening = 0  # sessions admitted but not yet in ``live`` (open awaits the store)

    @property
    def connected(self) -> int:
        return self._opening + sum(1 for s in self.live.values() if s.connected)

    async def open(
        self, start: Start, owner: object, tenant: str = DEFAULT_TENANT
    ) -> DictationSession | list[dict[str, object]]:
        """A live session for this start message, held by ``owner`` (its connection), or —
        for a completed session being resumed — the stored messages to replay. Another
        tenant's session is unknown here."""
        sid = start.session_id
        if sid:
            record = await self.services.store.get(sid)
            if record is not None and record.tenant != tenant:
                raise _unknown(sid)
        if sid and sid in self.live:
            self._cancel_grace(sid)
            session = self.live[sid]
            session.claim(owner)  # a half-dead old connection loses the session to the new one
            return session
        if self.connected >= self.max_sessions or self.services.scheduler.saturated:
            self.services.metrics.busy.inc()
            raise Busy(retry_after_s=5.0)
        self._opening += 1
        try:
            return await self._open(start, owner, tenant)
        finally:
            self._opening -= 1

    async def _open(
        self, start: Start, owner: object, tenant: str
    ) -> DictationSession | list[dict[str, object]]:
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
            state = SessionState.restored(
                sid,
                start.audio.sample_rate,
                seq_floor=record.seq_floor,
                audio_bytes=record.audio_bytes,
                messages=stored,
            )
            session = DictationSession(state, start, self.services, tenant)
        else:
            sid = sid or new_session_id()
            await store.create(
                sid,
                start.template_id,
                start.specialty,
                {"options": start.options.model_dump(), "context": start.context},
                tenant=tenant,
            )
            state = SessionState(sid, start.audio.sample_rate)
            session = DictationSession(state, start, self.services, tenant)
            self.services.metrics.sessions_total.inc()
        self.live[sid] = session
        session.claim(owner)  # counts as connected from now on, before its socket is attached
        session.begin()
        return session

    def disconnected(self, session: DictationSession) -> None:
        """The link dropped: keep the session for a resume, then finalise it."""
        if session.connected or session.completed:
            return  # another connection holds it, or it is done
        self._cancel_grace(session.id)
        self._grace[session.id] = asyncio.create_task(self._expire(session))

    async def _expire(self, session: DictationSession) -> None:
        await asyncio.sleep(self.resume_grace_s)
        self._grace.pop(session.id, None)
        try:
            await self._retire(session)
        except Exception:  # reported here: this task has no one else to tell
            log.exception("session %s: not finalised after its link dropped", session.id[:8])

    async def _retire(self, session: DictationSession) -> None:
        try:
            if not session.completed:
                async with asyncio.timeout(self.retire_timeout_s):
                    await session.interrupt()
        finally:
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
        sessions = list(self.live.values())
        results = await asyncio.gather(*(self._retire(s) for s in sessions), return_exceptions=True)
        for session, result in zip(sessions, results, strict=True):
            if isinstance(result, BaseException):  # reported; the other sessions went on
                log.error("session %s: not finalised at shutdown", session.id[:8], exc_info=result)
