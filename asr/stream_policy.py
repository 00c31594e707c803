"""The streaming policy of one dictation session (pure: no model, no socket, no clock).

Audio and its VAD probabilities go in; decode jobs come out; decode results go in; partial and
final transcript updates come out. Keeping it apart from I/O makes every decision testable with
synthetic input (see tests/test_stream_policy.py).

* Utterances come from the VAD segmenter: a pause ends one; a long phrase is cut at its
  quietest point.
* While an utterance is open, a cheap partial is decoded every ``partial_interval_s`` of new
  audio; LocalAgreement-2 marks the words two consecutive partials agree on as stable.
* When it closes, a full-beam final is decoded; the guards remove hallucinations and words
  repeated across a cut; finals never change afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from asr.audio import SAMPLE_RATE, Samples
from asr.audio_buffer import AudioBuffer
from asr.decoder import DecodeResult
from asr.engine import Word
from asr.guards import GuardOptions, clean_final, drop_boundary_overlap
from asr.segmenter import Segmenter, SegmenterOptions, UtteranceClosed


@dataclass(frozen=True)
class PolicyOptions:
    segmenter: SegmenterOptions = field(default_factory=SegmenterOptions)
    guards: GuardOptions = field(default_factory=GuardOptions)
    partial_interval_s: float = 1.0
    min_partial_s: float = 0.6
    prompt_chars: int = 300
    """How much of the finished text is given to the decoder as context."""
    context_prompt: str = ""
    """Dictionary/template context placed before the finished text."""
    speculate_after_ms: int = 0
    """After this much pause the open utterance is decoded as it would close, so its final is
    ready when the pause is confirmed (``min_silence_ms`` later); 0: off."""


@dataclass(frozen=True)
class PartialJob:
    utterance: int
    audio: Samples
    prompt: str
    end: int
    """Absolute sample index where the decoded audio ends."""
    prefix: str = ""
    """The utterance's stable words so far: the decoder only has to extend them."""


@dataclass(frozen=True)
class FinalJob:
    """Decode with ``StreamPolicy.prompt()`` taken when the previous final is done, so that
    a final's text never depends on how fast the audio arrived."""

    utterance: int
    audio: Samples
    start: int
    end: int
    forced: bool


@dataclass(frozen=True)
class SpeculativeJob:
    """The open utterance as it ends if the pause just begun goes on: its final, decoded
    ahead. The session uses the result only for a final with the same span and prompt."""

    utterance: int
    audio: Samples
    start: int
    end: int


Job = PartialJob | FinalJob | SpeculativeJob


@dataclass(frozen=True)
class Partial:
    utterance: int
    text: str
    stable_words: int


@dataclass(frozen=True)
class Final:
    utterance: int
    text: str
    raw: str
    start_s: float
    end_s: float
    words: tuple[Word, ...]


_KEEP_BEFORE_ONSET = SAMPLE_RATE  # > segmenter padding + minimum speech before onset


def _norm(word: str) -> str:
    return re.sub(r"[^\w]", "", word.lower().replace("ё", "е"))


class LocalAgreement:
    """Words two consecutive hypotheses agree on are committed and never revoked."""

    def __init__(self) -> None:
        self.committed: list[str] = []
        self._previous: list[str] = []

    def update(self, words: list[str]) -> tuple[list[str], list[str]]:
        """Return (stable words, tentative tail) for the newest hypothesis."""
        agree = 0
        for a, b in zip(self._previous, words, strict=False):
            if _norm(a) != _norm(b):
                break
            agree += 1
        if agree > len(self.committed):
            self.committed = words[:agree]
        self._previous = words
        # The tail is whatever the newest hypothesis says after the committed words.
        tail = words[len(self.committed) :] if self._aligned(words) else []
        return list(self.committed), tail

    def _aligned(self, words: list[str]) -> bool:
        n = len(self.committed)
        return [_norm(w) for w in words[:n]] == [_norm(w) for w in self.committed]


class StreamPolicy:
    def __init__(self, options: PolicyOptions | None = None) -> None:
        self.o = options or PolicyOptions()
        self.segmenter = Segmenter(self.o.segmenter)
        self.audio = AudioBuffer()
        self._received = 0
        self.utterance = 0  # index of the open (or next) utterance
        self._last_partial_at = 0
        self._agreement = LocalAgreement()
        self._speculated_end = -1
        self.finals: list[Final] = []
        self._last_forced = False

    @property
    def received(self) -> int:
        """Samples received so far (16 kHz)."""
        return self._received

    @property
    def received_s(self) -> float:
        return self._received / SAMPLE_RATE

    def prompt(self) -> str:
        finished = " ".join(f.text for f in self.finals if f.text)
        tail = finished[-self.o.prompt_chars :]
        if len(finished) > self.o.prompt_chars:
            tail = tail.split(" ", 1)[-1]  # do not start the prompt inside a word
        return " ".join(p for p in (self.o.context_prompt, tail) if p).strip()

    def feed(self, samples: Samples, probs: Sequence[float]) -> list[Job]:
        """Audio just received and the VAD probabilities of the chunks it completed."""
        self.audio.append(samples)
        self._received += samples.size
        jobs: list[Job] = [self._final_job(c) for c in self.segmenter.feed(list(probs))]
        if not self.segmenter.is_open:
            # Silence between utterances is dropped, but the onset padding must survive.
            self.audio.trim(self.segmenter.position - _KEEP_BEFORE_ONSET)
            return jobs
        start = self.segmenter.open_start
        assert start is not None
        self.audio.trim(start)
        speculative = self._speculative_job(start)
        if speculative:
            jobs.append(speculative)
        pos = self.segmenter.position
        due = pos - max(start, self._last_partial_at) >= self.o.partial_interval_s * SAMPLE_RATE
        if due and pos - start >= self.o.min_partial_s * SAMPLE_RATE:
            self._last_partial_at = pos
            jobs.append(
                PartialJob(
                    self.utterance,
                    self.audio.slice(start, pos),
                    self.prompt(),
                    end=pos,
                    prefix=" ".join(self._agreement.committed),
                )
            )
        return jobs

    def _speculative_job(self, start: int) -> SpeculativeJob | None:
        if self.o.speculate_after_ms <= 0:
            return None
        # Not before the end padding is in: until then the end would still move.
        wait_ms = max(self.o.speculate_after_ms, self.o.segmenter.pad_ms)
        end = self.segmenter.end_if_closed_now()
        if self.segmenter.silence < wait_ms * SAMPLE_RATE // 1000 or end == self._speculated_end:
            return None
        self._speculated_end = end
        return SpeculativeJob(self.utterance, self.audio.slice(start, end), start, end)

    def end_utterance(self) -> list[Job]:
        """Close the open utterance now (client ``eou``/``end``, dropped connection)."""
        closed = self.segmenter.force_close()
        return [self._final_job(closed)] if closed else []

    def _final_job(self, closed: UtteranceClosed) -> FinalJob:
        job = FinalJob(
            utterance=self.utterance,
            audio=self.audio.slice(closed.start, closed.end),
            start=closed.start,
            end=closed.end,
            forced=closed.forced,
        )
        self.utterance += 1
        self._agreement = LocalAgreement()
        self._last_partial_at = closed.end
        return job

    def on_partial(self, job: PartialJob, text: str) -> Partial | None:
        if job.utterance != self.utterance:
            return None  # the utterance was finalised while this partial was decoding
        stable, tail = self._agreement.update(text.split())
        if not stable and not tail:
            return None
        return Partial(job.utterance, " ".join(stable + tail), len(stable))

    def on_decoded(self, job: FinalJob, result: DecodeResult) -> Final:
        """:meth:`on_final` for a decoder result (live sessions and uploads alike)."""
        return self.on_final(
            job,
            result.text,
            no_speech_prob=result.no_speech_prob,
            avg_logprob=result.avg_logprob,
            compression_ratio=result.compression_ratio,
            words=result.words,
        )

    def on_final(
        self,
        job: FinalJob,
        text: str,
        *,
        no_speech_prob: float,
        avg_logprob: float,
        compression_ratio: float,
        words: tuple[Word, ...] = (),
    ) -> Final:
        """Finals must be given in utterance order (the session keeps them ordered)."""
        clean = clean_final(
            text,
            no_speech_prob=no_speech_prob,
            avg_logprob=avg_logprob,
            compression_ratio=compression_ratio,
            options=self.o.guards,
        )
        if clean and self._last_forced and self.finals:
            before = len(clean.split())
            clean = drop_boundary_overlap(self.finals[-1].text, clean)
            words = words[before - len(clean.split()) :]
        self._last_forced = job.forced
        offset = job.start / SAMPLE_RATE
        final = Final(
            utterance=job.utterance,
            text=clean,
            raw=text,
            start_s=round(offset, 3),
            end_s=round(job.end / SAMPLE_RATE, 3),
            words=_shift_words(words, offset) if clean else (),
        )
        self.finals.append(final)
        return final


def _shift_words(words: tuple[Word, ...], offset: float) -> tuple[Word, ...]:
    return tuple(
        Word(w=w.w, start=round(w.start + offset, 2), end=round(w.end + offset, 2), p=w.p)
        for w in words
    )
