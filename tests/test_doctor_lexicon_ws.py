"""A doctor's corrections teach their own lexicon through the real dictation WebSocket: an
accepted one is applied in their later finals, a rejected one never made again for them, and
another doctor (or a session without ``user``) is not affected."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from websockets.asyncio.client import connect

from asr.audio import SAMPLE_RATE, load_audio
from asr.engine import Engine
from semdict.client import to_pcm16
from server.app import create_app
from server.settings import Settings
from tests.conftest import DATA
from tests.live_server import serve

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("lexicon-data"))
    with serve(create_app(settings, engine=engine)) as base:
        yield base.replace("http://", "ws://") + "/v1/dictation"


def _pcm() -> bytes:
    pause = np.zeros(SAMPLE_RATE // 2, dtype=np.float32)
    return to_pcm16(np.concatenate([pause, load_audio(DATA / "f02_elena.flac"), pause]))


async def _dictate(url: str, user: str | None, feedback: list[dict[str, Any]]) -> list[Any]:
    """Start (as ``user``), send ``feedback``, dictate f02, end: every message received."""
    start: dict[str, Any] = {"type": "start", "template_id": "us_abdomen"}
    if user:
        start["user"] = user
    received: list[Any] = []
    async with connect(url) as ws:
        await ws.send(json.dumps(start))
        received.append(json.loads(await ws.recv()))
        for message in feedback:
            await ws.send(json.dumps({"type": "feedback", **message}))
        pcm = _pcm()
        for offset in range(0, len(pcm), 16_000):
            await ws.send(pcm[offset : offset + 16_000])
        await ws.send(json.dumps({"type": "end"}))
        async for frame in ws:
            received.append(json.loads(frame))
            if received[-1]["type"] == "completed":
                break
    return received


def _finals(messages: list[Any]) -> str:
    return " ".join(m["text"] for m in messages if m["type"] == "final").lower()


def test_accepted_and_rejected_corrections_teach_only_that_doctor(server: str) -> None:
    fix = "киста размером"
    plain = asyncio.run(_dictate(server, "dr-2", []))
    heard = _finals(plain)
    assert fix not in heard, heard
    raw = next(m["raw"] for m in plain if m["type"] == "final").split()
    phrase = " ".join(w.strip(".,") for w in raw[2:4]).lower()  # two words the doctor fixes
    feedback = {"raw": phrase, "corrected": fix}

    taught = asyncio.run(_dictate(server, "dr-1", [{**feedback, "accepted": True}]))
    assert fix in _finals(taught), (phrase, _finals(taught))
    again = asyncio.run(_dictate(server, "dr-1", []))  # remembered: a new session, same doctor
    assert fix in _finals(again)
    assert _finals(asyncio.run(_dictate(server, "dr-2", []))) == heard  # not another doctor

    asyncio.run(_dictate(server, "dr-1", [{**feedback, "accepted": False}]))
    assert fix not in _finals(asyncio.run(_dictate(server, "dr-1", [])))


def test_feedback_without_a_doctor_is_an_error_not_a_failure(server: str) -> None:
    messages = asyncio.run(
        _dictate(server, None, [{"raw": "очак", "corrected": "очаг", "accepted": True}])
    )
    errors = [m for m in messages if m["type"] == "error"]
    assert [e["code"] for e in errors] == ["no_user"]
    assert messages[-1]["type"] == "completed"
