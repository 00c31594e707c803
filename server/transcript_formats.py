"""A recognised recording in OpenAI's transcription response formats (pure functions)."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from server.transcriber import RecognisedSegment, Recognition

ResponseFormat = Literal["json", "text", "srt", "verbose_json", "vtt"]
Granularity = Literal["segment", "word"]

LANGUAGE_NAMES = {"ru": "russian"}
"""``verbose_json`` names the language in English words, as OpenAI's API does."""


def _clock(seconds: float, separator: str) -> str:
    millis = round(max(0.0, seconds) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cues(segments: list[RecognisedSegment]) -> list[RecognisedSegment]:
    return [s for s in segments if s.text.strip()]


def _cue_text(text: str) -> str:
    """A line break dictated in the text stays; an empty line would end the cue."""
    return re.sub(r"\n\s*\n+", "\n", text.strip())


def srt(recognition: Recognition) -> str:
    blocks = [
        f"{n}\n{_clock(s.start, ',')} --> {_clock(s.end, ',')}\n{_cue_text(s.text)}\n"
        for n, s in enumerate(_cues(recognition.segments), start=1)
    ]
    return "\n".join(blocks)


def vtt(recognition: Recognition) -> str:
    blocks = [
        f"{_clock(s.start, '.')} --> {_clock(s.end, '.')}\n{_cue_text(s.text)}\n"
        for s in _cues(recognition.segments)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def verbose_json(
    recognition: Recognition,
    *,
    language: str,
    temperature: float,
    granularities: list[Granularity],
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task": "transcribe",
        "language": LANGUAGE_NAMES.get(language, language),
        "duration": recognition.duration_s,
        "text": recognition.text,
        "usage": {"type": "duration", "seconds": recognition.duration_s},
    }
    if "segment" in granularities:
        body["segments"] = [
            {
                "id": n,
                "seek": round(s.start * 100),  # Whisper's seek: 10 ms mel frames
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "tokens": list(s.tokens),
                "temperature": temperature,
                "avg_logprob": s.avg_logprob,
                "compression_ratio": s.compression_ratio,
                "no_speech_prob": s.no_speech_prob,
            }
            for n, s in enumerate(_cues(recognition.segments))
        ]
    if "word" in granularities:
        body["words"] = [
            {"word": w.w, "start": w.start, "end": w.end}
            for s in recognition.segments
            for w in s.words
        ]
    return body


def stream_event(kind: Literal["delta", "done"], text: str) -> str:
    """One server-sent event of a streamed transcription (OpenAI's ``transcript.text.*``)."""
    key = "delta" if kind == "delta" else "text"
    event = {"type": f"transcript.text.{kind}", key: text}
    return f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
