"""Soak: N real-time dictations for a fixed time, plus one client that reads very slowly.

Starts the real service (``semdict serve``) in its own process on a free loopback port, with
the bundled model on CPU and a temporary data folder, then keeps N live dictations going at
real time for ``--duration-s`` seconds: each client streams a dev-corpus recording (read in
place), ends it, and starts the next one with the next recording. Beside them one slow client
streams audio the whole time but reads one server message per ``--slow-pause-s`` through a
small receive buffer, as a client whose link has stalled. Every second the server's RSS
(``/proc/PID/status``) is sampled and ``/healthz`` is asked.

Prints sessions completed, errors by code, WebSocket closes by code, server RSS before, after
and at its peak, final latency p50/p95 of the real-time sessions (``semdict.client``'s
measurement: the end of the utterance in the audio → its ``final``), and what became of the
slow client. Exits 1 when a real-time session did not end in ``completed``, was reconnected,
got an ``error`` or ``busy``, or when ``/healthz`` failed, the server died or logged a
traceback.

    python -m benchmarks.bench_soak [--corpus ../shared/corpus/dev] [--streams 2]
                                    [--duration-s 120] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from asr.audio import SAMPLE_RATE, Samples, load_audio
from benchmarks.resumable import CORPUS_DIR
from semdict.bench.live_server import free_port
from semdict.client import StreamResult, stream_audio, to_pcm16

FRAME_BYTES = SAMPLE_RATE // 10 * 2
"""100 ms of PCM16, as ``semdict.client`` sends it."""
MIN_SESSION_S = 5.0
"""No new dictation starts with less than this left of the soak."""
STARTUP_TIMEOUT_S = 300.0


@dataclass
class Dictation:
    """One real-time session of the soak."""

    client: int
    recording: str
    audio_s: float
    completed: bool = False
    failure: str = ""
    reconnects: int = 0
    error_codes: list[str] = field(default_factory=list)
    closes: list[int | None] = field(default_factory=list)
    final_latencies: list[float] = field(default_factory=list)


@dataclass
class SlowClient:
    """The client that reads one message now and then."""

    audio_s: float = 0.0
    messages_read: int = 0
    completed: bool = False
    dropped_at_s: float | None = None
    """Seconds after its ``start`` when the client found its connection closed."""
    close_code: int | None = None
    close_reason: str = ""
    failure: str = ""
    error_codes: list[str] = field(default_factory=list)
    end_to_completed_s: float | None = None
    max_server_send_queue: int = 0
    """Most bytes the server's kernel held unsent to this client (``/proc/net/tcp``)."""


@dataclass
class Samples1s:
    rss_kb: list[int] = field(default_factory=list)
    health_s: list[float] = field(default_factory=list)
    health_codes: Counter[str] = field(default_factory=Counter)


@dataclass
class Soak:
    streams: int
    duration_s: float
    wall_s: float = 0.0
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    rss_peak_sampled_mb: float = 0.0
    rss_high_water_mb: float = 0.0
    rss_every_10s_mb: list[float] = field(default_factory=list)
    """The sampled RSS, every tenth second: a slow leak shows as a slope."""
    health_checks: dict[str, int] = field(default_factory=dict)
    health_max_s: float = 0.0
    server_exit: int | None = None
    dictations: list[Dictation] = field(default_factory=list)
    slow: SlowClient = field(default_factory=SlowClient)
    problems: list[str] = field(default_factory=list)


# -- the server -------------------------------------------------------------------------------


def proc_status_kb(pid: int, key: str) -> int:
    """A ``kB`` line of ``/proc/PID/status`` (``VmRSS``, ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def send_queue(server_port: int, client_port: int) -> int:
    """Bytes queued unsent on the server's socket of the connection from ``client_port``."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        local, remote = cols[1].split(":")[1], cols[2].split(":")[1]
        if int(local, 16) == server_port and int(remote, 16) == client_port:
            return int(cols[4].split(":")[0], 16)
    return 0


@contextlib.contextmanager
def service(data_dir: Path, port: int, streams: int) -> Iterator[subprocess.Popen[bytes]]:
    """``semdict serve`` on ``port``, healthy; always terminated (then killed) on the way out."""
    env = dict(os.environ)
    env.update(
        {
            "SEMDICT_DATA_DIR": str(data_dir),
            "SEMDICT_MODEL__DEVICE": "cpu",
            "SEMDICT_STREAMING__MAX_SESSIONS": str(streams + 8),
            "SEMDICT_LOG_LEVEL": "WARNING",
        }
    )
    log = (data_dir / "server.log").open("wb")
    command = [sys.executable, "-m", "semdict.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}; see {log.name}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not become healthy in time")
            time.sleep(0.5)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
        log.close()


# -- the clients ------------------------------------------------------------------------------


async def dictations(
    url: str, client: int, paths: list[Path], stop_at: float, drain_s: float
) -> list[Dictation]:
    """Real-time dictations one after another until ``stop_at`` (the last one is clipped)."""
    done: list[Dictation] = []
    for path in itertools.cycle(paths):
        left = stop_at - time.monotonic()
        if left < MIN_SESSION_S:
            break
        audio = (await asyncio.to_thread(load_audio, path))[: int(left * SAMPLE_RATE)]
        one = Dictation(client, path.stem, round(audio.size / SAMPLE_RATE, 1))
        done.append(one)
        try:
            async with asyncio.timeout(one.audio_s + drain_s):
                result = await stream_audio(url, audio, speed=1.0, timeout_s=one.audio_s + drain_s)
        except Exception as exc:  # a failed dictation is a result of the soak
            one.failure = repr(exc)[:300]
            continue
        record(one, result)
    return done


def record(one: Dictation, result: StreamResult) -> None:
    one.completed = bool(result.of_type("completed"))
    one.reconnects = result.reconnects
    one.closes = list(result.closes)
    one.error_codes = [str(r.message.get("code", "busy")) for r in result.of_type("error")]
    one.error_codes += ["busy" for _ in result.of_type("busy")]
    one.final_latencies = [round(x, 3) for x in result.final_latencies()]


def slow_audio(paths: list[Path], seconds: float) -> Samples:
    """Recordings from the end of the list, one after another, cut to ``seconds``."""
    parts: list[Samples] = []
    total = 0
    for path in reversed(paths):
        parts.append(load_audio(path))
        total += parts[-1].size
        if total >= seconds * SAMPLE_RATE:
            break
    return np.concatenate(parts)[: int(seconds * SAMPLE_RATE)]


async def slow_client(
    port: int, audio: Samples, *, pause_s: float, rcvbuf: int, drain_s: float
) -> SlowClient:
    """Streams ``audio`` at real time but reads one message per ``pause_s``, through a
    ``rcvbuf``-byte receive buffer and a one-frame client queue; after ``end`` it reads all."""
    out = SlowClient(audio_s=round(audio.size / SAMPLE_RATE, 1))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: the window
    sock.setblocking(False)
    try:
        async with asyncio.timeout(30):
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
            ws = await connect(
                f"ws://127.0.0.1:{port}/v1/dictation",
                sock=sock,
                max_queue=1,  # the client library stops reading the socket past one message
                max_size=None,
                proxy=None,
                close_timeout=10,
                ping_interval=None,  # its own keepalive would end it first
            )
    except (OSError, TimeoutError) as exc:
        sock.close()
        out.failure = repr(exc)[:300]
        return out
    started = time.perf_counter()
    try:
        async with ws:
            await _read_slowly(
                ws, to_pcm16(audio), out, (port, sock.getsockname()[1]), pause_s, drain_s
            )
    except ConnectionClosed:
        out.dropped_at_s = round(time.perf_counter() - started, 1)
    except Exception as exc:  # the slow client's fate is reported, not raised
        out.failure = repr(exc)[:300]
    out.close_code, out.close_reason = ws.close_code, ws.close_reason or ""
    return out


async def _read_slowly(
    ws: ClientConnection,
    pcm: bytes,
    out: SlowClient,
    ports: tuple[int, int],
    pause_s: float,
    drain_s: float,
) -> None:
    start = {"type": "start", "audio": {"encoding": "pcm_s16le", "sample_rate": SAMPLE_RATE}}
    await ws.send(json.dumps(start))
    async with asyncio.timeout(30):
        ready = json.loads(await ws.recv())
    if ready["type"] != "ready":
        out.failure = f"no ready: {ready}"
        return
    ending = asyncio.Event()

    async def read() -> None:
        end_sent = 0.0
        while True:
            if not ending.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ending.wait(), pause_s)
            if ending.is_set() and not end_sent:
                end_sent = time.perf_counter()
            message = json.loads(await ws.recv())
            out.messages_read += 1
            if message["type"] in ("error", "busy"):
                out.error_codes.append(str(message.get("code", message["type"])))
            if message["type"] == "completed":
                out.completed = True
                out.end_to_completed_s = round(time.perf_counter() - end_sent, 2)
                return

    reader = asyncio.create_task(read())
    t0 = time.perf_counter()
    try:
        for offset in range(0, len(pcm), FRAME_BYTES):
            out.max_server_send_queue = max(out.max_server_send_queue, send_queue(*ports))
            frame_end_s = min(len(pcm), offset + FRAME_BYTES) / 2 / SAMPLE_RATE
            await asyncio.sleep(max(0.0, t0 + frame_end_s - time.perf_counter()))
            if reader.done():  # the connection closed under the reader
                break
            await ws.send(pcm[offset : offset + FRAME_BYTES])
        if not reader.done():
            await ws.send(json.dumps({"type": "end"}))
        ending.set()
        async with asyncio.timeout(drain_s):
            await reader
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
            await reader


async def sample(pid: int, base: str, every_s: float, into: Samples1s, stop: asyncio.Event) -> None:
    """RSS and a ``/healthz`` round trip, every ``every_s`` until ``stop``."""
    async with httpx.AsyncClient(timeout=5) as http:
        while not stop.is_set():
            with contextlib.suppress(OSError, KeyError):
                into.rss_kb.append(proc_status_kb(pid, "VmRSS"))
            started = time.perf_counter()
            try:
                code = str((await http.get(base + "/healthz")).status_code)
            except httpx.HTTPError as exc:
                code = type(exc).__name__
            into.health_s.append(time.perf_counter() - started)
            into.health_codes[code] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)


async def load(args: argparse.Namespace, port: int, pid: int, soak: Soak) -> Samples1s:
    paths = sorted((args.corpus / "audio").glob("*.flac"))
    if not paths:
        raise SystemExit(f"no recordings in {args.corpus / 'audio'} (*.flac)")
    url = f"ws://127.0.0.1:{port}/v1/dictation"
    samples, stop = Samples1s(), asyncio.Event()
    sampler = asyncio.create_task(sample(pid, f"http://127.0.0.1:{port}", 1.0, samples, stop))
    stop_at = time.monotonic() + args.duration_s
    # Client i takes recordings i, i + N, …; the slow client takes them from the end.
    mine = [paths[i :: args.streams] or paths for i in range(args.streams)]
    try:
        slow = await asyncio.to_thread(slow_audio, paths, args.duration_s)
        async with asyncio.TaskGroup() as group:
            runs = [
                group.create_task(dictations(url, i, mine[i], stop_at, args.drain_s))
                for i in range(args.streams)
            ]
            slow_run = (
                group.create_task(
                    slow_client(
                        port,
                        slow,
                        pause_s=args.slow_pause_s,
                        rcvbuf=args.slow_rcvbuf,
                        drain_s=args.drain_s,
                    )
                )
                if args.slow_pause_s > 0
                else None
            )
    finally:
        stop.set()
        await sampler
    soak.dictations = [d for run in runs for d in run.result()]
    if slow_run is not None:
        soak.slow = slow_run.result()
    return samples


# -- the run ----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> Soak:
    soak = Soak(streams=args.streams, duration_s=args.duration_s)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="semdict-soak-") as tmp:
        data_dir = Path(tmp)
        with service(data_dir, port, args.streams) as proc:
            soak.rss_before_mb = proc_status_kb(proc.pid, "VmRSS") / 1024
            started = time.perf_counter()
            samples = asyncio.run(load(args, port, proc.pid, soak))
            soak.wall_s = round(time.perf_counter() - started, 1)
            time.sleep(args.settle_s)  # closed sessions let go of what they held
            soak.rss_after_mb = proc_status_kb(proc.pid, "VmRSS") / 1024
            soak.rss_high_water_mb = proc_status_kb(proc.pid, "VmHWM") / 1024
            soak.server_exit = proc.poll()
        log = (data_dir / "server.log").read_text(errors="replace")
    soak.rss_peak_sampled_mb = max(samples.rss_kb, default=0) / 1024
    soak.rss_every_10s_mb = [round(kb / 1024, 1) for kb in samples.rss_kb[::10]]
    soak.health_checks = dict(samples.health_codes)
    soak.health_max_s = round(max(samples.health_s, default=0.0), 3)
    soak.problems = problems(soak, log)
    return soak


def problems(soak: Soak, server_log: str) -> list[str]:
    """Why the soak failed; empty when it passed."""
    found: list[str] = []
    for d in soak.dictations:
        name = f"client {d.client} {d.recording}"
        if not d.completed:
            found.append(f"{name}: no completed ({d.failure or 'closed'})")
        if d.reconnects:
            found.append(f"{name}: {d.reconnects} reconnect(s)")
        if d.error_codes:
            found.append(f"{name}: errors {', '.join(d.error_codes)}")
    bad_health = {k: n for k, n in soak.health_checks.items() if k != "200"}
    if bad_health:
        found.append(f"/healthz answered {bad_health}")
    if soak.server_exit is not None:
        found.append(f"the server exited with {soak.server_exit} during the soak")
    if "Traceback" in server_log:
        found.append(f"the server logged {server_log.count('Traceback')} traceback(s)")
    if not soak.dictations:
        found.append("no dictation ran")
    return found


def p50_p95(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    if len(values) == 1:
        return values[0], values[0]
    q = statistics.quantiles(values, n=20, method="inclusive")
    return round(statistics.median(values), 2), round(q[18], 2)


def summary(soak: Soak) -> dict[str, Any]:
    finals = [x for d in soak.dictations for x in d.final_latencies]
    p50, p95 = p50_p95(finals)
    errors = Counter(code for d in soak.dictations for code in d.error_codes)
    closes = Counter(str(code) for d in soak.dictations for code in d.closes)
    return {
        "sessions": len(soak.dictations),
        "completed": sum(d.completed for d in soak.dictations),
        "audio_s": round(sum(d.audio_s for d in soak.dictations), 1),
        "finals": len(finals),
        "final_p50_s": p50,
        "final_p95_s": p95,
        "final_max_s": round(max(finals), 2) if finals else float("nan"),
        "errors": dict(errors),
        "closes": dict(closes),
    }


def report(soak: Soak) -> str:
    s, slow = summary(soak), soak.slow
    if slow.completed:
        fate = (
            f"kept: read {slow.messages_read} messages, "
            f"completed {slow.end_to_completed_s} s after end"
        )
    else:
        fate = (
            f"closed after {slow.dropped_at_s} s of audio with {slow.close_code} "
            f"«{slow.close_reason}» ({slow.messages_read} messages read) {slow.failure}"
        )
    lines = [
        f"{soak.streams} real-time streams + 1 slow reader for {soak.duration_s:.0f} s "
        f"(wall {soak.wall_s} s); CPU, bundled model",
        f"sessions: {s['sessions']} started, {s['completed']} completed, {s['audio_s']} s of audio",
        f"errors by code: {s['errors'] or 'none'}; closes by code: {s['closes'] or 'none'}",
        f"final latency p50 / p95 / max: {s['final_p50_s']} / {s['final_p95_s']} / "
        f"{s['final_max_s']} s over {s['finals']} finals",
        f"server RSS before / after / peak sampled / high water: {soak.rss_before_mb:.0f} / "
        f"{soak.rss_after_mb:.0f} / {soak.rss_peak_sampled_mb:.0f} / "
        f"{soak.rss_high_water_mb:.0f} MB",
        f"/healthz every 1 s: {soak.health_checks}, slowest {soak.health_max_s} s",
        f"slow client ({slow.audio_s} s of audio): {fate}; server send queue peak "
        f"{slow.max_server_send_queue} bytes; errors it read: {slow.error_codes or 'none'}",
        "PASS" if not soak.problems else "FAIL: " + "; ".join(soak.problems),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=CORPUS_DIR, help="a folder with audio/*.flac"
    )
    parser.add_argument("--streams", type=int, default=2, help="concurrent real-time dictations")
    parser.add_argument("--duration-s", type=float, default=120.0, help="how long new ones start")
    parser.add_argument(
        "--slow-pause-s",
        type=float,
        default=20.0,
        help="the slow client reads one message per this (0: no slow client)",
    )
    parser.add_argument("--slow-rcvbuf", type=int, default=4096, help="its socket receive buffer")
    parser.add_argument("--drain-s", type=float, default=120.0, help="a dictation's wait after end")
    parser.add_argument("--settle-s", type=float, default=3.0, help="wait before the RSS after")
    parser.add_argument("--json", type=Path, help="write every session's figures here")
    args = parser.parse_args(argv)
    soak = run(args)
    print(report(soak), flush=True)
    if args.json:
        payload = {"summary": summary(soak), **asdict(soak)}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1))
    return 1 if soak.problems else 0


if __name__ == "__main__":
    sys.exit(main())
