"""One dictation session's runtime: audio in, ordered messages out, every final persisted.

A session outlives its WebSocket: when the link drops, it keeps what it has, waits for the
client to resume, and only after a grace period finalises the open utterance by itself. Every
outgoing message gets the next ``seq``; finals (and everything a document depends on) are
written to the store before they are sent, and all messages are kept for replay on resume.

The split (docs/session-runtime.md): ``SessionState`` holds what the session knows and does no
I/O; ``SessionText`` runs the text work in worker threads; this module does the I/O. Every
background task belongs to the session's ``TaskOwner`` (started by ``begin``, stopped by
``close`` within a deadline), and every wait here has a deadline: a send to a client that does
not read, the decoding of what is left at ``end``, the tasks' stop.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from bisect import bisect_left
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from asr.audio import SAMPLE_RATE, StreamResampler
from asr.decoder import DecodeOptions, DecodeRequest, DecodeResult
from asr.scheduler import InferenceScheduler
from asr.stream_policy import (
    Final,
    FinalJob,
    Job,
    PartialJob,
    PolicyOptions,
    SpeculativeJob,
    StreamPolicy,
)
from asr.vad import StreamingVad
from server.metrics import Metrics
from server.protocol import (
    PERSISTED,
    CommandMsg,
    CompletedMsg,
    ErrorMsg,
    FieldMsg,
    FinalMsg,
    PartialMsg,
    ReadyMsg,
    ServerMessage,
    Start,
    WarningMsg,
)
from server.session_state import SessionState
from server.session_text import ProcessedFinal, SessionText
from server.store import SessionStore
from server.tasks import TaskOwner
from server.text_pipeline import TextPipeline

log = logging.getLogger(__name__)

Sender = Callable[[dict[str, Any]], Awaitable[None]]
Closer = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class SessionServices:
    scheduler: InferenceScheduler
    store: SessionStore
    metrics: Metrics
    text: TextPipeline | None
    """None: raw text only (no normalisation, dictionaries, commands or fields)."""
    final_options: DecodeOptions = field(
        default_factory=lambda: DecodeOptions(beam_size=5, word_timestamps=True)
    )
    partial_options: DecodeOptions = field(default_factory=lambda: DecodeOptions(beam_size=1))
    policy: PolicyOptions = field(default_factory=PolicyOptions)
    context_prompt: bool = False
    """Prompt each session's decoder with its template's dictionary context. Off by default:
    measured on the dev corpus it raised the streaming WER (docs/dictionaries.md)."""
    send_timeout_s: float = 10.0
    """A client that takes no message for this long loses its link (the message waits in the
    log for its resume)."""
    drain_timeout_s: float = 300.0
    """At ``end`` (or a link's expiry): the most the remaining finals may take."""
    stop_timeout_s: float = 5.0
    """The most a session's tasks may take to stop once cancelled."""


def new_session_id() -> str:
    return uuid.uuid4().hex


class DictationSession:
    def __init__(self, state: SessionState, start: Start, services: SessionServices) -> None:
        self.state = state
        self.id = state.session_id
        self.start = start
        self.s = services
        self.text = SessionText(services.text, start)
        prompt = self.text.prompt() if services.context_prompt else ""
        self.policy = StreamPolicy(replace(services.policy, context_prompt=prompt))
        # A restored session goes on where its stored finals end: numbering, and the prompt.
        self.policy.utterance = state.base_utterance
        self.policy.finals = [_stored_final(m) for m in state.log if m["type"] == "final"]
        self.vad = StreamingVad()
        self.resampler = StreamResampler(start.audio.sample_rate)
        self.tasks = TaskOwner(f"session-{self.id[:8]}", on_failure=self._task_failed)
        self._owner: object | None = None  # the connection that holds the session
        self._send: Sender | None = None
        self._close_link: Closer | None = None
        self._send_lock = asyncio.Lock()
        self._finals: asyncio.Queue[FinalJob | _Barrier] = asyncio.Queue()
        self._consumer: asyncio.Task[None] | None = None
        self._finals_waiting = 0  # finals queued or decoding
        self._speculation: _Speculation | None = None
        # Arrival time of each received sample count: the final's latency is measured from
        # the moment the audio of its utterance end reached the server.
        self._arrivals: list[tuple[int, float]] = []

    def begin(self) -> None:
        """Start the session's own task (the ordered finals); ``close`` stops it."""
        self._consumer = self.tasks.spawn(self._emit_finals(), "finals")

    @property
    def completed(self) -> bool:
        return self.state.completed

    @property
    def seq(self) -> int:
        return self.state.seq

    # -- connection ---------------------------------------------------------------------------

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
        async with self._send_lock:
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

    # -- input --------------------------------------------------------------------------------

    def on_audio(self, pcm: bytes) -> None:
        samples = self.resampler(pcm)
        self.state.on_audio(len(pcm))
        self._audio_in(samples)

    def _audio_in(self, samples: Any) -> None:
        self.s.metrics.audio_seconds.inc(samples.size / SAMPLE_RATE)
        probs = self.vad(samples)
        self._arrivals.append((self.policy.received + samples.size, time.perf_counter()))
        for job in self.policy.feed(samples, probs.tolist()):
            self._dispatch(job)

    def end_of_utterance(self) -> None:
        for job in self.policy.end_utterance():
            self._dispatch(job)

    async def finish(self) -> str:
        """Client ``end``: transcribe everything buffered, send the remaining finals and
        ``completed``. Returns the document text."""
        tail = self.resampler.flush()
        if tail.size:
            self._audio_in(tail)
        self.end_of_utterance()
        await self._drain_or_say()
        text = await self.document_text()
        await self.s.store.set_status(self.id, "completed", text)
        await self.emit(CompletedMsg(session_id=self.id, text=text))
        return text

    async def interrupt(self) -> None:
        """The client did not come back: finalise what was spoken, keep it resumable."""
        self.end_of_utterance()
        await self._drain_or_say()
        await self.s.store.set_status(self.id, "interrupted", await self.document_text())

    async def drain(self) -> bool:
        """Wait (at most ``drain_timeout_s``) until every queued final has been decoded,
        persisted and sent. False when that did not happen in time."""
        consumer = self._consumer
        if consumer is None or consumer.done():
            return self._finals_waiting == 0
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._finals.put_nowait(_Barrier(done))
        await asyncio.wait(
            {done, consumer}, timeout=self.s.drain_timeout_s, return_when="FIRST_COMPLETED"
        )
        return done.done()

    async def _drain_or_say(self) -> None:
        if not await self.drain():
            await self.emit(
                ErrorMsg(
                    code="finalise_timeout",
                    message="the last utterances could not be transcribed in time; "
                    "the document holds what was transcribed",
                )
            )

    async def close(self) -> bool:
        """Stop every task of the session (within ``stop_timeout_s``)."""
        return await self.tasks.close(self.s.stop_timeout_s)

    def _task_failed(self, name: str, exc: BaseException) -> None:
        if not self.tasks.closed:
            message = ErrorMsg(code="internal_error", message=f"{name}: {type(exc).__name__}")
            self.tasks.spawn(self.emit(message), "report")

    # -- decoding -----------------------------------------------------------------------------

    def _dispatch(self, job: Job) -> None:
        if self.tasks.closed:
            return
        if isinstance(job, FinalJob):
            self._finals_waiting += 1
            self._finals.put_nowait(job)
        elif isinstance(job, SpeculativeJob):
            self._speculate(job)
        elif self.start.options.partials and not self._finals_waiting:
            # While this session's final is being decoded a partial would only delay it.
            request = DecodeRequest(job.audio, job.prompt, self.s.partial_options, job.prefix)
            self.tasks.spawn(self._partial(job, request), "partial")

    def _speculate(self, job: SpeculativeJob) -> None:
        """Decode the utterance's final ahead, in the pause that may end it. Best effort, at
        partial priority: it never delays another session's final."""
        if self._finals_waiting:
            return  # the prompt is not known until the finals before it are done
        if self._speculation:
            self._speculation.task.cancel()
        prompt = self.policy.prompt()
        request = DecodeRequest(job.audio, prompt, self.s.final_options)
        task = self.tasks.spawn(self._decode_ahead(request), "speculation")
        self._speculation = _Speculation((job.utterance, job.start, job.end, prompt), task)

    async def _decode_ahead(self, request: DecodeRequest) -> DecodeResult | None:
        try:
            return await self.s.scheduler.partial(f"{self.id}/final", request)
        except asyncio.CancelledError:
            raise
        except Exception:  # the final is decoded normally instead
            log.info("session %s: a speculative final failed", self.id[:8], exc_info=True)
            return None

    async def _speculated(self, job: FinalJob, prompt: str) -> DecodeResult | None:
        """The speculative result for this final, when it decoded the same span and prompt."""
        speculation, self._speculation = self._speculation, None
        if speculation is None:
            return None
        if speculation.span != (job.utterance, job.start, job.end, prompt):
            speculation.task.cancel()
            self.s.metrics.speculative_finals.labels("discarded").inc()
            return None
        try:
            result = await speculation.task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # this session is closing, not just the speculation
            result = None
        self.s.metrics.speculative_finals.labels("used" if result else "failed").inc()
        return result

    async def _partial(self, job: PartialJob, request: DecodeRequest) -> None:
        try:
            result = await self.s.scheduler.partial(self.id, request)
        except asyncio.CancelledError:
            raise
        except Exception:  # partials are best effort; the final will carry the words
            log.warning("session %s: a partial failed", self.id[:8], exc_info=True)
            return
        if result is None:
            return  # superseded by a newer partial of this session
        update = self.policy.on_partial(job, result.text)
        if update is not None:
            end_s = round(self.state.base_s + job.end / SAMPLE_RATE, 3)
            await self.emit(
                PartialMsg(
                    utterance=update.utterance,
                    text=update.text,
                    stable_words=update.stable_words,
                    end_s=end_s,
                )
            )

    async def _emit_finals(self) -> None:
        while True:
            item = await self._finals.get()
            if isinstance(item, _Barrier):
                if not item.done.done():
                    item.done.set_result(None)
                continue
            try:
                await self._final(item)
            except Exception as exc:  # one utterance's failure must not stop the session
                log.exception("session %s: utterance %d failed", self.id[:8], item.utterance)
                await self.emit(
                    ErrorMsg(
                        code="final_failed",
                        message=f"utterance {item.utterance} failed: {type(exc).__name__}",
                    )
                )
            finally:
                self._finals_waiting -= 1

    async def _final(self, job: FinalJob) -> None:
        # One final at a time per session: each is decoded with the text before it.
        prompt = self.policy.prompt()
        request = DecodeRequest(job.audio, prompt, self.s.final_options)
        try:
            result = await self._speculated(job, prompt) or await self._decode_final(request)
        except Exception as exc:  # the utterance cannot be decoded: say so, keep going
            log.exception("session %s: utterance %d failed", self.id[:8], job.utterance)
            await self.emit(
                ErrorMsg(
                    code="decode_failed",
                    message=f"utterance {job.utterance} could not be transcribed: "
                    f"{type(exc).__name__}",
                )
            )
            return
        await self._emit_final(job, result)

    async def _decode_final(self, request: DecodeRequest) -> DecodeResult:
        try:
            return await self.s.scheduler.final(request)
        except asyncio.CancelledError:
            raise
        except Exception:  # one retry: a transient failure must not cost dictated speech
            log.warning("session %s: decoding failed, retrying once", self.id[:8])
            return await self.s.scheduler.final(request)

    async def _emit_final(self, job: FinalJob, result: DecodeResult) -> None:
        final = self.policy.on_final(
            job,
            result.text,
            no_speech_prob=result.no_speech_prob,
            avg_logprob=result.avg_logprob,
            compression_ratio=result.compression_ratio,
            words=result.words,
        )
        if not final.text:
            return  # silence or hallucination: nothing was said
        words = [(w.w, w.p) for w in final.words]
        try:
            processed = await self.text.final(
                final.text, words, sentence_start=self.state.sentence_start()
            )
        except Exception as exc:  # the words are kept as heard; the session goes on
            log.exception("session %s: text pipeline failed", self.id[:8])
            await self.emit(ErrorMsg(code="text_failed", message=_failed("text", exc)))
            processed = ProcessedFinal(final.text)
        base = self.state.base_s
        message = FinalMsg(
            utterance=final.utterance,
            text=processed.text,
            raw=final.text,
            start_s=round(final.start_s + base, 3),
            end_s=round(final.end_s + base, 3),
            words=[
                {
                    "w": w.w,
                    "start": round(w.start + base, 2),
                    "end": round(w.end + base, 2),
                    "p": w.p,
                }
                for w in final.words
            ],
            corrections=processed.corrections,
        )
        await self.emit(message, covers=self.state.covered_by(job.end))
        self.s.metrics.final_latency.observe(time.perf_counter() - self._arrival(job.end))
        for command in processed.commands:
            await self.emit(CommandMsg(utterance=final.utterance, **command))
        await self._emit_live()

    async def _emit_live(self) -> None:
        """Fields that changed and warnings not sent before, for the text so far."""
        if not self.text.live_wanted:
            return
        try:
            live = await self.text.live(self.state)
        except Exception as exc:  # live extras fail alone: finals and the document go on
            log.exception("session %s: live fields failed", self.id[:8])
            await self.emit(ErrorMsg(code="live_failed", message=_failed("live fields", exc)))
            return
        for name, value in self.state.field_changes(live.fields):
            await self.emit(FieldMsg(field=name, value=value))
        for code, field_id, text in self.state.new_warnings(live.warnings):
            await self.emit(WarningMsg(code=code, field=field_id, message=text))

    def _arrival(self, sample: int) -> float:
        i = bisect_left(self._arrivals, (sample, 0.0))
        return self._arrivals[min(i, len(self._arrivals) - 1)][1] if self._arrivals else 0.0

    # -- output -------------------------------------------------------------------------------

    async def document_text(self) -> str:
        try:
            return await self.text.document(self.state)
        except Exception as exc:  # the finals as they were sent: nothing spoken is lost
            log.exception("session %s: document text failed", self.id[:8])
            await self.emit(ErrorMsg(code="text_failed", message=_failed("document", exc)))
            return " ".join(t for t in self.state.final_texts if t)

    def cached_text(self) -> str:
        """The document text if known without work, else the finals as sent."""
        cached = self.text.cached_document(self.state)
        return cached if cached is not None else " ".join(t for t in self.state.final_texts if t)

    async def emit(self, message: ServerMessage, *, covers: int | None = None) -> None:
        """Number, persist (documents' messages: durable before they are sent), keep for a
        resume and send. ``covers``: with a final, the client audio offset it covers."""
        async with self._send_lock:
            stamped = await self._stamp(message)
            if stamped["type"] in PERSISTED:
                await self.s.store.append(self.id, stamped, audio_bytes=covers)
            self.state.record(stamped)
            await self._deliver(stamped)

    async def _stamp(self, message: ServerMessage) -> dict[str, Any]:
        body = message.body()
        seq, ceiling = self.state.next_seq()
        if ceiling is not None:  # durable before any number under it is sent
            await self.s.store.reserve_seq(self.id, ceiling)
        return {"type": body.pop("type"), "seq": seq, **body}

    async def _deliver(self, message: dict[str, Any]) -> None:
        send, owner = self._send, self._owner
        if send is None:
            return  # kept in the log; replayed when the client resumes
        try:
            async with asyncio.timeout(self.s.send_timeout_s):
                await send(message)
        except Exception:  # broken or stalled link: the message waits in the log
            log.info("session %s: send failed, waiting for resume", self.id[:8])
            close = self._close_link
            if self.release(owner) and close is not None and not self.tasks.closed:
                self.tasks.spawn(_bounded(close(), self.s.send_timeout_s), "close-link")


def _failed(what: str, exc: BaseException) -> str:
    return f"{what} processing failed ({type(exc).__name__}); the words are kept as heard"


async def _bounded(awaitable: Awaitable[None], timeout_s: float) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            await awaitable
    except Exception:  # a link that cannot even be closed is gone anyway
        log.info("closing a broken link failed", exc_info=True)


def _stored_final(message: dict[str, Any]) -> Final:
    return Final(
        utterance=int(message["utterance"]),
        text=str(message["raw"]),
        raw=str(message["raw"]),
        start_s=float(message["start_s"]),
        end_s=float(message["end_s"]),
        words=(),
    )


@dataclass(frozen=True)
class _Speculation:
    span: tuple[int, int, int, str]
    """(utterance, start, end, prompt): a final uses the result only if all four match."""
    task: asyncio.Task[DecodeResult | None]


@dataclass(frozen=True)
class _Barrier:
    done: asyncio.Future[None]
