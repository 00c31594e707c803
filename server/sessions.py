"""The live sessions of one process: capacity, resume, grace periods, orderly shutdown.

The manager owns each session's lifetime: it takes the session's lease in the store (so that
no other node drives it meanwhile), ``begin``s it, retires it when its link's grace period
ends, drops it when the store fails it, and stops every session at shutdown, each within a
deadline; the lease is given back whenever a session leaves this node.
"""

from __future__ import annotations

import asyncio
import logging

from server.protocol import ErrorMsg, ProtocolError, SessionOptions, Start
from server.services import SessionServices
from server.session import DictationSession, new_session_id
from server.session_state import SessionState
from server.store import DEFAULT_TENANT, LeaseLost, SessionRecord, StoreError
from server.tasks import TaskOwner

log = logging.getLogger(__name__)


class Busy(Exception):  # noqa: N818 - a state, not a failure
    """Over capacity: the client should retry after ``retry_after_s``."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"over capacity, retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class SessionElsewhere(Exception):  # noqa: N818 - a state, not a failure
    """Another node drives this session now: the client should retry shortly (its next try
    may be routed to that node, or find the session free once that node lets it go)."""

    def __init__(self, retry_after_s: float = 2.0) -> None:
        super().__init__("the session is driven by another node")
        self.retry_after_s = retry_after_s


def failure_message(error: StoreError) -> ErrorMsg:
    """The ``error`` a client gets when the store fails its session."""
    if isinstance(error, LeaseLost):
        return ErrorMsg(
            code="session_elsewhere",
            message="another node has taken this session over; reconnect to resume it there",
        )
    return ErrorMsg(
        code="store_unavailable",
        message="the session store is unavailable: what was not acknowledged was not stored; "
        "reconnect with resume_from_seq to continue once it is back",
    )


def restored_start(resume: Start, record: SessionRecord) -> Start:
    """The start of a session rebuilt from the store (after a restart, or on another node):
    its template, specialty, options, context and doctor are the ones it was started with —
    a resume need not repeat them, and cannot change them — and its audio is the resume's."""
    stored = record.options
    return resume.model_copy(
        update={
            "template_id": record.template_id,
            "specialty": record.specialty,
            "options": SessionOptions.model_validate(stored.get("options") or {}),
            "context": stored.get("context"),
            "user": stored.get("user", resume.user),  # kept since multi-node; older: the resume's
        }
    )


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
        self._dropping = TaskOwner("sessions/dropped")
        """Drops sessions whose store failed (a session cannot close itself from within)."""

    @property
    def connected(self) -> int:
        return self._opening + sum(1 for s in self.live.values() if s.connected)

    async def open(
        self,
        start: Start,
        owner: object,
        tenant: str = DEFAULT_TENANT,
        *,
        new_id: str | None = None,
    ) -> DictationSession | list[dict[str, object]]:
        """A live session for this start message, held by ``owner`` (its connection), or —
        for a completed session being resumed — the stored messages to replay. Another
        tenant's session is unknown here; one another node drives raises ``SessionElsewhere``.
        ``new_id``: the id a new session takes when the client names none (the front's routing
        key, so that its reconnects are routed where it lives); else a random one."""
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
            return await self._open(start, owner, tenant, new_id)
        finally:
            self._opening -= 1

    async def _open(
        self, start: Start, owner: object, tenant: str, new_id: str | None
    ) -> DictationSession | list[dict[str, object]]:
        sid = start.session_id
        store = self.services.store
        record = await store.get(sid) if sid else None
        if sid and record is None and start.resume_from_seq is not None:
            raise _unknown(sid)
        if record is not None and record.status == "completed":
            return await self._replay(record.id, start.resume_from_seq)
        if not sid:
            free = new_id is not None and await store.get(new_id) is None
            sid = new_id if free and new_id else new_session_id()
        if not await store.acquire(sid):
            raise SessionElsewhere()
        try:
            return await self._open_leased(sid, start, owner, tenant, resuming=record is not None)
        except BaseException:
            await store.release(sid)
            raise

    async def _replay(self, sid: str, after: int | None) -> list[dict[str, object]]:
        stored = await self.services.store.messages(sid)
        return [m for m in stored if int(str(m["seq"])) > (after or 0)]

    async def _open_leased(
        self, sid: str, start: Start, owner: object, tenant: str, *, resuming: bool
    ) -> DictationSession | list[dict[str, object]]:
        store = self.services.store
        # Read after the lease: its epoch fenced out any earlier driver, so nothing it still
        # tries to write can land after this read.
        record = await store.get(sid) if resuming else None
        if record is not None:
            if record.status == "completed":  # completed elsewhere meanwhile
                await store.release(sid)
                return await self._replay(sid, start.resume_from_seq)
            stored = await store.messages(sid)
            start = restored_start(start, record)
            state = SessionState.restored(
                sid,
                start.audio.sample_rate,
                seq_floor=record.seq_floor,
                audio_bytes=record.audio_bytes,
                messages=stored,
            )
            session = DictationSession(state, start, self.services, tenant)
        else:
            await store.create(
                sid,
                start.template_id,
                start.specialty,
                {
                    "options": start.options.model_dump(),
                    "context": start.context,
                    "user": start.user,
                },
                tenant=tenant,
            )
            state = SessionState(sid, start.audio.sample_rate)
            session = DictationSession(state, start, self.services, tenant)
            self.services.metrics.sessions_total.inc()
        session.on_store_failure = self._store_failed
        self.live[sid] = session
        session.claim(owner)  # counts as connected from now on, before its socket is attached
        session.begin()
        return session

    def disconnected(self, session: DictationSession) -> None:
        """The link dropped: keep the session for a resume, then finalise it."""
        if session.connected or session.completed or self.live.get(session.id) is not session:
            return  # another connection holds it, it is done, or it left this node
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
            await self._leave(session)

    async def completed(self, session: DictationSession) -> None:
        self._cancel_grace(session.id)
        await self._leave(session)

    async def _leave(self, session: DictationSession) -> None:
        """Stop the session's tasks, forget it, give its lease back."""
        await session.close()
        if self.live.get(session.id) is session:
            del self.live[session.id]
            await self.services.store.release(session.id)

    def _store_failed(self, session: DictationSession, error: StoreError) -> None:
        if not self._dropping.closed:
            self._dropping.spawn(self.drop(session, error), f"drop-{session.id[:8]}")

    async def drop(self, session: DictationSession, error: StoreError) -> None:
        """The store failed this session (or another node took it over): tell its client,
        forget it here — a resume rebuilds it from the store, where only what was
        acknowledged is — and give its lease back."""
        if self.live.get(session.id) is not session:
            return  # it left already (completed or retired)
        self._cancel_grace(session.id)
        self.services.metrics.errors.labels(failure_message(error).code).inc()
        await session.out.fail(error, failure_message(error))
        await self._leave(session)

    def _cancel_grace(self, session_id: str) -> None:
        task = self._grace.pop(session_id, None)
        if task:
            task.cancel()

    async def shutdown(self) -> None:
        """Finalise every open session so nothing spoken is lost, then stop."""
        await self._dropping.close(self.retire_timeout_s)
        for task in self._grace.values():
            task.cancel()
        self._grace.clear()
        sessions = list(self.live.values())
        results = await asyncio.gather(*(self._retire(s) for s in sessions), return_exceptions=True)
        for session, result in zip(sessions, results, strict=True):
            if isinstance(result, BaseException):  # reported; the other sessions went on
                log.error("session %s: not finalised at shutdown", session.id[:8], exc_info=result)
