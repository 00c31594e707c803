"""What a durable commit costs: the session store's ``append`` with SQLite ``synchronous=FULL``
(the default: every commit syncs the WAL) against ``NORMAL`` (synced at checkpoints only; a
power cut may lose the last commits), and the per-final text work a session does off the
event loop (document text, live fields, consistency warnings) as a dictation grows.

    python -m benchmarks.bench_store_commit [--dir DIR] [--commits 400] [--rounds 3]

``--dir`` should be on the disk the service keeps its data on (default: the data directory's
parent, ``~/.local/share``… is not assumed; a temporary folder under the current directory).
Each commit is one final-sized message, as a session writes it (message + last_seq + offset in
one transaction), through the store's own thread, awaited one at a time as a session does.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from server.store_sqlite import SQLiteStore
from server.text_pipeline import TextPipeline

SENTENCE = (
    "В нижней доле правого лёгкого определяется солидный очаг размером 6 на 4 миллиметра, "
    "с ровными чёткими контурами."
)


def _final(seq: int) -> dict[str, object]:
    words = [
        {"w": w, "start": 0.1 * i, "end": 0.1 * i + 0.1, "p": 0.9}
        for i, w in enumerate(SENTENCE.split())
    ]
    return {
        "type": "final",
        "seq": seq,
        "utterance": seq,
        "text": SENTENCE,
        "raw": SENTENCE.lower(),
        "start_s": 0.0,
        "end_s": 5.0,
        "words": words,
        "corrections": [],
    }


async def _commits(path: Path, synchronous: str, n: int) -> list[float]:
    store = SQLiteStore(path, synchronous=synchronous)
    await store.create("benchsession", None, None, {})
    times = []
    for seq in range(1, n + 1):
        t0 = time.perf_counter()
        await store.append("benchsession", _final(seq), audio_bytes=seq * 160_000)
        times.append(time.perf_counter() - t0)
    await store.close()
    return times


def bench_commits(folder: Path, n: int, rounds: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"NORMAL": [], "FULL": []}
    for r in range(rounds):
        for mode in results:  # interleaved: both see the same disk weather
            results[mode] += asyncio.run(_commits(folder / f"{mode}-{r}.sqlite3", mode, n))
    return results


def bench_text(finals: tuple[int, ...]) -> list[tuple[int, float, float, float]]:
    """(finals so far, document ms, fields ms, warnings ms) for one more final."""
    pipeline = TextPipeline()
    pipeline.warm_up()
    head = "Компьютерная томография органов грудной клетки. Описание."
    pipeline.document([head, SENTENCE], [[], []], specialty=None, template_id="ct_chest")
    rows = []
    for n in finals:
        raws = [head] + [SENTENCE] * (n - 1)
        t0 = time.perf_counter()
        text = pipeline.document(raws, [[]] * n, specialty=None, template_id="ct_chest")
        t1 = time.perf_counter()
        pipeline.fields(text, "ct_chest")
        t2 = time.perf_counter()
        pipeline.warnings(text, "ct_chest")
        t3 = time.perf_counter()
        rows.append((n, 1000 * (t1 - t0), 1000 * (t2 - t1), 1000 * (t3 - t2)))
    return rows


def _ms(values: list[float], q: float) -> float:
    return 1000 * statistics.quantiles(values, n=100)[int(q) - 1] if q < 100 else 1000 * max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--commits", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--finals", default="1,10,40,100")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir or Path.cwd()) as tmp:
        results = bench_commits(Path(tmp), args.commits, args.rounds)
    print("| synchronous | commits | median ms | p95 ms | p99 ms | commits/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode, times in results.items():
        print(
            f"| {mode} | {len(times)} | {1000 * statistics.median(times):.2f} | "
            f"{_ms(times, 95):.2f} | {_ms(times, 99):.2f} | {len(times) / sum(times):.0f} |"
        )
    print()
    print("| finals so far | document text ms | live fields ms | warnings ms |")
    print("|---:|---:|---:|---:|")
    for n, doc, fields, warnings in bench_text(tuple(int(x) for x in args.finals.split(","))):
        print(f"| {n} | {doc:.1f} | {fields:.1f} | {warnings:.1f} |")


if __name__ == "__main__":
    main()
