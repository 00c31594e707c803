"""Model workers on CPU: one worker with every core, or one single-thread worker per core?

Loads the model once per layout in this process and decodes the same 12 s windows as finals
(beam 5, word timestamps) two ways: one at a time (a lone final's latency) and all at once
from as many threads as the layout has workers (throughput). Ratios are against the first
layout.

    python -m benchmarks.bench_workers ../shared/corpus/dev [--layouts 1x2,2x1] [--windows 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asr.audio import SAMPLE_RATE, Samples, load_audio
from asr.decoder import DecodeOptions, DecodeRequest, WindowDecoder
from asr.engine import Engine, EngineOptions
from asr.model_store import resolve_model_dir
from server.settings import default_cache_dir

WINDOW_S = 12
FINAL = DecodeOptions(beam_size=5, word_timestamps=True, max_tokens_per_s=15.0)


def windows(corpus: Path, count: int) -> list[Samples]:
    out: list[Samples] = []
    for path in sorted((corpus / "audio").glob("*.flac")):
        audio = load_audio(path)
        step = WINDOW_S * SAMPLE_RATE
        out += [audio[i : i + step] for i in range(0, audio.size - step, step)]
        if len(out) >= count:
            break
    return out[:count]


def measure(layout: str, audio: list[Samples]) -> dict[str, float]:
    workers, threads = (int(x) for x in layout.split("x"))
    options = EngineOptions(
        model_dir=resolve_model_dir(None, default_cache_dir()),
        device="cpu",
        workers=workers,
        cpu_threads=threads,
    )
    decoder = WindowDecoder(Engine(options))
    requests = [DecodeRequest(a, "", FINAL) for a in audio]
    decoder.decode(requests[:1])  # warm-up
    alone = []
    for request in requests:
        started = time.perf_counter()
        decoder.decode([request])
        alone.append(time.perf_counter() - started)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda r: decoder.decode([r]), requests))
    together = time.perf_counter() - started
    return {
        "alone_median_s": statistics.median(alone),
        "alone_max_s": max(alone),
        "windows_per_s": len(requests) / together,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--layouts", default="1x2,2x1", help="WORKERSxTHREADS, baseline first")
    parser.add_argument("--windows", type=int, default=8)
    args = parser.parse_args(argv)
    audio = windows(args.corpus, args.windows)
    print(f"{len(audio)} windows of {WINDOW_S} s, beam 5 with word timestamps, CPU int8")
    print("| workers × threads | lone final median s | max s | windows/s (all workers busy) |")
    print("|---|---|---|---|")
    base: dict[str, float] | None = None
    for layout in args.layouts.split(","):
        r = measure(layout, audio)
        base = base or r
        print(
            f"| {layout} | {r['alone_median_s']:.2f} "
            f"({r['alone_median_s'] / base['alone_median_s']:.2f}×) | {r['alone_max_s']:.2f} | "
            f"{r['windows_per_s']:.2f} ({r['windows_per_s'] / base['windows_per_s']:.2f}×) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
