"""Live ``warning`` events on the dictation WebSocket (issue #13): a left/right conflict is
warned once, as soon as the final that creates it is in, persisted, and never repeated —
also across a dropped link and its resume.

The recogniser's finals are scripted (the scheduler returns the dictated sentences in order):
no recording of ours holds a side conflict, and the rest — real socket, session, text
pipeline, structuring and store — runs as in production.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from asr.audio import SAMPLE_RATE, Samples, load_audio
from asr.decoder import DecodeRequest, DecodeResult, compression_ratio
from asr.engine import Engine
from asr.scheduler import InferenceScheduler
from semdict.client import stream_audio
from server.app import create_app
from server.settings import Settings, StreamingSettings
from tests.conftest import DATA
from tests.live_server import serve

pytestmark = pytest.mark.slow

DICTATED = [
    "Компьютерная томография органов грудной клетки. Описание. Справа определяется "
    "образование размером 12 миллиметров.",
    "Заключение. Образование слева.",
    "Рекомендации. Консультация онколога.",
]


def _audio() -> Samples:
    """Three phrases with long pauses: three finals."""
    silence = np.zeros(int(1.2 * SAMPLE_RATE), dtype=np.float32)
    parts = [silence]
    for name in ("f01_elena", "f02_elena", "f03_elena"):
        parts += [load_audio(DATA / f"{name}.flac"), silence]
    return np.concatenate(parts)


def test_a_side_conflict_is_warned_once_live_and_after_a_resume(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = iter(DICTATED)

    async def scripted(self: InferenceScheduler, request: DecodeRequest) -> DecodeResult:
        text = next(script, "")
        return DecodeResult(text, -0.1, 0.01, compression_ratio(text) if text else 0.0)

    monkeypatch.setattr(InferenceScheduler, "final", scripted)
    # Phrases end at their pauses only (no soft maximum): one scripted sentence each.
    settings = Settings(data_dir=tmp_path, streaming=StreamingSettings(soft_max_s=30.0))
    start = {"template_id": "ct_chest", "options": {"partials": False}}
    with serve(create_app(settings, engine=engine)) as base:
        url = base.replace("http://", "ws://") + "/v1/dictation"
        result = asyncio.run(
            stream_audio(url, _audio(), speed=4.0, start=start, drop_at_s=12.0, timeout_s=300)
        )
    assert result.reconnects == 1
    kinds = [r.message["type"] for r in result.messages]
    warnings = [r.message for r in result.of_type("warning")]
    assert len(warnings) == 1, kinds
    warning = warnings[0]
    assert set(warning) == {"type", "seq", "code", "field", "message"}
    assert (warning["code"], warning["field"]) == ("laterality_conflict", "laterality")
    assert "слева" in warning["message"] and "справа" in warning["message"]
    # Sent right after the final that made the conflict, before the next final.
    finals = [r.message for r in result.of_type("final")]
    assert len(finals) == 3, finals
    assert finals[1]["seq"] < warning["seq"] < finals[2]["seq"]
    assert "Образование слева" in result.text
    # Persisted like a field, once.
    db = sqlite3.connect(tmp_path / "sessions.sqlite3")
    stored = db.execute(
        "SELECT body FROM messages WHERE session_id = ? AND type = 'warning'",
        (result.session_id,),
    ).fetchall()
    db.close()
    assert [json.loads(row[0]) for row in stored] == [warning]
