"""Speech a window's words do not cover: the decoder stopped or skipped while the voice went on.

Whisper sometimes ends a window's text after its first sentence although the audio goes on
(an early end-of-text), and sometimes, given the previous text as prompt, repeats a phrase of
that prompt instead of what was said. The word timestamps show both. An early end leaves a tail
after the last word; a skipped or copied phrase leaves a gap between two words, or one word
stretched over seconds of speech (the aligner has nothing else to put there). Where the
voice-activity detector hears speech in such a span, the window's text is incomplete and is
decoded again (asr.decoder), so a final never silently loses a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from asr.audio import SAMPLE_RATE, Samples
from asr.engine import Word
from asr.vad import CHUNK, StreamingVad


@dataclass(frozen=True)
class CoverageOptions:
    min_tail_s: float = 1.5
    """An uncovered tail shorter than this is a pause or the window's end padding."""
    min_speech_s: float = 0.6
    """Speech the VAD must hear in the tail before it is decoded again."""
    speech_probability: float = 0.5
    min_gap_s: float = 1.5
    """An inner span (a gap between words, or a word's excess over its spoken length) shorter
    than this is a pause or an alignment slip."""
    min_gap_speech_s: float = 1.0
    """Speech the VAD must hear in an inner span beyond what its word itself takes."""
    s_per_letter: float = 0.12
    """A generous spoken length per letter: dictated Russian runs at 12–16 letters a second."""


def speech_seconds(audio: Samples, options: CoverageOptions | None = None) -> float:
    """Seconds of ``audio`` the VAD takes for speech."""
    o = options or CoverageOptions()
    if audio.size < CHUNK:
        return 0.0
    probs = StreamingVad()(np.ascontiguousarray(audio, dtype=np.float32))
    return float(np.sum(probs >= o.speech_probability)) * CHUNK / SAMPLE_RATE


def uncovered_speech(
    audio: Samples, words: Sequence[Word], options: CoverageOptions | None = None
) -> int | None:
    """The sample where speech the words do not cover begins, or None. ``words`` are timed
    from the start of ``audio``; a window without words is not this module's business (the
    guards decide whether it was silence)."""
    o = options or CoverageOptions()
    if not words:
        return None
    start = round(words[-1].end * SAMPLE_RATE)
    tail = audio[start:]
    if tail.size < o.min_tail_s * SAMPLE_RATE:
        return None
    return start if speech_seconds(tail, o) >= o.min_speech_s else None


def uncovered_inner_speech(
    audio: Samples, words: Sequence[Word], options: CoverageOptions | None = None
) -> float:
    """Seconds of speech up to the last word that no word accounts for: before the first word,
    between words, and inside words stretched far beyond their spoken length, each counted only
    when it is long enough not to be a pause or an alignment slip."""
    o = options or CoverageOptions()
    missing = 0.0
    previous_end = 0.0  # speech before the first word counts too
    for word in words:
        spans = [(previous_end, word.start, 0.0), (word.start, word.end, _spoken_s(word.w, o))]
        for begin, end, expected in spans:
            if end - begin - expected < o.min_gap_s:
                continue
            segment = audio[round(begin * SAMPLE_RATE) : round(end * SAMPLE_RATE)]
            excess = speech_seconds(segment, o) - expected
            if excess >= o.min_gap_speech_s:
                missing += excess
        previous_end = max(previous_end, word.end)
    return missing


def _spoken_s(word: str, o: CoverageOptions) -> float:
    return sum(ch.isalnum() for ch in word) * o.s_per_letter
