"""What a runner produces for one recording, before scoring."""

from __future__ import annotations

from dataclasses import dataclass, field

from semdict.bench.corpus import Recording


@dataclass
class Recognised:
    recording: Recording
    raw: str
    """The model's text, before any text pipeline."""
    audio_s: float
    elapsed_s: float
    """Offline: model time for the file. Streaming: first audio sent → ``completed``."""
    words: list[tuple[str, float]] = field(default_factory=list)
    """(word, probability) as recognised: the acoustic evidence for corrections."""
    server_text: str | None = None
    """Streaming, full pipeline: the document text the server sent in ``completed``."""
    partial_latencies: list[float] = field(default_factory=list)
    final_latencies: list[float] = field(default_factory=list)
    reconnects: int = 0
