"""Offline mode: each file through the engine once, as ``semdict transcribe`` does."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from asr.audio import load_audio
from asr.engine import Engine
from semdict.bench.corpus import Recording
from semdict.bench.results import Recognised
from vocabularies.prompt import prompt_for


def recognise_files(
    engine: Engine, recordings: Sequence[Recording], *, specialty: str | None
) -> Iterator[Recognised]:
    """Lazily, one recording at a time, with the session prompt a live dictation would get."""
    for recording in recordings:
        prompt = prompt_for(specialty, recording.dictation.template)
        transcript = engine.transcribe(load_audio(recording.path), prompt=prompt)
        yield Recognised(
            recording=recording,
            raw=transcript.text,
            audio_s=transcript.duration_s,
            elapsed_s=transcript.elapsed_s,
        )
