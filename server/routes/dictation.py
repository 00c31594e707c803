"""``/v1/dictation``: the live dictation WebSocket (protocol in docs/protocol.md)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from server.auth import ANONYMOUS, Access
from server.protocol import (
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_SUPERSEDED,
    CLOSE_TRY_AGAIN,
    SESSION_ID_PATTERN,
    BusyMsg,
    End,
    Eou,
    ErrorMsg,
    Feedback,
    ProtocolError,
    ServerMessage,
    parse_control,
    parse_start,
)
from server.session import DictationSession
from server.sessions import Busy, SessionElsewhere, SessionManager, failure_message
from server.settings import Settings
from server.store import StoreError
from server.tokens import Principal

log = logging.getLogger(__name__)

router = APIRouter()

ROUTE_HEADER = "x-semdict-route"
"""The front's routing key (deploy/nginx/semdict.conf): a new session takes it as its id, so
that its reconnects (``?session=ID``) hash to the node it was created on."""
SOCKET_TIMEOUT_S = 10.0
"""The most one send or close may wait on a client that does not read."""
SESSION_ID = re.compile(SESSION_ID_PATTERN)


class _Link:
    """The socket side of one connection; messages before a session exists get seq 1, 2, …
    The link is also the connection's identity: a session is held by one link at a time."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.seq = 0

    async def send(self, message: dict[str, Any]) -> None:
        async with asyncio.timeout(SOCKET_TIMEOUT_S):
            await self.ws.send_text(json.dumps(message, ensure_ascii=False))

    async def send_own(self, message: ServerMessage) -> None:
        self.seq += 1
        body = message.body()
        await self.send({"type": body.pop("type"), "seq": self.seq, **body})

    async def close(self, code: int, reason: str = "") -> None:
        if self.ws.application_state == WebSocketState.DISCONNECTED:
            return
        try:
            async with asyncio.timeout(SOCKET_TIMEOUT_S):
                await self.ws.close(code, reason)
        except (TimeoutError, RuntimeError, OSError):  # gone already, or not reading
            log.info("closing a dictation socket failed", exc_info=True)

    async def drop(self, code: int, reason: str) -> None:
        """The session gave up on this link (a send failed or stalled, or the session left
        this node)."""
        await self.close(code, reason)


@router.websocket("/v1/dictation")
async def dictation(ws: WebSocket) -> None:
    settings: Settings = ws.app.state.settings
    manager: SessionManager = ws.app.state.sessions
    access: Access = ws.app.state.access
    # AccessControl has checked the token, its scope and the Origin before the handshake.
    principal: Principal = getattr(ws.state, "principal", None) or ANONYMOUS
    await ws.accept()
    link = _Link(ws)
    with access.slots.hold(principal, settings.server.max_sessions_per_token) as free:
        if not free:
            await link.send_own(
                ErrorMsg(
                    code="session_limit",
                    message="this token has as many dictations open as it may "
                    "(SEMDICT_SERVER__MAX_SESSIONS_PER_TOKEN); end one or retry later",
                )
            )
            await link.close(CLOSE_TRY_AGAIN, "session limit")
            return
        await _dictate(link, manager, settings, principal.tenant)


async def _dictate(link: _Link, manager: SessionManager, settings: Settings, tenant: str) -> None:
    session: DictationSession | None = None
    manager.services.metrics.sessions.inc()
    try:
        session = await _open(link, manager, settings, tenant)
        if session is None:
            return
        await _serve(link, session, manager, settings)
    except WebSocketDisconnect:
        pass
    except TimeoutError:  # a send outside the session (error, busy, replay) found no reader
        await link.close(CLOSE_POLICY, "client not reading")
    except StoreError as exc:  # at ``end``: the session cannot be completed here now
        if session is not None:
            await manager.drop(session, exc)
    finally:
        manager.services.metrics.sessions.dec()
        # Only this link's own hold ends: a session resumed elsewhere stays with its new link.
        if session is not None:
            session.release(link)
            manager.disconnected(session)  # nothing when another link holds it, or it is done


async def _open(
    link: _Link, manager: SessionManager, settings: Settings, tenant: str
) -> DictationSession | None:
    try:
        first = await asyncio.wait_for(link.ws.receive(), settings.streaming.idle_timeout_s)
        if first["type"] == "websocket.disconnect":
            return None
        if first.get("text") is None:
            raise ProtocolError(
                "expected_start", "the first frame must be a JSON start message", fatal=True
            )
        start = parse_start(first["text"])
        route_key = link.ws.headers.get(ROUTE_HEADER)
        new_id = route_key if route_key and SESSION_ID.fullmatch(route_key) else None
        opened = await manager.open(start, link, tenant, new_id=new_id)
    except TimeoutError:
        await link.close(CLOSE_POLICY, "no start message")
        return None
    except ProtocolError as exc:
        manager.services.metrics.errors.labels(exc.code).inc()
        await link.send_own(ErrorMsg(code=exc.code, message=exc.message))
        await link.close(CLOSE_POLICY, exc.code)
        return None
    except Busy as exc:
        await link.send_own(BusyMsg(retry_after_s=exc.retry_after_s))
        await link.close(CLOSE_TRY_AGAIN, "over capacity")
        return None
    except SessionElsewhere:
        manager.services.metrics.errors.labels("session_elsewhere").inc()
        reason = "another node drives this session now; retry in a few seconds"
        await link.send_own(ErrorMsg(code="session_elsewhere", message=reason))
        await link.close(CLOSE_TRY_AGAIN, "session_elsewhere")
        return None
    except StoreError as exc:
        refusal = failure_message(exc)
        manager.services.metrics.errors.labels(refusal.code).inc()
        await link.send_own(refusal)
        await link.close(CLOSE_TRY_AGAIN, refusal.code)
        return None
    if isinstance(opened, list):  # a completed session: replay what was missed, then close
        for message in opened:
            await link.send(message)
        await link.close(CLOSE_NORMAL)
        return None
    try:
        await opened.attach(link, link.send, link.drop, start.resume_from_seq)
    except StoreError as exc:  # ``ready`` could not be numbered durably
        await manager.drop(opened, exc)
        return None
    return opened


async def _serve(
    link: _Link, session: DictationSession, manager: SessionManager, settings: Settings
) -> None:
    limit = settings.streaming.max_frame_bytes
    while True:
        try:
            frame = await asyncio.wait_for(link.ws.receive(), settings.streaming.idle_timeout_s)
        except TimeoutError:
            if session.owns(link):
                idle = ErrorMsg(code="idle_timeout", message="no data received; closing")
                await session.emit(idle)
            await link.close(CLOSE_POLICY, "idle")
            return
        if frame["type"] == "websocket.disconnect":
            return
        if not session.owns(link):  # resumed on another connection: this one is stale
            await link.close(CLOSE_SUPERSEDED, "session resumed on another connection")
            return
        try:
            if frame.get("bytes") is not None:
                data: bytes = frame["bytes"]
                if len(data) > limit:
                    raise ProtocolError(
                        "frame_too_large",
                        f"binary frame of {len(data)} bytes refused (maximum {limit}); "
                        "send it again in smaller frames",
                    )
                session.on_audio(data)
                continue
            message = parse_control(frame.get("text") or "")
        except (ProtocolError, ValueError) as exc:
            code = exc.code if isinstance(exc, ProtocolError) else "bad_audio"
            text = exc.message if isinstance(exc, ProtocolError) else str(exc)
            manager.services.metrics.errors.labels(code).inc()
            await session.emit(ErrorMsg(code=code, message=text))
            continue
        if isinstance(message, Eou):
            session.end_of_utterance()
        elif isinstance(message, Feedback):
            await session.feedback(message)
        elif isinstance(message, End):
            await session.finish()
            await manager.completed(session)
            await link.close(CLOSE_NORMAL)
            return
