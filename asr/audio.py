"""Audio input: any container/codec PyAV reads (wav, flac, ogg, mp3, webm, …), any sample rate,
decoded to 16 kHz mono float32 — what Whisper expects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from faster_whisper.audio import decode_audio

SAMPLE_RATE = 16_000
MIN_PCM_RATE = 8_000
MAX_PCM_RATE = 48_000

Samples = npt.NDArray[np.float32]


class AudioError(ValueError):
    """Audio that cannot be used; the message names the file and the reason."""


def load_audio(path: Path) -> Samples:
    """Decode ``path`` to 16 kHz mono float32, or raise ``AudioError``."""
    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty")
    try:
        samples = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # PyAV raises many unrelated types for unreadable input
        raise AudioError(
            f"{path}: not a readable audio file ({type(exc).__name__}: {exc})"
        ) from exc
    if samples.size == 0:
        raise AudioError(f"{path}: the file holds no audio samples")
    return np.ascontiguousarray(samples, dtype=np.float32)


def pcm16_to_float(data: bytes) -> Samples:
    """Little-endian signed 16-bit PCM to float32 in [-1, 1)."""
    if len(data) % 2:
        raise AudioError("PCM16 data must hold an even number of bytes")
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def resample(samples: Samples, rate: int) -> Samples:
    """Resample mono audio to 16 kHz (band-limited polyphase would be nicer; linear interpolation
    after a moving-average low-pass is enough for speech and has no extra dependency)."""
    if rate == SAMPLE_RATE or samples.size == 0:
        return samples
    if not MIN_PCM_RATE <= rate <= MAX_PCM_RATE:
        raise AudioError(f"sample rate {rate} Hz is outside {MIN_PCM_RATE}–{MAX_PCM_RATE} Hz")
    x = samples
    if rate > SAMPLE_RATE:
        # Low-pass before decimation so that energy above 8 kHz does not alias into speech.
        width = max(1, round(rate / SAMPLE_RATE))
        kernel = np.ones(width, dtype=np.float32) / width
        x = np.convolve(x, kernel, mode="same").astype(np.float32)
    n_out = round(x.size * SAMPLE_RATE / rate)
    t_out = np.arange(n_out, dtype=np.float64) * (rate / SAMPLE_RATE)
    out = np.interp(t_out, np.arange(x.size, dtype=np.float64), x)
    return out.astype(np.float32)
