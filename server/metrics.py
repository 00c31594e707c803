"""Prometheus metrics of the dictation service (one registry per app, so tests stay isolated)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.sessions = Gauge(
            "semdict_sessions", "Dictation sessions connected now", registry=self.registry
        )
        self.sessions_total = Counter(
            "semdict_sessions_started", "Dictation sessions started", registry=self.registry
        )
        self.queue_depth = Gauge(
            "semdict_inference_queue_depth", "Decode windows waiting", registry=self.registry
        )
        self.audio_seconds = Counter(
            "semdict_audio_seconds", "Audio received, in seconds", registry=self.registry
        )
        self.batch_size = Histogram(
            "semdict_batch_size",
            "Windows per batched decoder call",
            ["kind"],
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "semdict_batch_seconds",
            "Time of one batched decoder call",
            ["kind"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8),
            registry=self.registry,
        )
        self.final_latency = Histogram(
            "semdict_final_latency_seconds",
            "End of an utterance's audio received → its final sent",
            buckets=(0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10),
            registry=self.registry,
        )
        self.errors = Counter(
            "semdict_protocol_errors", "Error messages sent", ["code"], registry=self.registry
        )
        self.speculative_finals = Counter(
            "semdict_speculative_finals",
            "Finals decoded ahead in their pause, by whether the final could use them",
            ["outcome"],
            registry=self.registry,
        )
        self.busy = Counter(
            "semdict_busy_refusals", "Sessions refused for capacity", registry=self.registry
        )

    def observe_batch(self, kind: str, size: int, seconds: float) -> None:
        self.batch_size.labels(kind).observe(size)
        self.batch_seconds.labels(kind).observe(seconds)
