"""How long the segmenter makes a final wait: utterance end in the audio → the moment it closes.

The model is not involved: this is the latency floor that the streaming policy itself sets,
before any decoding. Audio is fed in 100 ms frames through the real streaming VAD.

    python -m benchmarks.bench_segmenter ../shared/corpus/dev [--lookback 4,1] [--tolerance 0,0.1]
        [--soft-max 8,5]

Besides the wait it reports how long the utterances are: a final decodes its whole utterance,
so on a CPU its decoding time grows with that length.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, replace
from itertools import product
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


@dataclass
class Closes:
    waits: list[float] = field(default_factory=list)
    """Seconds between each utterance's end and its closing."""
    lengths: list[float] = field(default_factory=list)
    """Seconds of each utterance."""
    forced: int = 0

    def __iadd__(self, other: Closes) -> Closes:
        self.waits += other.waits
        self.lengths += other.lengths
        self.forced += other.forced
        return self


def waits(probs: list[float], options: SegmenterOptions) -> Closes:
    """How each utterance of one recording closes."""
    segmenter = Segmenter(options)
    out = Closes()
    for p in probs:
        for closed in segmenter.feed([p]):
            out.waits.append((segmenter.position - closed.end) / SAMPLE_RATE)
            out.lengths.append((closed.end - closed.start) / SAMPLE_RATE)
            out.forced += closed.forced
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--lookback", default="4,2,1,0.5", help="cut_lookback_s values")
    parser.add_argument("--tolerance", default="0", help="cut_tolerance values")
    parser.add_argument("--soft-max", default="8,5,4", help="soft_max_s values")
    args = parser.parse_args(argv)
    files = sorted((args.corpus / "audio").glob("*.flac"))
    all_probs = [vad_probs(f) for f in files]
    print(f"{len(files)} recordings")
    print(
        "| soft max s | cut lookback s | cut tolerance | utterances | forced cuts | wait p50 s "
        "| wait p95 s | wait max s | length p50 s | length p95 s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for soft_max, lookback, tolerance in product(
        _floats(args.soft_max), _floats(args.lookback), _floats(args.tolerance)
    ):
        options = replace(
            SegmenterOptions(),
            soft_max_s=soft_max,
            cut_lookback_s=lookback,
            cut_tolerance=tolerance,
        )
        total = Closes()
        for probs in all_probs:
            total += waits(probs, options)
        n = len(total.waits)
        p50, p95 = np.percentile(total.waits, [50, 95])
        l50, l95 = np.percentile(total.lengths, [50, 95])
        print(
            f"| {soft_max:g} | {lookback:g} | {tolerance:g} | {n} | "
            f"{total.forced} ({total.forced / n:.0%}) | {p50:.2f} | {p95:.2f} | "
            f"{max(total.waits):.2f} | {l50:.1f} | {l95:.1f} |"
        )
    return 0


def _floats(values: str) -> list[float]:
    return [float(x) for x in values.split(",")]


if __name__ == "__main__":
    sys.exit(main())
