"""How long the segmenter makes a final wait: utterance end in the audio → the moment it closes.

The model is not involved: this is the latency floor that the streaming policy itself sets,
before any decoding. Audio is fed in 100 ms frames through the real streaming VAD.

    python -m benchmarks.bench_segmenter ../shared/corpus/dev [--lookback 4,1] [--tolerance 0,0.1]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from asr.audio import SAMPLE_RATE, load_audio
from asr.segmenter import Segmenter, SegmenterOptions
from asr.vad import StreamingVad

FRAME = SAMPLE_RATE // 10


def vad_probs(path: Path) -> list[float]:
    audio = load_audio(path)
    vad = StreamingVad()
    probs: list[float] = []
    for i in range(0, audio.size, FRAME):
        probs += vad(audio[i : i + FRAME]).tolist()
    return probs


def waits(probs: list[float], options: SegmenterOptions) -> tuple[list[float], int, int]:
    """Seconds between each utterance's end and its closing; forced and total counts."""
    segmenter = Segmenter(options)
    out: list[float] = []
    forced = total = 0
    for p in probs:
        for closed in segmenter.feed([p]):
            out.append((segmenter.position - closed.end) / SAMPLE_RATE)
            forced += closed.forced
            total += 1
    return out, forced, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--lookback", default="4,2,1,0.5", help="cut_lookback_s values")
    parser.add_argument("--tolerance", default="0", help="cut_tolerance values")
    args = parser.parse_args(argv)
    files = sorted((args.corpus / "audio").glob("*.flac"))
    all_probs = [vad_probs(f) for f in files]
    print(f"{len(files)} recordings")
    print(
        "| cut lookback s | cut tolerance | utterances | forced cuts | wait p50 s | wait p95 s "
        "| wait max s |"
    )
    print("|---|---|---|---|---|---|---|")
    for lookback in (float(x) for x in args.lookback.split(",")):
        for tolerance in (float(x) for x in args.tolerance.split(",")):
            options = replace(SegmenterOptions(), cut_lookback_s=lookback, cut_tolerance=tolerance)
            all_waits: list[float] = []
            forced = total = 0
            for probs in all_probs:
                w, f, t = waits(probs, options)
                all_waits += w
                forced += f
                total += t
            p50, p95 = np.percentile(all_waits, [50, 95])
            print(
                f"| {lookback:g} | {tolerance:g} | {total} | {forced} ({forced / total:.0%}) | "
                f"{p50:.2f} | {p95:.2f} | {max(all_waits):.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
