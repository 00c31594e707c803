"""Speech a window's words do not cover: the decoder stopped while the voice went on.

Whisper sometimes ends a window's text after its first sentence although the audio goes on
(an early end-of-text). The word timestamps show it: the last word ends seconds before the
window does, and the voice-activity detector hears speech in that tail. Such a tail is decoded
again on its own (asr.decoder), so a final never silently loses a sentence.
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
    probs = StreamingVad()(np.ascontiguousarray(tail, dtype=np.float32))
    speech_s = float(np.sum(probs >= o.speech_probability)) * CHUNK / SAMPLE_RATE
    return start if speech_s >= o.min_speech_s else None
