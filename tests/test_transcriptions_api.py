"""OpenAI's transcription API and recorded dictations to documents, end to end: the official
``openai`` client (unchanged) and curl-style multipart against the real server and model."""

from __future__ import annotations

import asyncio
import io
import json
import re
import wave
from collections.abc import Iterator

import av
import httpx
import numpy as np
import openai
import pytest
from pydantic import SecretStr

from asr.audio import SAMPLE_RATE, Samples, load_audio
from asr.engine import Engine
from semd_templates import resources_path
from semdict.client import stream_audio, to_pcm16
from server.app import create_app
from server.settings import ServerSettings, Settings, UploadSettings
from tests.conftest import DATA, DEV_CORPUS
from tests.live_server import serve

pytestmark = pytest.mark.slow

TOKEN = "test-token-16"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_BYTES = 1_500_000
MAX_DURATION_S = 30.0


def wav_bytes(samples: Samples) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(to_pcm16(samples))
    return buf.getvalue()


def encoded(samples: Samples, container: str, codec: str) -> bytes:
    """``samples`` in another format, encoded with PyAV (the formats a recorder produces)."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=SAMPLE_RATE)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            np.frombuffer(to_pcm16(samples), dtype="<i2")[None, :], format="s16", layout="mono"
        )
        frame.sample_rate = SAMPLE_RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buf.getvalue()


@pytest.fixture(scope="module")
def two_phrases() -> bytes:
    """f01 and f03 with pauses (≈ 13 s): two utterances, the second with «4 миллиметра»."""
    silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
    parts = [silence, load_audio(DATA / "f01_elena.flac"), silence]
    parts += [load_audio(DATA / "f03_elena.flac"), silence]
    return wav_bytes(np.concatenate(parts))


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        server=ServerSettings(tokens=[SecretStr(TOKEN)]),
        uploads=UploadSettings(max_bytes=MAX_BYTES, max_duration_s=MAX_DURATION_S),
    )
    with serve(create_app(settings, engine=engine)) as base:
        yield base


@pytest.fixture(scope="module")
def client(server: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server}/v1", api_key=TOKEN, max_retries=0)


def test_openai_client_gets_the_dictation_text(client: openai.OpenAI) -> None:
    with (DATA / "f03_elena.flac").open("rb") as f:
        result = client.audio.transcriptions.create(model="semdict", file=f, language="ru")
    # The full pipeline, as a live final: «4 миллиметра» written «4 мм», commands carried out.
    assert "правом" in result.text and "4 мм" in result.text
    assert "миллиметр" not in result.text and "новая строка" not in result.text.lower()


def test_verbose_json_has_segments_and_words_with_times(
    client: openai.OpenAI, two_phrases: bytes
) -> None:
    result = client.audio.transcriptions.create(
        model="semdict",
        file=("two.wav", two_phrases),
        response_format="verbose_json",
        timestamp_granularities=["segment", "word"],
    )
    assert result.duration == pytest.approx(len(two_phrases) / 2 / SAMPLE_RATE, abs=0.05)
    segments = result.segments or []
    assert len(segments) == 2
    assert "грудной клетки" in segments[0].text and "правом" in segments[1].text
    assert segments[0].end <= segments[1].start < segments[1].end <= result.duration
    assert all(s.tokens for s in segments)
    words = result.words or []
    assert len(words) > 10
    assert all(0 <= w.start <= w.end <= result.duration + 0.5 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    # The second phrase starts after 1 + 4.9 + 1 s of the recording: its words are there too.
    assert any(w.start > 6.5 for w in words)


def test_srt_and_vtt(client: openai.OpenAI, two_phrases: bytes) -> None:
    srt = client.audio.transcriptions.create(
        model="semdict", file=("two.wav", two_phrases), response_format="srt"
    )
    cue = r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n(?:.+\n)+"  # «новая строка»
    assert re.fullmatch(rf"1\n{cue}\n2\n{cue}", srt), srt
    vtt = httpx.post(
        f"{client.base_url}audio/transcriptions",
        headers=AUTH,
        files={"file": ("two.wav", two_phrases, "audio/wav")},
        data={"response_format": "vtt", "pipeline": "raw"},
        timeout=120,
    )
    assert vtt.status_code == 200, vtt.text
    assert vtt.text.startswith("WEBVTT\n\n00:00:0")
    assert "новая строка" in vtt.text  # raw: the model's words, no commands carried out


def test_streaming_sends_a_delta_per_utterance_then_the_text(
    client: openai.OpenAI, two_phrases: bytes
) -> None:
    events = list(
        client.audio.transcriptions.create(
            model="semdict", file=("two.wav", two_phrases), stream=True
        )
    )
    kinds = [e.type for e in events]
    assert kinds == ["transcript.text.delta", "transcript.text.delta", "transcript.text.done"]
    deltas = "".join(e.delta for e in events if e.type == "transcript.text.delta")
    done = events[-1]
    assert done.type == "transcript.text.done"
    assert "грудной клетки" in deltas and "правом" in deltas
    # The text of the whole dictation, as the json response has it.
    assert "грудной клетки" in done.text and "правом" in done.text


def test_an_upload_has_the_text_of_its_live_dictation(server: str, two_phrases: bytes) -> None:
    samples = np.frombuffer(two_phrases[44:], dtype="<i2").astype(np.float32) / 32768.0
    upload = _post(server, {"file": ("two.wav", two_phrases)}, {"response_format": "verbose_json"})
    assert upload.status_code == 200, upload.text
    url = server.replace("http://", "ws://") + "/v1/dictation"
    live = asyncio.run(stream_audio(url, samples, speed=None, token=TOKEN))
    finals = [r.message for r in live.of_type("final")]
    segments = upload.json()["segments"]
    assert [(s["start"], s["end"], s["text"]) for s in segments] == [
        (f["start_s"], f["end_s"], f["text"]) for f in finals
    ]
    assert upload.json()["text"] == live.text


def test_curl_style_multipart_and_other_formats(server: str) -> None:
    samples = load_audio(DATA / "f01_elena.flac")
    response = httpx.post(
        f"{server}/v1/audio/transcriptions",
        headers=AUTH,
        files={"file": ("f01.mp3", encoded(samples, "mp3", "mp3"), "audio/mpeg")},
        data={"model": "whisper-1", "response_format": "text", "template": "xray_chest"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "грудной клетки" in response.text


def test_models_lists_the_loaded_model(client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids[0] == "semdict" and len(ids) == 2


def _post(
    server: str,
    files: dict[str, tuple[str, bytes]],
    data: dict[str, str] | None = None,
    *,
    headers: dict[str, str] = AUTH,
) -> httpx.Response:
    url = f"{server}/v1/audio/transcriptions"
    return httpx.post(url, headers=headers, files=files, data=data, timeout=60)


def test_bad_uploads_get_clear_4xx(server: str, client: openai.OpenAI) -> None:
    with pytest.raises(openai.APIStatusError) as refused:
        client.audio.transcriptions.create(model="semdict", file=("notes.txt", b"hello " * 200))
    assert refused.value.status_code == 415
    assert "wav, flac, ogg" in refused.value.message and "notes.txt" in refused.value.message

    empty = _post(server, {"file": ("empty.wav", b"")})
    assert empty.status_code == 400 and "empty" in empty.json()["error"]["message"]

    too_big = _post(server, {"file": ("big.wav", b"\0" * (MAX_BYTES + 1))})
    assert too_big.status_code == 413
    assert "SEMDICT_UPLOADS__MAX_BYTES" in too_big.json()["error"]["message"]

    long_wav = wav_bytes(np.zeros(int((MAX_DURATION_S + 5) * SAMPLE_RATE), dtype=np.float32))
    too_long = _post(server, {"file": ("long.wav", long_wav)})
    assert too_long.status_code == 413
    assert "longer than 30 s" in too_long.json()["error"]["message"]

    wav = wav_bytes(load_audio(DATA / "r01_human.flac"))
    model = _post(server, {"file": ("a.wav", wav)}, {"model": "gpt-4o-transcribe"})
    assert model.status_code == 400 and "semdict" in model.json()["error"]["message"]
    field = _post(server, {"file": ("a.wav", wav)}, {"diarize": "true"})
    assert field.status_code == 400 and "response_format" in field.json()["error"]["message"]
    fmt = _post(server, {"file": ("a.wav", wav)}, {"response_format": "docx"})
    assert fmt.status_code == 400 and fmt.json()["error"]["param"] == "response_format"
    template = _post(server, {"file": ("a.wav", wav)}, {"template": "ct_knee"})
    assert template.status_code == 400 and "ct_chest" in template.json()["error"]["message"]
    no_file = _post(server, {}, {"model": "semdict", "language": "ru"})
    assert no_file.status_code == 415  # not even multipart: says what to send
    anonymous = _post(server, {"file": ("a.wav", wav)}, headers={})
    assert anonymous.status_code == 401


def test_a_body_past_the_limit_is_refused_while_it_streams_in(server: str) -> None:
    boundary = "semdict16"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:  # no Content-Length: only counting can stop it
        yield head
        for _ in range(MAX_BYTES // 50_000 + 2):
            yield b"\0" * 50_000

    response = httpx.post(
        f"{server}/v1/audio/transcriptions",
        headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=chunks(),
        timeout=60,
    )
    assert response.status_code == 413


def test_recorded_dictation_to_document(server: str) -> None:
    recording = DEV_CORPUS / "audio" / "d16_anna.flac"  # 27 s, read in place
    context = resources_path("example_context.json").read_text("utf-8")
    response = httpx.post(
        f"{server}/v1/documents",
        headers=AUTH,
        files={"file": (recording.name, recording.read_bytes(), "audio/flac")},
        data={"template": "xray_chest", "context": context},
        timeout=300,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["template_id"] == "xray_chest"
    assert "Описание" in body["text"] and "Заключение" in body["text"]
    assert body["semd_xml"].startswith("<?xml")
    assert body["validation"]["valid"], body["validation"]


def test_recorded_dictation_errors_name_the_field(server: str) -> None:
    wav = wav_bytes(load_audio(DATA / "f01_elena.flac"))
    bad = json.loads(resources_path("example_context.json").read_text("utf-8"))
    bad["author"]["snils"] = "164-028-572 58"
    response = httpx.post(
        f"{server}/v1/documents",
        headers=AUTH,
        files={"file": ("f01.wav", wav)},
        data={"template": "xray_chest", "context": json.dumps(bad)},
        timeout=60,
    )
    assert response.status_code == 422
    assert ["body", "context", "author", "snils"] in [e["loc"] for e in response.json()["detail"]]
    unknown = httpx.post(
        f"{server}/v1/documents",
        headers=AUTH,
        files={"file": ("f01.wav", wav)},
        data={"template": "nope"},
        timeout=60,
    )
    assert unknown.status_code == 404 and "known templates" in unknown.json()["detail"]


def test_docs_describe_both_bodies_of_documents(server: str) -> None:
    schema = httpx.get(f"{server}/openapi.json", headers=AUTH).json()
    content = schema["paths"]["/v1/documents"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(content)
    assert "/v1/audio/transcriptions" in schema["paths"]
