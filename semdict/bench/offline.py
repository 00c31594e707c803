"""Offline mode: each file through the engine once, exactly as ``semdict transcribe`` does."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from asr.audio import load_audio
from asr.engine import Engine
from semdict.bench.corpus import Recording
from semdict.bench.results import Recognised


def recognise_files(engine: Engine, recordings: Sequence[Recording]) -> Iterator[Recognised]:
    """Lazily, one recording at a time. No context prompt: on whole 30 s windows it makes
    Whisper repeat the prompt or loop (docs/dictionaries.md); the live path prompts short
    utterance windows instead; dictionaries apply later, in the pipelines."""
    for recording in recordings:
        transcript = engine.transcribe(load_audio(recording.path), word_timestamps=True)
        yield Recognised(
            recording=recording,
            raw=transcript.text,
            words=transcript.word_probabilities(),
            audio_s=transcript.duration_s,
            elapsed_s=transcript.elapsed_s,
        )
