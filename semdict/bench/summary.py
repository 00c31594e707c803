"""Corpus-level figures from per-recording scores: rates with CIs, voices, fields, speed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from semdict.bench.bootstrap import ratio_ci
from semdict.bench.scoring import Counts, FileScore, PipelineScore

RATES: dict[str, Callable[[PipelineScore], Counts]] = {
    "wer": lambda p: p.wer,
    "cer": lambda p: p.cer,
    "wer_spoken": lambda p: p.wer_spoken,
    "term_accuracy": lambda p: p.terms,
}
"""Metric name → its counts in a pipeline score; every one is a ratio of sums."""


def _rate(counts: Sequence[Counts]) -> float:
    total = sum(c.total for c in counts)
    return sum(c.errors for c in counts) / total if total else 0.0


def _by_dictation(files: Sequence[FileScore], pipeline: str, metric: str) -> list[tuple[int, int]]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for f in files:
        c = RATES[metric](f.pipelines[pipeline])
        sums[f.id][0] += c.errors
        sums[f.id][1] += c.total
    return [(e, t) for e, t in sums.values()]


def pipeline_summary(files: Sequence[FileScore], pipeline: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for metric, get in RATES.items():
        out[metric] = _rate([get(f.pipelines[pipeline]) for f in files])
        out[f"{metric}_ci95"] = list(ratio_ci(_by_dictation(files, pipeline, metric)))
    voices: dict[str, dict[str, float]] = {}
    for voice in sorted({f.voice for f in files}):
        mine = [f for f in files if f.voice == voice]
        voices[voice] = {
            m: _rate([g(f.pipelines[pipeline]) for f in mine]) for m, g in RATES.items()
        }
        voices[voice]["recordings"] = len(mine)
    out["voices"] = voices
    wers = [v["wer"] for v in voices.values()]
    # Speaker independence: how far apart the best and worst voice are, in WER points.
    out["voice_spread_wer"] = max(wers) - min(wers) if len(wers) > 1 else 0.0
    scored = [s for f in files if (s := f.pipelines[pipeline].fields)]
    if scored:
        names = sorted({n for s in scored for n in s})
        fields = {n: float(np.mean([s[n] for s in scored if n in s])) for n in names}
        out["fields"] = fields
        out["field_accuracy"] = float(np.mean(list(fields.values())))
    return out


def _percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    p50, p95 = np.percentile(np.asarray(values), [50, 95])
    return {"p50": float(p50), "p95": float(p95), "n": len(values)}


@dataclass(frozen=True)
class RunInfo:
    mode: str
    speed: float | None
    streams: int
    latency_bound_s: float
    wall_s: float
    model_load_s: float | None
    peak_rss_mb: float


def performance_summary(files: Sequence[FileScore], info: RunInfo) -> dict[str, Any]:
    audio = sum(f.audio_s for f in files)
    out: dict[str, Any] = {
        "audio_s": audio,
        "wall_s": info.wall_s,
        "model_load_s": info.model_load_s,
        "peak_rss_mb": info.peak_rss_mb,
        "per_file_s": _percentiles([f.elapsed_s for f in files]),
    }
    if info.mode == "offline":
        # Model time over audio time: below 1 is faster than real time.
        out["rtf"] = sum(f.elapsed_s for f in files) / audio if audio else None
        return out
    final = _percentiles([x for f in files for x in f.final_latencies])
    out.update(
        streams=info.streams,
        speed=info.speed,
        partial_latency_s=_percentiles([x for f in files for x in f.partial_latencies]),
        final_latency_s=final,
        # Audio processed per second of wall time, all streams together.
        throughput_x=audio / info.wall_s if info.wall_s else None,
        reconnects=sum(f.reconnects for f in files),
        latency_bound_s=info.latency_bound_s,
    )
    p95 = final["p95"]
    # Streams count as real-time only when paced at real time and p95 final latency holds.
    out["realtime_streams_ok"] = (
        info.speed == 1.0 and isinstance(p95, float) and p95 <= info.latency_bound_s
    )
    return out
