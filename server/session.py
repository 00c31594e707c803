"""One dictation session's runtime: audio in, ordered messages out, every final persisted.

A session outlives its WebSocket: when the link drops, it keeps what it has, waits for the
client to resume, and only after a grace period finalises the open utterance by itself. Every
outgoing message gets the next ``seq``; finals (and everything a document depends on) are
written to the store before they are sent, and all messages are kept for replay on resume.

The split (docs/session-runtime.md): ``SessionState`` holds what the session knows and does no
I/O; ``SessionText`` runs the text work in worker threads; ``Outbox`` numbers, persists and
delivers messages and knows which connection holds the session; this module decodes. Every
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
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from asr.audio import SAMPLE_RATE, StreamResampler
from asr.decoder import DecodeRequest, DecodeResult
from asr.stream_policy import (
    FinalJob,
    Job,
    PartialJob,
    SpeculativeJob,
    StreamPolicy,
)
from asr.vad import StreamingVad
from server.protocol import (
    CommandMsg,
    CompletedMsg,
    ErrorMsg,
    Feedback,
    FieldMsg,
    PartialMsg,
    ServerMessage,
    Start,
    WarningMsg,
)
from server.services import SessionServices
from server.session_messages import failed, final_message, stored_final
from server.session_outbox import Closer, Outbox, Sender
from server.session_speculation import Speculator
from server.session_state import SessionState
from server.session_text import ProcessedFinal, SessionText
from server.store import DEFAULT_TENANT, StoreError
from server.tasks import TaskOwner

log = logging.getLogger(__name__)

StoreFailureHook = Callable[["DictationSession", StoreError], None]


def new_session_id() -> str:
    return uuid.uuid4().hex


class DictationSession:
    def __init__(
        self,
        state: SessionState,
        start: Start,
        services: SessionServices,
        tenant: str = DEFAULT_TENANT,
    ) -> None:
        self.state = state
        self.id = state.session_id
        self.start = start
        self.s = services
        self.text = SessionText(services.text, start, tenant)
        self.text.restore_section(state.log)
        prompt = self.text.prompt() if services.context_prompt else ""
        self.policy = StreamPolicy(replace(services.policy, context_prompt=prompt))
        # A restored session goes on where its stored finals end: numbering, and the prompt.
        self.policy.utterance = state.base_utterance
        self.policy.finals = [stored_final(m) for m in state.log if m["type"] == "final"]
        self.vad = StreamingVad()
        self.resampler = StreamResampler(start.audio.sample_rate)
        self.tasks = TaskOwner(f"session-{self.id[:8]}", on_failure=self._task_failed)
        self.out = Outbox(state, services.store, self.tasks, send_timeout_s=services.send_timeout_s)
        self._finals: asyncio.Queue[FinalJob | _Barrier] = asyncio.Queue()
        self._consumer: asyncio.Task[None] | None = None
        self._finals_waiting = 0  # finals queued or decoding
        self.speculator = Speculator(
            f"{self.id}/final",
            services.scheduler,
            services.final_options,
            services.metrics,
            self.tasks,
        )
        # Arrival time of each received sample count: the final's latency is measured from
        # the moment the audio of its utterance end reached the server.
        self._arrivals: list[tuple[int, float]] = []
        self.on_store_failure: StoreFailureHook | None = None
        """Told once when a write of this session fails (the manager drops the session)."""
        self.store_failed: StoreError | None = None

    def begin(self) -> None:
        """Start the session's own task (the ordered finals); ``close`` stops it."""
        self._consumer = self.tasks.spawn(self._emit_finals(), "finals")

    @property
    def completed(self) -> bool:
        return self.state.completed

    @property
    def seq(self) -> int:
        return self.state.seq

    # -- connection: the outbox's ------------------------------------------------------------

    def claim(self, owner: object) -> None:
        self.out.claim(owner)

    def owns(self, owner: object) -> bool:
        return self.out.owns(owner)

    def release(self, owner: object) -> bool:
        return self.out.release(owner)

    @property
    def connected(self) -> bool:
        return self.out.connected

    async def attach(
        self, owner: object, send: Sender, close: Closer, resume_from_seq: int | None
    ) -> None:
        await self.out.attach(owner, send, close, resume_from_seq)

    async def emit(self, message: ServerMessage, *, covers: int | None = None) -> None:
        await self.out.emit(message, covers=covers)

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

    async def feedback(self, message: Feedback) -> None:
        """The doctor accepted or rejected a correction: their lexicon learns it."""
        if self.text.lexicon is None:
            await self.emit(
                ErrorMsg(
                    code="no_user",
                    message="feedback needs a doctor: give `user` in the start message "
                    "(and a text pipeline: not in raw mode)",
                )
            )
            return
        await self.text.feedback(message.raw, message.corrected, accepted=message.accepted)

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

    def _store_failure(self, exc: StoreError) -> None:
        """What was not stored was not sent: this node stops driving the session, and the
        client resumes it from the store (here or on another node)."""
        if self.store_failed is not None:
            return
        self.store_failed = exc
        log.warning("session %s: %s: %s", self.id[:8], type(exc).__name__, exc)
        if self.on_store_failure is not None:
            self.on_store_failure(self, exc)

    def _task_failed(self, name: str, exc: BaseException) -> None:
        if isinstance(exc, StoreError):
            self._store_failure(exc)
        elif not self.tasks.closed:
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
        if not self._finals_waiting:  # else the prompt is not known until those are done
            self.speculator.start(job, self.policy.prompt())

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
            except StoreError as exc:  # the session cannot go on here
                self._store_failure(exc)
                return
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
            result = await self.speculator.take(job, prompt) or await self._decode_final(request)
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
        final = self.policy.on_decoded(job, result)
        if not final.text:
            return  # silence or hallucination: nothing was said
        words = [(w.w, w.p) for w in final.words]
        try:
            processed = await self.text.final(
                final.text, words, sentence_start=self.state.sentence_start()
            )
        except Exception as exc:  # the words are kept as heard; the session goes on
            log.exception("session %s: text pipeline failed", self.id[:8])
            await self.emit(ErrorMsg(code="text_failed", message=failed("text", exc)))
            processed = ProcessedFinal(final.text)
        message = final_message(final, processed, self.state.base_s)
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
            await self.emit(ErrorMsg(code="live_failed", message=failed("live fields", exc)))
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
            await self.emit(ErrorMsg(code="text_failed", message=failed("document", exc)))
            return " ".join(t for t in self.state.final_texts if t)

    async def current_text(self) -> str:
        """The document text so far, for a reader (no message is sent, whatever happens)."""
        try:
            return await self.text.document(self.state)
        except Exception:  # the finals as they were sent
            log.warning("session %s: document text failed", self.id[:8], exc_info=True)
            return " ".join(t for t in self.state.final_texts if t)


@dataclass(frozen=True)
class _Barrier:
    done: asyncio.Future[None]
