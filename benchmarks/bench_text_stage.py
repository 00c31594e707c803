"""Cost of the text stage on one final: a 60-word final through the full pipeline (correction
with its evidence gate, normalisation, commands), warm, against the same pipeline without
correction in the same process (the baseline).

Finals are the dev corpus's model transcripts with their word probabilities, as written by
``semdict bench --mode offline`` or any JSON-lines file of ``{"text", "words": [{"w", "p"}]}``.

    python -m benchmarks.bench_text_stage /tmp/cal/dev_words.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from structuring.postprocess import postprocess, warm_up

WORDS = 60


def _finals(path: Path) -> list[tuple[str, list[tuple[str, float]]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        words = [(str(w["w"]), float(w["p"])) for w in item.get("words", [])][:WORDS]
        text = " ".join(item["text"].split()[:WORDS])
        out.append((text, words))
    return out


def _timings(finals: list[tuple[str, list[tuple[str, float]]]], correct: bool) -> list[float]:
    timings = []
    for text, words in finals:
        started = time.perf_counter()
        postprocess(text, specialty="general", words=words or None, correct=correct)
        timings.append(1000 * (time.perf_counter() - started))
    return timings


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("transcripts", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    finals = _finals(args.transcripts)
    warm_up(["general"])
    full: list[float] = []
    baseline: list[float] = []
    for _ in range(args.rounds):  # interleaved, so that both see the same machine
        baseline += _timings(finals, correct=False)
        full += _timings(finals, correct=True)
    for name, values in (("without correction", baseline), ("full text stage", full)):
        print(
            f"{name:>20}: median {statistics.median(values):.1f} ms, "
            f"p95 {_p95(values):.1f} ms ({len(values)} finals of {WORDS} words)"
        )
    ratio = statistics.median(full) / statistics.median(baseline)
    print(f"the full stage costs {ratio:.1f} × the stage without correction")
    return 0


if __name__ == "__main__":
    sys.exit(main())
