"""Does a long upload starve live dictation? Final latency of one real-time dictation, alone
and while long recordings are uploaded to ``/v1/audio/transcriptions`` back to back.

Starts the real server (one model, shared scheduler), streams the same live recordings at
real time twice — alone, then with uploads running the whole time — and prints final and
partial latency p50/p95 of both runs, and how fast the uploads were recognised.

    python -m benchmarks.bench_upload_interference ../shared/corpus/dev [--upload-s 90]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
import time
import wave
from pathlib import Path

import httpx
import numpy as np

from asr.audio import SAMPLE_RATE, Samples, load_audio
from asr.engine import Engine, EngineOptions
from asr.model_store import resolve_model_dir
from semdict.bench.live_server import serve
from semdict.client import StreamResult, stream_audio, to_pcm16
from server.app import create_app
from server.settings import Settings, default_cache_dir

LIVE = ("d25_anna", "d16_anna")
"""The live dictations (≈ 56 s together)."""


def upload_wav(corpus: Path, seconds: float) -> bytes:
    """Recordings of the other voice, one after another with 1 s pauses, up to ``seconds``."""
    parts: list[Samples] = []
    total = 0
    for path in sorted((corpus / "audio").glob("*_aleksandr.flac")):
        audio = load_audio(path)
        parts += [audio, np.zeros(SAMPLE_RATE, dtype=np.float32)]
        total += audio.size + SAMPLE_RATE
        if total >= seconds * SAMPLE_RATE:
            break
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(to_pcm16(np.concatenate(parts)[: int(seconds * SAMPLE_RATE)]))
    return buf.getvalue()


async def live(url: str, recordings: list[Samples]) -> list[StreamResult]:
    return [await stream_audio(url, audio, speed=1.0) for audio in recordings]


async def uploads(base: str, wav: bytes, stop: asyncio.Event) -> list[float]:
    """Upload ``wav`` again and again until ``stop``; the seconds each took."""
    took: list[float] = []
    async with httpx.AsyncClient(timeout=900) as client:
        while not stop.is_set():
            started = time.perf_counter()
            response = await client.post(
                f"{base}/v1/audio/transcriptions", files={"file": ("upload.wav", wav)}
            )
            response.raise_for_status()
            took.append(time.perf_counter() - started)
    return took


async def with_uploads(
    base: str, url: str, recordings: list[Samples], wav: bytes
) -> tuple[list[StreamResult], list[float]]:
    stop = asyncio.Event()
    uploading = asyncio.create_task(uploads(base, wav, stop))
    await asyncio.sleep(2.0)  # the upload is decoding when the dictation starts
    try:
        results = await live(url, recordings)
    finally:
        stop.set()
    return results, await uploading


def p50_p95(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a"
    q = statistics.quantiles(values, n=20, method="inclusive")
    return f"{statistics.median(values):.2f} s / {q[18]:.2f} s (n={len(values)})"


def report(name: str, results: list[StreamResult]) -> None:
    finals = [x for r in results for x in r.final_latencies()]
    partials = [x for r in results for x in r.partial_latencies()]
    print(f"{name:<22} final p50/p95 {p50_p95(finals):<28} partial p50/p95 {p50_p95(partials)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a corpus folder with audio/*.flac")
    parser.add_argument("--upload-s", type=float, default=90.0, help="length of one upload")
    args = parser.parse_args()
    engine = Engine(EngineOptions(model_dir=resolve_model_dir(None, default_cache_dir())))
    recordings = [load_audio(args.corpus / "audio" / f"{name}.flac") for name in LIVE]
    wav = upload_wav(args.corpus, args.upload_s)
    with tempfile.TemporaryDirectory(prefix="semdict-bench-") as data_dir:
        settings = Settings(data_dir=Path(data_dir))
        with serve(create_app(settings, engine=engine)) as base:
            url = base.replace("http://", "ws://") + "/v1/dictation"
            alone = asyncio.run(live(url, recordings))
            loaded, took = asyncio.run(with_uploads(base, url, recordings, wav))
    live_s = sum(r.size for r in recordings) / SAMPLE_RATE
    print(f"live: {', '.join(LIVE)} ({live_s:.0f} s at real time); {engine.workers} worker(s)")
    report("alone", alone)
    report("with uploads", loaded)
    rtf = ", ".join(f"{t / args.upload_s:.2f}" for t in took)
    print(f"uploads of {args.upload_s:.0f} s: {len(took)} done, real-time factor {rtf}")


if __name__ == "__main__":
    main()
