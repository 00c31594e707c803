"""Faults injected into live dictations, end to end: a server killed with SIGKILL and
restarted, a stale socket after a resume, a bad start, failures inside the session. Each
dictation must end with the text an undisturbed one gets, or with a clean ``error``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from asr.audio import Samples, load_audio
from asr.decoder import DecodeRequest, DecodeResult
from asr.engine import Engine
from asr.scheduler import InferenceScheduler
from semdict.client import StreamResult, stream_audio, to_pcm16
from server.app import create_app
from server.settings import Settings, StreamingSettings
from server.text_pipeline import TextPipeline
from tests.conftest import DATA, ws_url
from tests.live_server import free_port, serve
from tests.server_process import ServerProcess

pytestmark = pytest.mark.slow


def _word_differences(expected: str, got: str) -> tuple[int, int]:
    """(lost, doubled): words of ``expected`` missing from ``got``, and extra words in it."""
    want, have = Counter(expected.lower().split()), Counter(got.lower().split())
    return sum((want - have).values()), sum((have - want).values())


# -- a server killed with SIGKILL mid-dictation --------------------------------------------------


@pytest.mark.parametrize("moment", ["after_finals", "timed"])
def test_server_killed_mid_dictation_resumes_without_lost_or_doubled_words(
    dictation_audio: Samples, tmp_path: Path, moment: str
) -> None:
    """SIGKILL twice and a restart on the same data directory each time — right after the
    1st and 3rd finals (audio after them is not final yet), or 4.5 s into the stream
    (mid-phrase) and then at the restarted server's first partial or final. The client
    resumes from the offset ``ready`` reports, and the document equals the uninterrupted
    run's, word for word."""
    with ServerProcess(tmp_path / "data", free_port()) as server:
        url = ws_url(server.base)
        clean = asyncio.run(stream_audio(url, dictation_audio, speed=None))
        assert len(clean.of_type("final")) >= 3 and clean.text

        finals_seen = 0
        restarts: list[threading.Thread] = []
        resumed_ready: list[dict[str, Any]] = []
        seen_before_kill: list[int] = []
        last_seq = 0

        def kill_and_restart() -> None:
            seen_before_kill.append(last_seq)
            server.kill()
            restart = threading.Thread(target=server.start, name="restart")
            restart.start()
            restarts.append(restart)

        def on_message(message: dict[str, Any]) -> None:
            nonlocal finals_seen, last_seq
            last_seq = max(last_seq, int(message["seq"]))
            if message["type"] == "ready" and message["resumed"]:
                resumed_ready.append(message)
            elif moment == "timed" and server.kills == 1 and message["type"] in work:
                kill_and_restart()  # the restarted server's first new work, mid-utterance
            if message["type"] == "final":
                finals_seen += 1
                if moment == "after_finals" and finals_seen in (1, 3) and server.kills < 2:
                    kill_and_restart()

        work = {"partial", "final"}
        if moment == "timed":
            threading.Timer(4.5, kill_and_restart).start()
        killed = asyncio.run(
            stream_audio(url, dictation_audio, speed=2.0, on_message=on_message, timeout_s=600)
        )
        for restart in restarts:
            restart.join(timeout=180)
        assert server.kills == 2 and killed.reconnects >= 2

        # Each restarted session resumed at the audio its stored finals cover, numbering its
        # messages above everything the client had seen.
        assert len(resumed_ready) >= 2
        total = len(to_pcm16(dictation_audio))
        for ready, seen in zip(resumed_ready, seen_before_kill, strict=False):
            assert 0 <= ready["audio_received_bytes"] < total, ready
            assert ready["seq"] > seen
        if moment == "after_finals":
            assert all(r["audio_received_bytes"] > 0 for r in resumed_ready)
        seqs = [r.message["seq"] for r in killed.messages]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
        utterances = [r.message["utterance"] for r in killed.of_type("final")]
        assert len(utterances) == len(set(utterances)), "a final was delivered twice"

        lost, doubled = _word_differences(clean.text, killed.text)
        offsets = [r["audio_received_bytes"] for r in resumed_ready]
        print(f"kill-and-resume ({moment}): {server.kills} kills, resumed at bytes {offsets},")
        print(f"  lost {lost}, doubled {doubled} words")
        assert (lost, doubled) == (0, 0), (clean.text, killed.text)
        assert killed.text == clean.text
        stored = httpx.get(f"{server.base}/v1/sessions/{killed.session_id}").json()
        assert stored["status"] == "completed" and stored["text"] == clean.text
        assert [f["utterance"] for f in stored["finals"]] == utterances


# -- one in-process server for the other faults ---------------------------------------------------


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"), streaming=StreamingSettings(max_sessions=4)
    )
    app = create_app(settings, engine=engine)
    with serve(app) as base:
        yield base


async def _first_answer(url: str, start: dict[str, Any]) -> dict[str, Any]:
    async with connect(url, proxy=None) as ws:
        await ws.send(json.dumps({"type": "start", **start}))
        answer: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 30))
        return answer


@pytest.mark.parametrize(
    ("start", "named"),
    [({"specialty": "astrology"}, "specialty"), ({"template_id": "ct_nope"}, "template")],
)
def test_unknown_specialty_or_template_is_refused_at_the_door(
    server: str, start: dict[str, Any], named: str
) -> None:
    answer = asyncio.run(_first_answer(ws_url(server), start))
    assert answer["type"] == "error" and answer["code"] == "bad_start", answer
    assert named in answer["message"] and "ct" in answer["message"]  # lists the known ones


def test_a_known_specialty_alias_dictates_to_the_end(server: str) -> None:
    audio = load_audio(DATA / "f02_elena.flac")
    start = {"specialty": "КТ", "template_id": "ct_abdomen"}
    result = asyncio.run(stream_audio(ws_url(server), audio, speed=None, start=start))
    assert "печени" in result.text.lower()


def test_a_stale_socket_neither_detaches_nor_feeds_the_resumed_session(server: str) -> None:
    """The old connection of a resumed session dies later: the new one keeps the session,
    and audio still arriving on the old one is refused (close 4000)."""
    phrase = to_pcm16(load_audio(DATA / "f02_elena.flac"))
    url = ws_url(server)

    async def scenario() -> tuple[int | None, list[dict[str, Any]]]:
        old = await connect(url, proxy=None)
        await old.send(json.dumps({"type": "start", "session_id": "stale-socket-01"}))
        ready = json.loads(await old.recv())
        half = len(phrase) // 2 // 3200 * 3200
        for i in range(0, half, 3200):
            await old.send(phrase[i : i + 3200])
        got: list[dict[str, Any]] = []
        async with connect(url, proxy=None) as new:
            resume = {"session_id": "stale-socket-01", "resume_from_seq": ready["seq"]}
            await new.send(json.dumps({"type": "start", **resume}))
            while not got or got[-1]["type"] != "ready":
                got.append(json.loads(await asyncio.wait_for(new.recv(), 30)))
            offset = got[-1]["audio_received_bytes"]
            assert offset <= half  # frames still in flight on the old link are not in
            with contextlib.suppress(ConnectionClosed):  # closed already if frames were late
                await old.send(phrase[:3200])  # the stale link speaks: refused
                await asyncio.wait_for(old.recv(), 10)
            code = old.close_code
            old.transport.abort()  # …and dies without a goodbye, after the resume
            await asyncio.sleep(0.5)
            for i in range(offset, len(phrase), 3200):
                await new.send(phrase[i : i + 3200])
            await new.send(json.dumps({"type": "end"}))
            async for raw in new:
                got.append(json.loads(raw))
        return code, got

    code, got = asyncio.run(scenario())
    assert code == 4000
    assert got[-1]["type"] == "completed", got
    assert "печени" in got[-1]["text"].lower()


def test_failures_inside_a_session_become_errors_and_it_completes(
    server: str, dictation_audio: Samples, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text pipeline fails on the first final, live fields on every one, decoding fails
    twice: each becomes an ``error`` event, the words are kept as heard, ``end`` completes."""
    real_final = TextPipeline.final
    calls = {"final": 0, "decode": 0}

    def failing_final(self: TextPipeline, *args: Any, **kwargs: Any) -> Any:
        calls["final"] += 1
        if calls["final"] == 1:
            raise RuntimeError("injected: text pipeline")
        return real_final(self, *args, **kwargs)

    def failing_fields(self: TextPipeline, text: str, template_id: str | None) -> Any:
        raise RuntimeError("injected: live fields")

    real_decode = InferenceScheduler.final

    async def failing_decode(self: InferenceScheduler, request: DecodeRequest) -> DecodeResult:
        calls["decode"] += 1
        if calls["decode"] in (3, 4):  # the third utterance: its try and its retry
            raise RuntimeError("injected: decoder")
        return await real_decode(self, request)

    monkeypatch.setattr(TextPipeline, "final", failing_final)
    monkeypatch.setattr(TextPipeline, "fields", failing_fields)
    monkeypatch.setattr(InferenceScheduler, "final", failing_decode)
    result: StreamResult = asyncio.run(
        stream_audio(ws_url(server), dictation_audio, speed=None, timeout_s=300)
    )
    errors = [r.message["code"] for r in result.of_type("error")]
    assert "text_failed" in errors and "live_failed" in errors and "decode_failed" in errors
    finals = [r.message for r in result.of_type("final")]
    assert finals and finals[0]["text"] == finals[0]["raw"]  # kept as heard
    assert result.of_type("completed") and result.text
