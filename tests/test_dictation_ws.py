"""The dictation WebSocket end to end: real uvicorn, real sockets, real model, real audio."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from pydantic import SecretStr
from websockets.asyncio.client import connect

from asr.audio import SAMPLE_RATE, Samples, load_audio
from asr.engine import Engine
from semdict.client import DictationError, StreamResult, stream_audio, to_pcm16
from server.app import create_app
from server.settings import Settings, StreamingSettings
from tests.conftest import DATA, DEV_CORPUS, REPO, ws_url
from tests.live_server import serve

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        streaming=StreamingSettings(max_sessions=4, max_frame_bytes=32_000),
    )
    with serve(create_app(settings, engine=engine)) as base:
        yield base


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def _assert_ordered(result: StreamResult) -> None:
    seqs = [r.message["seq"] for r in result.messages]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)), seqs


def test_partials_then_finals(server: str, dictation_audio: Samples) -> None:
    result = run(stream_audio(ws_url(server), dictation_audio, speed=1.5))
    _assert_ordered(result)
    kinds = [r.message["type"] for r in result.messages]
    assert kinds[0] == "ready" and kinds[-1] == "completed"
    assert "partial" in kinds, "a 5 s phrase streamed live must produce partials"
    first_partial = kinds.index("partial")
    assert first_partial < kinds.index("final")
    finals = [r.message for r in result.of_type("final")]
    assert len(finals) >= 3
    assert [f["utterance"] for f in finals] == sorted(f["utterance"] for f in finals)
    for f in finals:
        assert {"utterance", "text", "raw", "start_s", "end_s", "words", "corrections"} <= set(f)
        assert 0 <= f["start_s"] < f["end_s"] <= result.audio_s + 0.1
        for w in f["words"]:
            assert f["start_s"] - 0.5 <= w["start"] <= w["end"] <= f["end_s"] + 2.5
    text = result.text.lower()
    # The base model hears these words in f01/f03 whatever the rounding of the features (its
    # reading of f02's size flips with numpy's thread count); ITN writes «4 миллиметра» as «4 мм».
    assert "грудной клетки" in text
    assert "4 мм" in result.text and "миллиметр" not in text
    # Voice commands never stay in the document.
    assert "двоеточие" not in text and "новая строка" not in text


def test_silence_yields_no_text(server: str) -> None:
    rng = np.random.default_rng(0)
    hiss = (rng.standard_normal(6 * SAMPLE_RATE) * 0.002).astype(np.float32)
    result = run(stream_audio(ws_url(server), hiss, speed=None))
    assert result.of_type("final") == []
    assert result.text == ""


def test_resume_after_dropped_link_loses_and_duplicates_nothing(
    server: str, dictation_audio: Samples
) -> None:
    clean = run(stream_audio(ws_url(server), dictation_audio, speed=None))
    dropped = run(stream_audio(ws_url(server), dictation_audio, speed=4.0, drop_at_s=7.0))
    assert dropped.reconnects == 1
    _assert_ordered(dropped)
    utterances = [r.message["utterance"] for r in dropped.of_type("final")]
    assert len(utterances) == len(set(utterances)), "a final was delivered twice"
    assert dropped.text == clean.text
    # The service's own record agrees with what the client saw.
    session = httpx.get(f"{server}/v1/sessions/{dropped.session_id}").json()
    assert session["status"] == "completed"
    assert session["text"] == dropped.text
    assert [f["utterance"] for f in session["finals"]] == utterances


async def _exchange(url: str, frames: list[str | bytes], wait_for: int = 1) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    async with connect(url, proxy=None) as ws:
        for frame in frames:
            await ws.send(frame)
        try:
            while len(got) < wait_for:
                got.append(json.loads(await asyncio.wait_for(ws.recv(), 30)))
        except Exception:  # closed by the server after its answer
            pass
    return got


def test_malformed_start_and_wrong_rate(server: str) -> None:
    url = ws_url(server)
    bad_json = run(_exchange(url, ["{not json"]))
    assert bad_json[0]["type"] == "error" and bad_json[0]["code"] == "bad_json"
    assert bad_json[0]["seq"] == 1
    rate = run(_exchange(url, [json.dumps({"type": "start", "audio": {"sample_rate": 96000}})]))
    assert rate[0]["code"] == "unsupported_sample_rate"
    assert "8000" in rate[0]["message"]
    audio_first = run(_exchange(url, [b"\x00\x00" * 100]))
    assert audio_first[0]["code"] == "expected_start"
    unknown = run(_exchange(url, [json.dumps({"type": "start", "template": "ct"})]))
    assert unknown[0]["code"] == "bad_start" and "template" in unknown[0]["message"]


def test_bad_frames_get_errors_and_lose_nothing(server: str) -> None:
    """Oversized and garbage frames are refused; the dictation around them survives, and a
    concurrent session is not disturbed."""
    phrase = to_pcm16(load_audio(DATA / "f02_elena.flac"))

    async def hostile() -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        async with connect(ws_url(server), proxy=None, max_size=None) as ws:
            await ws.send(json.dumps({"type": "start"}))
            got.append(json.loads(await ws.recv()))
            await ws.send(b"\x00" * 40_000)  # over the 32 000 byte limit of this server
            await ws.send("garbage")
            await ws.send(json.dumps({"type": "dance"}))
            await ws.send(b"\x01\x02\x03")  # odd length: not PCM16
            for i in range(0, len(phrase), 3200):
                await ws.send(phrase[i : i + 3200])
            await ws.send(json.dumps({"type": "end"}))
            async for raw in ws:
                got.append(json.loads(raw))
        return got

    async def both() -> tuple[list[dict[str, Any]], StreamResult]:
        other = load_audio(DATA / "r01_human.flac")
        got, result = await asyncio.gather(
            hostile(), stream_audio(ws_url(server), other, speed=None)
        )
        return got, result

    got, other = run(both())
    errors = [m["code"] for m in got if m["type"] == "error"]
    assert errors == ["frame_too_large", "bad_json", "bad_message", "bad_audio"]
    assert "32000" in next(m["message"] for m in got if m.get("code") == "frame_too_large")
    completed = got[-1]
    assert completed["type"] == "completed"
    assert "печени" in completed["text"].lower()
    assert "сети" in other.text.lower()


def test_two_concurrent_sessions_get_their_own_text(server: str) -> None:
    a = load_audio(DATA / "f02_elena.flac")
    b = load_audio(DATA / "r02_human.flac")

    async def both() -> list[StreamResult]:
        return list(
            await asyncio.gather(
                stream_audio(ws_url(server), a, speed=2.0),
                stream_audio(ws_url(server), b, speed=2.0),
            )
        )

    ra, rb = run(both())
    assert ra.session_id != rb.session_id
    assert "печени" in ra.text.lower() and "различать" not in ra.text.lower()
    assert "различать" in rb.text.lower() and "печени" not in rb.text.lower()


def test_session_transcript_and_metrics(server: str) -> None:
    result = run(stream_audio(ws_url(server), load_audio(DATA / "f01_elena.flac"), speed=None))
    body = httpx.get(f"{server}/v1/sessions/{result.session_id}").json()
    assert body["text"] == result.text and body["status"] == "completed"
    assert httpx.get(f"{server}/v1/sessions/nope-nope-nope").status_code == 404
    metrics = httpx.get(f"{server}/metrics").text
    assert "semdict_final_latency_seconds_count" in metrics
    assert "semdict_batch_size_bucket" in metrics
    assert "semdict_audio_seconds_total" in metrics


def test_auth_and_capacity(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        server={"tokens": [SecretStr("s3cret-token")]},  # type: ignore[arg-type]
        streaming=StreamingSettings(max_sessions=1),
    )
    audio = load_audio(DATA / "f02_elena.flac")
    with serve(create_app(settings, engine=engine)) as base:
        assert httpx.get(f"{base}/healthz").status_code == 200  # open to liveness probes
        assert httpx.get(f"{base}/v1/profiles").status_code == 401
        auth = {"Authorization": "Bearer s3cret-token"}
        assert httpx.get(f"{base}/v1/profiles", headers=auth).status_code == 200
        with pytest.raises(Exception):  # noqa: B017 - refused at the handshake
            run(stream_audio(ws_url(base), audio, speed=None))
        ok = run(stream_audio(ws_url(base) + "?token=s3cret-token", audio, speed=None))
        assert "печени" in ok.text.lower()

        async def two() -> list[Any]:
            return list(
                await asyncio.gather(
                    stream_audio(ws_url(base), audio, speed=1.0, token="s3cret-token"),
                    stream_audio(ws_url(base), audio, speed=1.0, token="s3cret-token"),
                    return_exceptions=True,
                )
            )

        results = run(two())
        busy = [r for r in results if isinstance(r, DictationError)]
        assert len(busy) == 1 and "busy" in str(busy[0])
        assert any(isinstance(r, StreamResult) for r in results)


def test_session_document_for_mis(server: str) -> None:
    """A dictation session ends as a valid СЭМД the МИС fetches, with live field events."""
    context = json.loads((REPO / "semd_templates" / "example_context.json").read_text("utf-8"))
    audio = load_audio(DEV_CORPUS / "audio" / "d17_anna.flac")  # chest fluorography, 25 s
    start = {"template_id": "xray_chest", "context": context}
    result = run(stream_audio(ws_url(server), audio, speed=None, start=start))
    fields = {r.message["field"]: r.message["value"] for r in result.of_type("field")}
    assert fields.get("modality") == "флюорография", fields
    assert fields.get("conclusion"), result.text
    base = f"{server}/v1/sessions/{result.session_id}/document"
    as_json = httpx.get(base, params={"format": "json"}).json()
    assert as_json["findings"] and as_json["conclusion"]
    assert as_json["laterality"] == "справа"
    semd = httpx.get(base, params={"format": "semd"})
    assert semd.status_code == 200, semd.text
    assert semd.headers["content-type"].startswith("application/xml")
    assert semd.headers["x-semd-valid"] == "true"
    assert b"urn:hl7-org:v3" in semd.content
    fhir = httpx.get(base, params={"format": "fhir"}).json()
    assert fhir["resourceType"] == "DiagnosticReport"
    # Without a МИС context there is no СЭМД, and the message says why.
    plain = run(
        stream_audio(ws_url(server), audio, speed=None, start={"template_id": "xray_chest"})
    )
    refused = httpx.get(f"{server}/v1/sessions/{plain.session_id}/document?format=semd")
    assert refused.status_code == 422 and "context" in refused.text


def test_finals_decoded_ahead_in_pauses_are_the_same_finals(
    engine: Engine, dictation_audio: Samples, tmp_path: Path
) -> None:
    # Phrases end at their long pauses only (no soft maximum), where speculation acts.
    streaming = StreamingSettings(soft_max_s=30.0)
    with serve(create_app(Settings(data_dir=tmp_path, streaming=streaming), engine=engine)) as base:
        plain = run(stream_audio(ws_url(base), dictation_audio, speed=1.5))
    streaming = StreamingSettings(soft_max_s=30.0, speculate_after_ms=200)
    with serve(create_app(Settings(data_dir=tmp_path, streaming=streaming), engine=engine)) as base:
        ahead = run(stream_audio(ws_url(base), dictation_audio, speed=1.5))
        metrics = httpx.get(f"{base}/metrics").text
    assert [f.message["raw"] for f in ahead.of_type("final")] == [
        f.message["raw"] for f in plain.of_type("final")
    ]
    # The phrases end with 0.9 s pauses: their finals were ready before the pause was over.
    used = re.search(r'semdict_speculative_finals_total\{outcome="used"\} (\d+)', metrics)
    assert used is not None and int(used.group(1)) >= 2, metrics
