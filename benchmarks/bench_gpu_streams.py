"""GPU capacity: final latency against the number of concurrent real-time dictations.

Two steps, each a sub-command (method and results: benchmarks/README.md); the model is
usually the random-weight large-v3-turbo of ``python -m benchmarks.random_turbo``.

``kernels --model DIR``
    Encoder and decoder time per batch size for one window size: where the time goes.
``streams --model DIR --audio DIR --levels 8,16,...``
    Starts the real server (``semdict serve``) in its own process, then for each level opens
    N WebSocket clients that stream recordings at real time with staggered starts, and
    reports partial and final latency (end of the utterance in the audio → its message) per
    level, and the largest N whose p95 final latency stays within ``--bound``.

Text from random weights is noise: ``--random-weights`` turns the hallucination guards off
(they would drop it) and asks for raw text. With a real model, leave it out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ctranslate2
import numpy as np

from asr.audio import SAMPLE_RATE, Samples, load_audio
from semdict.bench.live_server import free_port
from semdict.client import StreamResult, stream_audio

# -- kernels --------------------------------------------------------------------------------


def kernels(
    model_dir: Path, window_s: float, batches: list[int], tokens: int, compute_type: str
) -> list[dict[str, Any]]:
    model = ctranslate2.models.Whisper(str(model_dir), device="cuda", compute_type=compute_type)
    frames = int(window_s * 100)
    prompt = [50258, 50263, 50359, 50363]  # sot, ru, transcribe, notimestamps
    rows = []
    for batch in batches:
        mel = np.random.default_rng(0).standard_normal((batch, model.n_mels, frames))
        features = ctranslate2.StorageView.from_array(mel.astype(np.float32))
        for beam in (1, 5):
            timings: dict[str, list[float]] = {"encode": [], "generate": []}
            for _ in range(4):  # the first round warms up
                t0 = time.perf_counter()
                encoded = model.encode(features, to_cpu=False)
                t1 = time.perf_counter()
                model.generate(
                    encoded,
                    [prompt] * batch,
                    beam_size=beam,
                    max_length=len(prompt) + tokens,
                    suppress_blank=False,
                )
                t2 = time.perf_counter()
                timings["encode"].append(t1 - t0)
                timings["generate"].append(t2 - t1)
            row = {
                "compute_type": compute_type,
                "batch": batch,
                "beam": beam,
                "window_s": window_s,
                "tokens": tokens,
                "encode_ms": round(statistics.median(timings["encode"][1:]) * 1000, 1),
                "generate_ms": round(statistics.median(timings["generate"][1:]) * 1000, 1),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


# -- streams --------------------------------------------------------------------------------


@dataclass
class Level:
    streams: int
    finals: int = 0
    partials: int = 0
    final_p50_s: float = 0.0
    final_p95_s: float = 0.0
    final_max_s: float = 0.0
    partial_p50_s: float = 0.0
    partial_p95_s: float = 0.0
    failed_streams: int = 0
    wall_s: float = 0.0
    inference_busy: float = 0.0
    """Share of the level's wall time the inference thread spent in batched decoder calls."""
    mean_batch: float = 0.0
    server_cpu_cores: float = 0.0
    """CPU time of the server process per second of wall time."""
    errors: list[str] = field(default_factory=list)


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if values else float("nan")


async def _one_level(
    url: str,
    clips: list[Samples],
    streams: int,
    stagger_s: float,
    raw: bool,
    seed: int,
) -> Level:
    rng = random.Random(seed + streams)
    results: list[StreamResult | BaseException] = []

    async def client(i: int) -> None:
        await asyncio.sleep(rng.uniform(0.0, stagger_s))
        clip = clips[i % len(clips)]
        try:
            results.append(
                await stream_audio(
                    url,
                    clip,
                    speed=1.0,
                    start={"options": {"raw": raw}},
                    timeout_s=clip.size / SAMPLE_RATE + 120,
                )
            )
        except Exception as exc:  # a failed stream is a result of the level, not a crash
            results.append(exc)

    await asyncio.gather(*(client(i) for i in range(streams)))
    finals: list[float] = []
    partials: list[float] = []
    level = Level(streams=streams)
    for r in results:
        if isinstance(r, BaseException):
            level.failed_streams += 1
            level.errors.append(repr(r)[:200])
            continue
        finals += r.final_latencies()
        partials += r.partial_latencies()
        busy = r.of_type("busy") + r.of_type("error")
        level.errors += [json.dumps(b.message, ensure_ascii=False)[:200] for b in busy]
    level.finals, level.partials = len(finals), len(partials)
    level.final_p50_s, level.final_p95_s = _pct(finals, 50), _pct(finals, 95)
    level.final_max_s = round(max(finals), 3) if finals else float("nan")
    level.partial_p50_s, level.partial_p95_s = _pct(partials, 50), _pct(partials, 95)
    level.errors = level.errors[:5]
    return level


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("the server did not become healthy")


def _server_env(args: argparse.Namespace, data_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    top = max(args.levels)
    env.update(
        {
            "SEMDICT_MODEL__PATH": str(args.model),
            "SEMDICT_MODEL__DEVICE": args.device,
            "SEMDICT_DATA_DIR": data_dir,
            "SEMDICT_STREAMING__MAX_SESSIONS": str(top + 8),
            "SEMDICT_STREAMING__MAX_QUEUE": str(4 * top + 64),
            "SEMDICT_STREAMING__MAX_BATCH": str(args.max_batch),
            "SEMDICT_STREAMING__PARTIAL_INTERVAL_S": str(args.partial_interval_s),
            "SEMDICT_MODEL__COMPUTE_TYPE": args.compute_type,
            "SEMDICT_LOG_LEVEL": "WARNING",
        }
    )
    if args.blas_threads:
        env["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    if args.tokens_per_s:
        env["SEMDICT_STREAMING__MAX_TOKENS_PER_S"] = str(args.tokens_per_s)
    if args.random_weights:
        env["SEMDICT_STREAMING__GUARDS"] = "false"
    return env


def _metric(base: str, name: str) -> float:
    with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith(name + " ") or line.startswith(name + "{")
    )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _counters(base: str, pid: int) -> dict[str, float]:
    return {
        "batches": _metric(base, "semdict_batch_size_count"),
        "items": _metric(base, "semdict_batch_size_sum"),
        "busy_s": _metric(base, "semdict_batch_seconds_sum"),
        "cpu_s": _cpu_seconds(pid),
    }


def _add_load(level: Level, before: dict[str, float], after: dict[str, float], wall: float) -> None:
    delta = {k: after[k] - before[k] for k in before}
    level.wall_s = round(wall, 1)
    level.inference_busy = round(delta["busy_s"] / wall, 2)
    level.mean_batch = round(delta["items"] / delta["batches"], 1) if delta["batches"] else 0.0
    level.server_cpu_cores = round(delta["cpu_s"] / wall, 2)


def streams(args: argparse.Namespace) -> dict[str, Any]:
    files = sorted(p for p in args.audio.iterdir() if p.suffix in {".flac", ".wav"})
    clips = [load_audio(p)[: int(args.clip_s * SAMPLE_RATE)] for p in files]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"ws://127.0.0.1:{port}/v1/dictation"
    levels: list[Level] = []
    with tempfile.TemporaryDirectory(prefix="semdict-gpu-") as data_dir:
        proc = subprocess.Popen(
            [sys.executable, "-m", "semdict.cli", "serve", "--port", str(port)],
            env=_server_env(args, data_dir),
        )
        try:
            _wait_healthy(base, proc)
            for n in args.levels:
                before = _counters(base, proc.pid)
                started = time.perf_counter()
                level = asyncio.run(
                    _one_level(url, clips, n, args.stagger_s, args.random_weights, args.seed)
                )
                _add_load(level, before, _counters(base, proc.pid), time.perf_counter() - started)
                print(json.dumps(asdict(level), ensure_ascii=False), flush=True)
                levels.append(level)
                if level.final_p95_s > 4 * args.bound or level.failed_streams:
                    break  # far past the bound: higher levels only take time
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
    within = [lv.streams for lv in levels if lv.final_p95_s <= args.bound and not lv.failed_streams]
    return {
        "model": args.model.name,
        "random_weights": args.random_weights,
        "tokens_per_s": args.tokens_per_s,
        "clip_s": args.clip_s,
        "clips": len(clips),
        "stagger_s": args.stagger_s,
        "bound_s": args.bound,
        "max_streams_within_bound": max(within, default=0),
        "levels": [asdict(lv) for lv in levels],
    }


# -- command line ---------------------------------------------------------------------------


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    kn = sub.add_parser("kernels")
    kn.add_argument("--model", type=Path, required=True)
    kn.add_argument("--window-s", type=float, default=12.0)
    kn.add_argument("--batches", type=_ints, default=[1, 8, 32, 64])
    kn.add_argument("--tokens", type=int, default=60)
    kn.add_argument("--compute-type", default="float16")
    st = sub.add_parser("streams")
    st.add_argument("--model", type=Path, required=True)
    st.add_argument("--audio", type=Path, required=True, help="a folder of .flac/.wav dictations")
    st.add_argument("--levels", type=_ints, default=[8, 16, 32, 64, 96, 128])
    st.add_argument("--bound", type=float, default=1.0, help="p95 final latency bound (s)")
    st.add_argument("--clip-s", type=float, default=30.0, help="seconds of each recording used")
    st.add_argument("--stagger-s", type=float, default=6.0, help="clients start within this")
    st.add_argument("--tokens-per-s", type=float, default=0.0)
    st.add_argument("--max-batch", type=int, default=32)
    st.add_argument("--device", default="cuda")
    st.add_argument("--compute-type", default="auto")
    st.add_argument("--partial-interval-s", type=float, default=1.0)
    st.add_argument("--blas-threads", type=int, default=0, help="0: the server's own choice")
    st.add_argument("--random-weights", action="store_true")
    st.add_argument("--seed", type=int, default=0)
    for p in (kn, st):
        p.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    result: Any = (
        kernels(args.model, args.window_s, args.batches, args.tokens, args.compute_type)
        if args.step == "kernels"
        else streams(args)
    )
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
