"""``/v1/dictation``: the live dictation WebSocket (protocol in docs/protocol.md)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from semdict.settings import Settings
from server.auth import ANONYMOUS, Access
from server.protocol import End, Eou, ProtocolError, parse_control, parse_start
from server.session import DictationSession
from server.sessions import Busy, SessionManager
from server.tokens import Principal

log = logging.getLogger(__name__)

router = APIRouter()

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_TRY_AGAIN = 1013


class _Link:
    """The socket side of one connection; messages before a session exists get seq 1, 2, …"""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.seq = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_text(json.dumps(message, ensure_ascii=False))

    async def send_own(self, body: dict[str, Any]) -> None:
        self.seq += 1
        await self.send({"type": body["type"], "seq": self.seq, **body})

    async def close(self, code: int, reason: str = "") -> None:
        if self.ws.application_state != WebSocketState.DISCONNECTED:
            await self.ws.close(code, reason)


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
                {
                    "type": "error",
                    "code": "session_limit",
                    "message": "this token has as many dictations open as it may "
                    "(SEMDICT_SERVER__MAX_SESSIONS_PER_TOKEN); end one or retry later",
                }
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
    finally:
        manager.services.metrics.sessions.dec()
        if session is not None and not session.completed:
            session.detach()
            manager.disconnected(session)


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
        opened = await manager.open(start, tenant)
    except TimeoutError:
        await link.close(CLOSE_POLICY, "no start message")
        return None
    except ProtocolError as exc:
        manager.services.metrics.errors.labels(exc.code).inc()
        await link.send_own({"type": "error", "code": exc.code, "message": exc.message})
        await link.close(CLOSE_POLICY, exc.code)
        return None
    except Busy as exc:
        await link.send_own({"type": "busy", "retry_after_s": exc.retry_after_s})
        await link.close(CLOSE_TRY_AGAIN, "over capacity")
        return None
    if isinstance(opened, list):  # a completed session: replay what was missed, then close
        for message in opened:
            await link.send(message)
        await link.close(CLOSE_NORMAL)
        return None
    await opened.attach(link.send, start.resume_from_seq)
    return opened


async def _serve(
    link: _Link, session: DictationSession, manager: SessionManager, settings: Settings
) -> None:
    limit = settings.streaming.max_frame_bytes
    while True:
        try:
            frame = await asyncio.wait_for(link.ws.receive(), settings.streaming.idle_timeout_s)
        except TimeoutError:
            await session.emit(
                {"type": "error", "code": "idle_timeout", "message": "no data received; closing"}
            )
            await link.close(CLOSE_POLICY, "idle")
            return
        if frame["type"] == "websocket.disconnect":
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
            await session.emit({"type": "error", "code": code, "message": text})
            continue
        if isinstance(message, Eou):
            session.end_of_utterance()
        elif isinstance(message, End):
            await session.finish()
            await manager.completed(session)
            await link.close(CLOSE_NORMAL)
            return
