"""Audio decoding and PCM conversion."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from asr.audio import (
    SAMPLE_RATE,
    AudioError,
    StreamResampler,
    float_to_pcm16,
    load_audio,
    pcm16_to_float,
)
from tests.conftest import DATA


def _wav(path: Path, rate: int, seconds: float, freq: float = 440.0) -> None:
    t = np.arange(int(rate * seconds)) / rate
    pcm = (0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    path.write_bytes(buf.getvalue())


def test_flac_fixture_decodes_to_16k() -> None:
    samples = load_audio(DATA / "r01_human.flac")
    assert samples.dtype == np.float32
    assert 3.0 < samples.size / SAMPLE_RATE < 3.5


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_any_sample_rate_is_resampled(tmp_path: Path, rate: int) -> None:
    _wav(tmp_path / "a.wav", rate, 1.0)
    samples = load_audio(tmp_path / "a.wav")
    assert abs(samples.size - SAMPLE_RATE) <= 16


def test_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError, match="empty"):
        load_audio(tmp_path / "empty.wav")


def test_garbage_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.mp3").write_bytes(b"this is not audio at all" * 100)
    with pytest.raises(AudioError, match="not a readable audio file"):
        load_audio(tmp_path / "x.mp3")


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="no such file"):
        load_audio(tmp_path / "nope.flac")


def test_pcm16_conversion() -> None:
    data = np.array([0, 16384, -32768], dtype="<i2").tobytes()
    assert pcm16_to_float(data).tolist() == [0.0, 0.5, -1.0]
    with pytest.raises(AudioError, match="even"):
        pcm16_to_float(b"\x00")


def test_stream_resampler_keeps_a_tone_across_frames() -> None:
    rate = 44100
    t = np.arange(rate) / rate
    pcm = (np.sin(2 * np.pi * 300 * t) * 12000).astype("<i2").tobytes()
    resampler = StreamResampler(rate)
    step = 4410 * 2  # 100 ms frames
    parts = [resampler(pcm[i : i + step]) for i in range(0, len(pcm), step)]
    y = np.concatenate([*parts, resampler.flush()])
    assert abs(y.size - SAMPLE_RATE) <= 32
    spectrum = np.abs(np.fft.rfft(y[:SAMPLE_RATE]))
    assert abs(int(np.argmax(spectrum)) - 300) <= 2  # 1 s of audio: bins are 1 Hz apart


def test_stream_resampler_passes_16k_through_and_refuses_odd_rates() -> None:
    data = np.array([0, 16384, -32768], dtype="<i2").tobytes()
    assert StreamResampler(16000)(data).tolist() == [0.0, 0.5, -1.0]
    with pytest.raises(AudioError, match="outside"):
        StreamResampler(96000)
    with pytest.raises(AudioError, match="even"):
        StreamResampler(8000)(b"\x00\x01\x02")


def test_pcm16_survives_a_round_trip_through_floats() -> None:
    pcm = np.array([-32768, -32767, -2, -1, 0, 1, 2, 12345, 32766, 32767], dtype="<i2")
    assert float_to_pcm16(pcm16_to_float(pcm.tobytes())) == pcm.tobytes()
    clipped = np.frombuffer(float_to_pcm16(np.array([-1.5, 1.0, 1.5], dtype=np.float32)), "<i2")
    assert clipped.tolist() == [-32768, 32767, 32767]
