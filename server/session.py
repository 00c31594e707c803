"""One dictation session: audio in, ordered transcript messages out, every final persisted.

A session outlives its WebSocket: when the link drops, it keeps what it has, waits for the
client to resume, and only after a grace period finalises the open utterance by itself. Every
outgoing message gets the next ``seq``; finals (and everything a document depends on) are
written to the store before they are sent, and all messages are kept for replay on resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from bisect import bisect_left
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from asr.audio import SAMPLE_RATE, StreamResampler
from asr.decoder import DecodeOptions, DecodeRequest, DecodeResult
from asr.scheduler import InferenceScheduler
from asr.stream_policy import (
    FinalJob,
    Job,
    PartialJob,
    PolicyOptions,
    SpeculativeJob,
    StreamPolicy,
)
from asr.vad import StreamingVad
from server.metrics import Metrics
from server.protocol import Start
from server.store import SessionStore
from server.text_pipeline import TextPipeline

log = logging.getLogger(__name__)

Sender = Callable[[dict[str, Any]], Awaitable[None]]

PERSISTED = frozenset({"final", "command", "field", "completed"})
"""Message types a document depends on: written to the store before they are sent."""


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


def new_session_id() -> str:
    return uuid.uuid4().hex


class DictationSession:
    def __init__(
        self, session_id: str, start: Start, services: SessionServices, *, last_seq: int = 0
    ) -> None:
        self.id = session_id
        self.start = start
        self.s = services
        self.raw_mode = start.options.raw or services.text is None
        prompt = ""
        if services.text is not None and not self.raw_mode and services.context_prompt:
            prompt = services.text.prompt(start.specialty, start.template_id)
        self.policy = StreamPolicy(replace(services.policy, context_prompt=prompt))
        self.vad = StreamingVad()
        self.resampler = StreamResampler(start.audio.sample_rate)
        self.seq = last_seq
        self.log: list[dict[str, Any]] = []  # every message sent, for replay on resume
        self.raw_finals: list[str] = []
        self.final_words: list[list[tuple[str, float]]] = []
        """Each final's (word, probability) pairs: the evidence the document's corrections use."""
        self.final_texts: list[str] = []
        self.fields: dict[str, object] = {}
        self.bytes_received = 0
        self.completed = False
        self._sender: Sender | None = None
        self._claimed = False
        self._send_lock = asyncio.Lock()
        self._finals: asyncio.Queue[FinalJob | _Barrier] = asyncio.Queue()
        self._consumer = asyncio.create_task(self._emit_finals(), name=f"finals-{session_id[:8]}")
        self._partials: set[asyncio.Task[None]] = set()
        self._finals_waiting = 0  # finals queued or decoding
        self._speculation: _Speculation | None = None
        # Arrival time of each received sample count: the final's latency is measured from
        # the moment the audio of its utterance end reached the server.
        self._arrivals: list[tuple[int, float]] = []

    def restore(self, stored: list[dict[str, Any]]) -> None:
        """Continue a session known only to the store (e.g. after a restart)."""
        self.log = list(stored)
        for message in stored:
            if message["type"] == "final":
                self.raw_finals.append(str(message["raw"]))
                self.final_words.append(
                    [(str(w["w"]), float(w["p"])) for w in message.get("words", ())]
                )
                self.final_texts.append(str(message["text"]))
            elif message["type"] == "field":
                self.fields[str(message["field"])] = message["value"]

    # -- connection ---------------------------------------------------------------------------

    async def attach(self, sender: Sender, resume_from_seq: int | None) -> None:
        """Bind a (new) connection: replay what it missed, then ``ready``."""
        async with self._send_lock:
            self._sender = sender
            if resume_from_seq is not None:
                for message in [m for m in self.log if m["seq"] > resume_from_seq]:
                    await sender(message)
            self.seq += 1
            await sender(
                {
                    "type": "ready",
                    "seq": self.seq,
                    "session_id": self.id,
                    "resumed": resume_from_seq is not None,
                    "audio_received_s": round(self.bytes_received / 2 / self.resampler.rate, 3),
                    "audio_received_bytes": self.bytes_received,
                }
            )

    def claim(self) -> None:
        self._claimed = True

    def detach(self) -> None:
        self._sender = None
        self._claimed = False

    @property
    def connected(self) -> bool:
        return self._claimed or self._sender is not None

    # -- input --------------------------------------------------------------------------------

    def on_audio(self, pcm: bytes) -> None:
        samples = self.resampler(pcm)
        self.bytes_received += len(pcm)
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
        await self.drain()
        text = self.document_text()
        self.completed = True
        await self.s.store.set_status(self.id, "completed", text)
        await self.emit({"type": "completed", "session_id": self.id, "text": text})
        return text

    async def interrupt(self) -> None:
        """The client did not come back: finalise what was spoken, keep it resumable."""
        self.end_of_utterance()
        await self.drain()
        await self.s.store.set_status(self.id, "interrupted", self.document_text())

    async def drain(self) -> None:
        """Wait until every queued final has been decoded, persisted and sent."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._finals.put(_Barrier(done))
        await done

    async def close(self) -> None:
        if self._speculation:
            self._speculation.task.cancel()
        for task in [*self._partials, self._consumer]:
            task.cancel()
        for task in [*self._partials, self._consumer]:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- decoding -----------------------------------------------------------------------------

    def _dispatch(self, job: Job) -> None:
        if isinstance(job, FinalJob):
            self._finals_waiting += 1
            self._finals.put_nowait(job)
        elif isinstance(job, SpeculativeJob):
            self._speculate(job)
        elif self.start.options.partials and not self._finals_waiting:
            # While this session's final is being decoded a partial would only delay it.
            request = DecodeRequest(job.audio, job.prompt, self.s.partial_options, job.prefix)
            partial = asyncio.create_task(self._partial(job, request))
            self._partials.add(partial)
            partial.add_done_callback(self._partials.discard)

    def _speculate(self, job: SpeculativeJob) -> None:
        """Decode the utterance's final ahead, in the pause that may end it. Best effort, at
        partial priority: it never delays another session's final."""
        if self._finals_waiting:
            return  # the prompt is not known until the finals before it are done
        if self._speculation:
            self._speculation.task.cancel()
        prompt = self.policy.prompt()
        request = DecodeRequest(job.audio, prompt, self.s.final_options)
        task = asyncio.create_task(self.s.scheduler.partial(f"{self.id}/final", request))
        self._speculation = _Speculation((job.utterance, job.start, job.end, prompt), task)

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
        except Exception:  # the final is decoded normally instead
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
            await self.emit(
                {
                    "type": "partial",
                    "utterance": update.utterance,
                    "text": update.text,
                    "stable_words": update.stable_words,
                    "end_s": round(job.end / SAMPLE_RATE, 3),
                }
            )

    async def _emit_finals(self) -> None:
        while True:
            item = await self._finals.get()
            if isinstance(item, _Barrier):
                item.done.set_result(None)
                continue
            try:
                await self._final(item)
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
                {
                    "type": "error",
                    "code": "decode_failed",
                    "message": f"utterance {job.utterance} could not be transcribed: "
                    f"{type(exc).__name__}",
                }
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
        text, corrections, commands = final.text, [], []
        words = [(w.w, w.p) for w in final.words]
        if not self.raw_mode and self.s.text is not None:
            processed = self.s.text.final(
                final.text,
                words,
                specialty=self.start.specialty,
                template_id=self.start.template_id,
                sentence_start=self._sentence_start(),
            )
            text = processed.text
            corrections = [asdict(c) for c in processed.corrections]
            commands = [asdict(c) for c in processed.commands]
        self.raw_finals.append(final.text)
        self.final_words.append(words)
        self.final_texts.append(text)
        await self.emit(
            {
                "type": "final",
                "utterance": final.utterance,
                "text": text,
                "raw": final.text,
                "start_s": final.start_s,
                "end_s": final.end_s,
                "words": [asdict(w) for w in final.words],
                "corrections": corrections,
            }
        )
        self.s.metrics.final_latency.observe(time.perf_counter() - self._arrival(job.end))
        for command in commands:
            await self.emit({"type": "command", "utterance": final.utterance, **command})
        await self._emit_fields()

    def _sentence_start(self) -> bool:
        previous = next((t for t in reversed(self.final_texts) if t.strip()), "")
        return not previous or previous.rstrip()[-1] in ".!?:\n"

    async def _emit_fields(self) -> None:
        if self.raw_mode or self.s.text is None or not self.start.options.fields:
            return
        fields = self.s.text.fields(self.document_text(), self.start.template_id)
        for name, value in fields.items():
            if name not in self.fields and value in (None, "", [], {}):
                continue  # nothing dictated for this field yet
            if self.fields.get(name) != value:
                self.fields[name] = value
                await self.emit({"type": "field", "field": name, "value": value})

    def _arrival(self, sample: int) -> float:
        i = bisect_left(self._arrivals, (sample, 0.0))
        return self._arrivals[min(i, len(self._arrivals) - 1)][1] if self._arrivals else 0.0

    # -- output -------------------------------------------------------------------------------

    def document_text(self) -> str:
        if self.raw_mode or self.s.text is None:
            return " ".join(t for t in self.raw_finals if t)
        return self.s.text.document(
            self.raw_finals,
            self.final_words,
            specialty=self.start.specialty,
            template_id=self.start.template_id,
        )

    async def emit(self, body: dict[str, Any]) -> None:
        async with self._send_lock:
            self.seq += 1
            message = {"type": body["type"], "seq": self.seq, **body}
            if message["type"] in PERSISTED:
                await self.s.store.append(self.id, message)  # durable before it is sent
            self.log.append(message)
            sender = self._sender
            if sender is None:
                return  # kept in the log; replayed when the client resumes
            try:
                await sender(message)
            except Exception:  # the link broke mid-send: the message waits in the log
                log.info("session %s: send failed, waiting for resume", self.id[:8])
                self._sender = None


@dataclass(frozen=True)
class _Speculation:
    span: tuple[int, int, int, str]
    """(utterance, start, end, prompt): a final uses the result only if all four match."""
    task: asyncio.Task[DecodeResult | None]


@dataclass(frozen=True)
class _Barrier:
    done: asyncio.Future[None]
