"""``semdict bench CORPUS``: WER, latency and throughput on a folder of recorded dictations."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from asr.engine import Engine
from asr.model_store import ModelError
from semdict.bench import compare, markdown, plots
from semdict.bench.corpus import Recording, find_recordings, read_dictations
from semdict.bench.machine import describe, peak_rss_mb
from semdict.bench.offline import recognise_files
from semdict.bench.pipelines import PIPELINES, Pipeline
from semdict.bench.report import build_report
from semdict.bench.results import Recognised
from semdict.bench.scoring import score
from semdict.bench.streaming import StreamError, local_server, recognise_streams
from semdict.bench.summary import RunInfo
from semdict.errors import UsageError
from semdict.options import parse_speed
from server.engine_factory import build_engine
from server.settings import Settings

T = TypeVar("T")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "bench",
        help="word error rate and latency on a folder of recorded dictations",
        description="Benchmark recognition on CORPUS: dictations.jsonl (id, spoken, written; "
        "optional template, terms, fields) and audio/{id}_{voice}.flac|wav. Method: "
        "benchmarks/README.md.",
    )
    p.add_argument("corpus", type=Path, metavar="CORPUS")
    p.add_argument("--mode", choices=["offline", "streaming"], default="offline")
    p.add_argument(
        "--pipeline",
        default=",".join(PIPELINES),
        help="comma-separated: raw (model text), dict (+ dictionaries), full (+ normalisation, "
        "commands, structuring); default: all three",
    )
    p.add_argument("--streams", type=int, default=1, help="concurrent streams (streaming)")
    p.add_argument("--speed", default="1.0", help="streaming pace: 1.0 = real time, N, or max")
    p.add_argument(
        "--latency-bound",
        type=float,
        default=3.0,
        metavar="S",
        help="p95 final latency (s) under which the streams count as real-time "
        "(default 3.0, the CPU target)",
    )
    p.add_argument("--url", help="bench a running server (ws://…/v1/dictation) instead")
    p.add_argument("--token", default=os.environ.get("SEMDICT_TOKEN"), help="bearer token (--url)")
    p.add_argument("--limit", type=int, help="only the first N dictations (all their voices)")
    p.add_argument("--voices", help="comma-separated voices to keep (default: all)")
    p.add_argument("--specialty", help="specialty dictionary set (default: from each template)")
    p.add_argument("--model", type=Path, help="a CTranslate2 Whisper folder (default: bundled)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
    p.add_argument("--json", type=Path, metavar="OUT", help="write the full report as JSON")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="also write the tables here")
    p.add_argument("--plots", type=Path, metavar="DIR", help="write PNG plots (needs [bench])")
    p.add_argument("--compare", type=Path, metavar="PREVIOUS", help="print deltas vs a report")
    p.set_defaults(func=run)


def _pipelines(value: str) -> tuple[Pipeline, ...]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in PIPELINES]
    if unknown or not chosen:
        raise UsageError(f"--pipeline takes {', '.join(PIPELINES)} (comma-separated), not {value}")
    return tuple(p for p in PIPELINES if p in chosen)


def _progress(items: Iterable[T], total: int) -> Iterator[T]:
    # tqdm hides itself when stderr is not a terminal (CI logs, tests).
    bar = tqdm(total=total, unit="file", desc="bench", disable=None, file=sys.stderr)
    with bar:
        for item in items:
            yield item
            bar.update()


def _load_engine(args: argparse.Namespace) -> tuple[Engine, float]:
    started = time.perf_counter()
    try:
        engine = build_engine(Settings(), model=args.model, device=args.device)
    except (ModelError, RuntimeError) as exc:
        raise UsageError(str(exc)) from exc
    return engine, time.perf_counter() - started


def _stream(
    args: argparse.Namespace,
    url: str,
    recordings: list[Recording],
    pipelines: tuple[Pipeline, ...],
    speed: float | None,
) -> list[Recognised]:
    bar = tqdm(total=len(recordings), unit="file", desc="bench", disable=None, file=sys.stderr)
    with bar:
        return asyncio.run(
            recognise_streams(
                url,
                recordings,
                streams=args.streams,
                speed=speed,
                full="full" in pipelines,
                specialty=args.specialty,
                token=args.token,
                on_done=lambda _: bar.update(),
            )
        )


def _recognise(
    args: argparse.Namespace,
    recordings: list[Recording],
    pipelines: tuple[Pipeline, ...],
    speed: float | None,
) -> tuple[list[Recognised], Engine | None, float | None]:
    if args.mode == "streaming" and args.url:
        return _stream(args, args.url, recordings, pipelines, speed), None, None
    engine, load_s = _load_engine(args)
    if args.mode == "offline":
        found = recognise_files(engine, recordings)
        return list(_progress(found, len(recordings))), engine, load_s
    with local_server(engine, Settings()) as url:
        return _stream(args, url, recordings, pipelines, speed), engine, load_s


def run(args: argparse.Namespace) -> int:
    pipelines = _pipelines(args.pipeline)
    speed = parse_speed(args.speed)
    if args.streams < 1:
        raise UsageError("--streams must be at least 1")
    if args.url and args.mode != "streaming":
        raise UsageError("--url benches a running server: use it with --mode streaming")
    if args.plots:
        plots.require_matplotlib()
    previous = compare.load_report(args.compare) if args.compare else None
    voices = [v.strip() for v in args.voices.split(",")] if args.voices else None
    recordings = find_recordings(
        args.corpus,
        read_dictations(args.corpus),
        voices=voices,
        limit=args.limit,
        on_skip=lambda s: print(f"semdict bench: skipped {s.name}: {s.reason}", file=sys.stderr),
    )

    started = time.perf_counter()
    try:
        recognised, engine, load_s = _recognise(args, recordings, pipelines, speed)
    except StreamError as exc:
        print(f"semdict bench: stream failed: {exc}", file=sys.stderr)
        return 1
    wall_s = time.perf_counter() - started - (load_s or 0.0)

    files = [score(r, pipelines, args.specialty) for r in recognised]
    info = RunInfo(
        args.mode, speed, args.streams, args.latency_bound, wall_s, load_s, peak_rss_mb()
    )
    options = {
        k: str(v) if isinstance(v, Path) else v
        for k, v in vars(args).items()
        if k not in ("func", "token", "command", "verbose")
    }
    report = build_report(
        corpus=args.corpus,
        recordings=[r.recording for r in recognised],
        files=files,
        pipelines=pipelines,
        info=info,
        machine=describe(engine, args.url),
        options=options,
    )
    tables = markdown.render(report)
    print(tables, end="")
    if args.markdown:
        args.markdown.write_text(tables, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.plots:
        for path in plots.write_plots(report, args.plots):
            print(f"plot: {path}", file=sys.stderr)
    if previous is not None:
        print(f"\n### Compared with {args.compare}\n")
        print(compare.deltas(previous, report), end="")
    return 0
