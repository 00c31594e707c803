"""What every session of the process shares: the scheduler, the store, the metrics, the text
pipeline, and the options and deadlines of its decoding and its I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from asr.decoder import DecodeOptions
from asr.scheduler import InferenceScheduler
from asr.stream_policy import PolicyOptions
from server.metrics import Metrics
from server.store import SessionStore
from server.text_pipeline import TextPipeline


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
    send_timeout_s: float = 10.0
    """A client that takes no message for this long loses its link (the message waits in the
    log for its resume)."""
    drain_timeout_s: float = 300.0
    """At ``end`` (or a link's expiry): the most the remaining finals may take."""
    stop_timeout_s: float = 5.0
    """The most a session's tasks may take to stop once cancelled."""
