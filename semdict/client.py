"""A dictation client: streams audio to ``/v1/dictation`` like a live microphone would.

Used by ``semdict dictate``, the streaming benchmark and the tests. It paces audio at real
time (or faster), records when each server message arrives, and survives a dropped link or a
restarted server: it reconnects (retrying until the server answers again) with ``session_id`` +
``resume_from_seq`` and resends the audio from the byte offset the ``ready`` message reports —
after a restart that is the audio the stored finals cover, so nothing is lost or doubled.
A reconnect names the session in the URL (``?session=ID``): a front with several nodes routes
it to the node that holds the session (deploy/nginx/semdict.conf); a refusal that says "come
back" (``busy``, ``session_elsewhere``, ``store_unavailable``) is retried until the deadline.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from asr.audio import SAMPLE_RATE, Samples, float_to_pcm16

MessageHook = Callable[[dict[str, Any]], None]


class DictationError(RuntimeError):
    """The server refused or broke the session (the message says why)."""


class RefusedForNowError(DictationError):
    """Refused for now (over capacity, the session on another node, the store down)."""


RETRYABLE = frozenset({"session_elsewhere", "store_unavailable"})
"""``error`` codes that mean: resume again shortly."""


def session_url(url: str, session_id: str) -> str:
    """``url`` naming the session (``?session=ID``), its other parameters kept."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "session"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("session", session_id)])))


@dataclass
class Received:
    t: float  # time.perf_counter() at arrival
    message: dict[str, Any]


@dataclass
class StreamResult:
    session_id: str
    text: str
    audio_s: float
    speed: float | None
    t0: float
    """perf_counter() when the first audio frame was sent."""
    messages: list[Received] = field(default_factory=list)
    reconnects: int = 0
    closes: list[int | None] = field(default_factory=list)
    """The close code of each connection, in order (1000: closed normally; 1006: no close
    frame, the link broke)."""
    refusals: list[dict[str, Any]] = field(default_factory=list)
    """``busy`` and retryable ``error`` answers to a resume (outside the session's seq)."""

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.messages if r.message["type"] == kind]

    def audio_time(self, stream_s: float) -> float:
        """When the audio at ``stream_s`` was sent (perf_counter)."""
        return self.t0 + stream_s / (self.speed or float("inf"))

    def final_latencies(self) -> list[float]:
        """End of each utterance in the audio → its final received (real-time pacing only)."""
        return [r.t - self.audio_time(float(r.message["end_s"])) for r in self.of_type("final")]

    def partial_latencies(self) -> list[float]:
        return [r.t - self.audio_time(float(r.message["end_s"])) for r in self.of_type("partial")]


to_pcm16 = float_to_pcm16


class _Link:
    def __init__(self, ws: ClientConnection, result: StreamResult, hook: MessageHook | None):
        self.ws = ws
        self.result = result
        self.hook = hook
        self.last_seq = 0
        self.completed = asyncio.get_running_loop().create_future()
        self.ready: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def receive(self) -> None:
        try:
            await self._receive()
        except ConnectionClosed:
            pass  # the sender notices too, and resumes
        finally:  # the link is gone: whoever waits for an answer on it learns so now
            for waiting in (self.ready, self.completed):
                if not waiting.done():
                    waiting.set_exception(ConnectionClosed(None, None))
                    waiting.exception()  # retrieved: nobody may be waiting on this one

    async def _receive(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if not self.ready.done() and _come_back(message):  # numbered by its link only
                self.result.refusals.append(message)
                if self.hook:
                    self.hook(message)
                self.ready.set_exception(RefusedForNowError(f"{message['type']}: {message}"))
                continue
            seq = int(message.get("seq", 0))
            if seq and seq <= self.last_seq:
                continue  # already seen before a reconnect
            self.last_seq = max(self.last_seq, seq)
            self.result.messages.append(Received(time.perf_counter(), message))
            if self.hook:
                self.hook(message)
            kind = message["type"]
            if kind == "ready" and not self.ready.done():
                self.ready.set_result(message)
            elif kind in ("busy", "error") and not self.ready.done():
                self.ready.set_exception(DictationError(f"{kind}: {message}"))
            elif kind == "completed" and not self.completed.done():
                self.completed.set_result(message)


async def stream_audio(
    url: str,
    samples: Samples,
    *,
    speed: float | None = 1.0,
    frame_ms: int = 100,
    token: str | None = None,
    start: dict[str, Any] | None = None,
    on_message: MessageHook | None = None,
    drop_at_s: float | None = None,
    timeout_s: float = 600.0,
    ssl_context: ssl.SSLContext | None = None,
) -> StreamResult:
    """Stream 16 kHz mono ``samples``; ``speed`` None sends as fast as the socket takes it.

    ``drop_at_s`` aborts the connection once at that audio position and resumes — a rehearsal
    of a Wi-Fi drop. ``ssl_context``: for ``wss://`` (e.g. trusting a private CA).
    """
    pcm = to_pcm16(samples)
    frame = SAMPLE_RATE * frame_ms // 1000 * 2
    headers = {"Authorization": f"Bearer {token}"} if token else None
    result = StreamResult("", "", samples.size / SAMPLE_RATE, speed, 0.0)
    start_msg: dict[str, Any] = {
        "type": "start",
        "audio": {"encoding": "pcm_s16le", "sample_rate": SAMPLE_RATE},
    }
    start_msg.update(start or {})
    offset = 0
    dropped = drop_at_s is None
    resume_seq: int | None = None
    deadline = time.perf_counter() + timeout_s
    last_seq = 0
    while True:
        target = session_url(url, result.session_id) if result.session_id else url
        ws = await _connect(
            target, headers, deadline, first=resume_seq is None, ssl_context=ssl_context
        )
        try:
            async with ws:
                link = _Link(ws, result, on_message)
                receiver = asyncio.create_task(link.receive())
                try:
                    if resume_seq is not None:
                        link.last_seq = resume_seq
                        start_msg.update(session_id=result.session_id, resume_from_seq=resume_seq)
                    await ws.send(json.dumps(start_msg))
                    ready = await asyncio.wait_for(link.ready, 30)
                    result.session_id = str(ready["session_id"])
                    if ready.get("resumed"):
                        # What the server holds: after a restart, only what its stored finals cover.
                        offset = int(ready["audio_received_bytes"])
                    if not result.t0:
                        result.t0 = time.perf_counter()
                    while offset < len(pcm):
                        position_s = offset / 2 / SAMPLE_RATE
                        if not dropped and drop_at_s is not None and position_s >= drop_at_s:
                            dropped = True
                            ws.transport.abort()  # no close handshake: as when Wi-Fi vanishes
                            raise ConnectionClosed(None, None)
                        if speed:
                            # A microphone delivers a frame when its last sample has been spoken.
                            frame_end_s = min(len(pcm), offset + frame) / 2 / SAMPLE_RATE
                            delay = result.audio_time(frame_end_s) - time.perf_counter()
                            if delay > 0:
                                await asyncio.sleep(delay)
                        await ws.send(pcm[offset : offset + frame])
                        offset += frame
                    await ws.send(json.dumps({"type": "end"}))
                    remaining = max(1.0, deadline - time.perf_counter())
                    done = await asyncio.wait_for(link.completed, remaining)
                    result.text = str(done["text"])
                    receiver.cancel()
                    return result
                except (ConnectionClosed, OSError, RefusedForNowError):
                    receiver.cancel()
                    if time.perf_counter() > deadline or not result.session_id:
                        raise
                    result.reconnects += 1
                    last_seq = max(last_seq, link.last_seq)
                    resume_seq = last_seq
                    await asyncio.sleep(0.2)

        finally:
            result.closes.append(ws.close_code)


def _come_back(message: dict[str, Any]) -> bool:
    kind = message.get("type")
    return kind == "busy" or (kind == "error" and message.get("code") in RETRYABLE)


async def _connect(
    url: str,
    headers: dict[str, str] | None,
    deadline: float,
    *,
    first: bool,
    ssl_context: ssl.SSLContext | None = None,
) -> ClientConnection:
    """Open the socket; when resuming, retry until the server is back (or the deadline)."""
    while True:
        try:
            return await connect(
                url, additional_headers=headers, max_size=None, proxy=None, ssl=ssl_context
            )
        except (OSError, InvalidStatus) as exc:
            # A node or its store that is down for a moment answers 502/503/504.
            transient = not isinstance(exc, InvalidStatus) or _transient(exc)
            if first or not transient or time.perf_counter() > deadline:
                raise
            await asyncio.sleep(0.5)


def _transient(refusal: InvalidStatus) -> bool:
    return refusal.response.status_code in (502, 503, 504)
