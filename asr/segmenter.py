"""Utterance segmentation from per-chunk speech probabilities (pure: no audio, no model).

An utterance opens when speech is heard and closes after a pause long enough to be the end of
a phrase, or when it grows too long for one decoder window. Positions are in samples.
"""

from __future__ import annotations

from dataclasses import dataclass

from asr.vad import CHUNK


@dataclass(frozen=True)
class SegmenterOptions:
    threshold: float = 0.5
    """Speech starts above this probability."""
    neg_threshold: float = 0.35
    """Speech continues until the probability falls below this (hysteresis)."""
    min_silence_ms: int = 600
    """A pause this long ends the utterance."""
    soft_max_s: float = 4.0
    """Past this length a short pause is enough: the phrase ends at its next breath, so the
    final comes soon after it instead of waiting for a long pause or the hard cut (the
    server's default depends on the device: server/settings.py)."""
    short_silence_ms: int = 96
    min_speech_ms: int = 200
    """Shorter bursts (clicks, breaths) never open an utterance."""
    pad_ms: int = 200
    """Audio kept before the speech onset and after its end."""
    max_utterance_s: float = 12.0
    """Longer speech is cut at its quietest recent chunk."""
    cut_lookback_s: float = 2.0
    """How far back the quietest chunk may lie: the final of a cut utterance cannot come
    sooner than this after the audio at its end."""
    cut_tolerance: float = 0.1
    """The cut goes after the latest chunk whose speech probability is within this of the
    quietest one: nearly as good a word gap, and the final comes sooner."""


@dataclass(frozen=True)
class UtteranceClosed:
    start: int
    end: int
    forced: bool
    """True when cut for length (no pause): the next utterance continues the same phrase."""


class Segmenter:
    """Feeds on chunk probabilities, reports the open utterance and the ones it closes."""

    def __init__(self, options: SegmenterOptions | None = None, rate: int = 16_000) -> None:
        self.o = options or SegmenterOptions()
        self._ms = rate // 1000
        self.position = 0  # samples consumed so far
        self.open_start: int | None = None  # start of the open utterance, padded
        self._speech_run = 0  # consecutive speech samples before opening
        self._candidate_start = 0
        self._in_speech = False
        self._last_speech_end = 0
        self._probs: list[tuple[int, float]] = []  # (chunk start, prob) of the open utterance

    @property
    def is_open(self) -> bool:
        return self.open_start is not None

    def end_if_closed_now(self) -> int:
        """Where the open utterance would end if its pause were long enough now."""
        return min(self.position, self._last_speech_end + self.o.pad_ms * self._ms)

    @property
    def silence(self) -> int:
        """Samples since the open utterance's last speech."""
        return self.position - self._last_speech_end

    def feed(self, probs: list[float]) -> list[UtteranceClosed]:
        closed: list[UtteranceClosed] = []
        for p in probs:
            chunk_start = self.position
            self.position += CHUNK
            speech = p >= self.o.threshold or (self._in_speech and p >= self.o.neg_threshold)
            if self.open_start is None:
                self._feed_closed(speech, chunk_start)
            else:
                self._probs.append((chunk_start, p))
                if speech:
                    self._last_speech_end = self.position
                self._feed_open(speech, closed)
            self._in_speech = speech
        return closed

    def _feed_closed(self, speech: bool, chunk_start: int) -> None:
        if not speech:
            self._speech_run = 0
            return
        if self._speech_run == 0:
            self._candidate_start = chunk_start
        self._speech_run += CHUNK
        if self._speech_run >= self.o.min_speech_ms * self._ms:
            self.open_start = max(0, self._candidate_start - self.o.pad_ms * self._ms)
            self._last_speech_end = self.position
            self._probs = []
            self._speech_run = 0

    def _feed_open(self, speech: bool, closed: list[UtteranceClosed]) -> None:
        assert self.open_start is not None
        silence = self.position - self._last_speech_end
        long_enough = self._last_speech_end - self.open_start >= self.o.soft_max_s * 1000 * self._ms
        needed = self.o.short_silence_ms if long_enough else self.o.min_silence_ms
        if not speech and silence >= needed * self._ms:
            closed.append(UtteranceClosed(self.open_start, self.end_if_closed_now(), forced=False))
            self._reset()
            return
        if self.position - self.open_start >= self.o.max_utterance_s * self._ms * 1000:
            cut = self._quietest_point()
            closed.append(UtteranceClosed(self.open_start, cut, forced=True))
            self.open_start = cut
            self._probs = [(s, p) for s, p in self._probs if s >= cut]

    def _quietest_point(self) -> int:
        """End of the least speech-like recent chunk: the likeliest word gap."""
        assert self.open_start is not None
        tail_from = self.position - int(self.o.cut_lookback_s * 1000 * self._ms)
        tail = [(s, p) for s, p in self._probs if s >= tail_from] or self._probs[-1:]
        quietest = min(p for _, p in tail)
        start = max(s for s, p in tail if p <= quietest + self.o.cut_tolerance)
        return start + CHUNK

    def force_close(self) -> UtteranceClosed | None:
        """End the open utterance now (client ``eou``/``end``, or a dropped connection)."""
        if self.open_start is None:
            return None
        end = self.end_if_closed_now()
        result = UtteranceClosed(self.open_start, max(end, self.open_start), forced=False)
        self._reset()
        return result

    def _reset(self) -> None:
        self.open_start = None
        self._probs = []
        self._speech_run = 0
