"""Streaming mode: recordings through the real WebSocket server, N streams at a time."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from asr.audio import SAMPLE_RATE, load_audio
from asr.engine import Engine
from semdict.bench.corpus import Recording
from semdict.bench.live_server import serve
from semdict.bench.results import Recognised
from semdict.client import DictationError, StreamResult, stream_audio
from server.app import create_app
from server.settings import Settings

DICTATION_PATH = "/v1/dictation"
GRACE_S = 60.0
"""A stream may take this long beyond its paced audio before it counts as hung."""


class StreamError(RuntimeError):
    """A stream broke or hung: the message names the recording."""


@contextmanager
def local_server(engine: Engine, settings: Settings) -> Iterator[str]:
    """The service on a free loopback port, sharing ``engine``; yields its WebSocket URL.

    Its session store goes to a temporary folder: a benchmark must not fill the user's
    session history with test dictations.
    """
    with tempfile.TemporaryDirectory(prefix="semdict-bench-") as data_dir:
        isolated = settings.model_copy(update={"data_dir": Path(data_dir)})
        with serve(create_app(isolated, engine=engine)) as base:
            yield base.replace("http://", "ws://", 1) + DICTATION_PATH


def _recognised(recording: Recording, result: StreamResult, full: bool) -> Recognised:
    finals = [r.message for r in result.of_type("final")]
    paced = result.speed is not None  # latency has no meaning when audio is sent at once
    completed = result.of_type("completed")
    ended = completed[-1].t if completed else time.perf_counter()
    return Recognised(
        recording=recording,
        raw=" ".join(str(m["raw"]) for m in finals if str(m["raw"]).strip()),
        words=[(str(w["w"]), float(w["p"])) for m in finals for w in m.get("words", ())],
        audio_s=result.audio_s,
        elapsed_s=ended - result.t0,
        server_text=result.text if full else None,
        partial_latencies=result.partial_latencies() if paced else [],
        final_latencies=result.final_latencies() if paced else [],
        reconnects=result.reconnects,
    )


async def recognise_streams(
    url: str,
    recordings: Sequence[Recording],
    *,
    streams: int,
    speed: float | None,
    full: bool,
    specialty: str | None,
    token: str | None = None,
    on_done: Callable[[Recognised], object] | None = None,
) -> list[Recognised]:
    """Keep ``streams`` dictations in flight until every recording has been streamed.

    ``full`` False asks the server for raw text (``options.raw``); the dictionary pipeline is
    then applied here, to the raw finals, exactly as offline.
    """
    queue: asyncio.Queue[tuple[int, Recording]] = asyncio.Queue()
    for item in enumerate(recordings):
        queue.put_nowait(item)
    results: list[Recognised | None] = [None] * len(recordings)

    async def worker() -> None:
        while not queue.empty():
            index, recording = queue.get_nowait()
            samples = await asyncio.to_thread(load_audio, recording.path)
            start: dict[str, Any] = {"options": {"raw": not full}}
            if recording.dictation.template:
                start["template_id"] = recording.dictation.template
            if specialty:
                start["specialty"] = specialty
            audio_s = samples.size / SAMPLE_RATE
            limit_s = audio_s / (speed or 10.0) + GRACE_S
            try:
                result = await stream_audio(
                    url, samples, speed=speed, token=token, start=start, timeout_s=limit_s
                )
            except (TimeoutError, DictationError, OSError) as exc:
                raise StreamError(
                    f"{recording.path.name} ({audio_s:.1f} s of audio): {exc!r}; "
                    f"no 'completed' within {limit_s:.0f} s"
                    if isinstance(exc, TimeoutError)
                    else f"{recording.path.name}: {exc!r}"
                ) from exc
            done = _recognised(recording, result, full)
            results[index] = done
            if on_done:
                on_done(done)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(streams, len(recordings))):
                group.create_task(worker())
    except* StreamError as failed:
        # One message for all broken streams; the others were cancelled with them.
        raise StreamError("; ".join(str(e) for e in failed.exceptions)) from None
    return [r for r in results if r is not None]
