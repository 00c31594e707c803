"""Audio input: any container/codec PyAV reads (wav, flac, ogg, mp3, webm, …), any sample rate,
decoded to 16 kHz mono float32 — what Whisper expects."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import av
import numpy as np
import numpy.typing as npt
from faster_whisper.audio import decode_audio

SAMPLE_RATE = 16_000
MIN_PCM_RATE = 8_000
MAX_PCM_RATE = 48_000

Samples = npt.NDArray[np.float32]


class AudioError(ValueError):
    """Audio that cannot be used; the message names the file and the reason."""


class UnsupportedAudioFormatError(AudioError):
    """Not a container/codec the service accepts (the message lists the accepted ones)."""


class AudioTooLongError(AudioError):
    """Longer than the configured maximum; decoding stopped there."""


ACCEPTED_CONTAINERS = {
    "wav": "wav",
    "flac": "flac",
    "ogg": "ogg (Vorbis, Opus)",
    "mp3": "mp3",
    "matroska,webm": "webm",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a/mp4",
    "aac": "aac",
}
"""FFmpeg demuxer names of the recordings accepted by upload, and how users call them."""
ACCEPTED_FORMATS = ", ".join(ACCEPTED_CONTAINERS.values())


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


def decode_upload(source: BinaryIO, *, name: str, max_seconds: float) -> Samples:
    """Decode an uploaded recording to 16 kHz mono float32, as :func:`load_audio` does, but
    only from the accepted containers and stopping as soon as it runs past ``max_seconds``."""
    unsupported = f"{name}: not a recording in a supported format; send one of: {ACCEPTED_FORMATS}"
    try:
        container = av.open(source, mode="r", metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise UnsupportedAudioFormatError(unsupported) from exc
    too_long = AudioTooLongError(
        f"{name}: the recording is longer than {max_seconds:g} s; split it into shorter files"
    )
    with container:
        if container.format.name not in ACCEPTED_CONTAINERS:
            raise UnsupportedAudioFormatError(f"{unsupported} (this is {container.format.name})")
        if not container.streams.audio:
            raise AudioError(f"{name}: the file holds no audio stream")
        if container.duration and container.duration / av.time_base > max_seconds + 1:
            raise too_long
        max_samples = int(max_seconds * SAMPLE_RATE)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        parts: list[npt.NDArray[Any]] = []
        received = 0
        try:
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    parts.append(out.to_ndarray().reshape(-1))
                    received += parts[-1].size
                if received > max_samples:
                    raise too_long
            parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
        except av.FFmpegError as exc:
            at = received / SAMPLE_RATE
            raise AudioError(f"{name}: the audio is damaged at {at:.1f} s ({exc})") from exc
    if not parts or sum(p.size for p in parts) == 0:
        raise AudioError(f"{name}: the file holds no audio samples")
    return np.concatenate(parts).astype(np.float32) / 32768.0


def pcm16_to_float(data: bytes) -> Samples:
    """Little-endian signed 16-bit PCM to float32 in [-1, 1)."""
    if len(data) % 2:
        raise AudioError("PCM16 data must hold an even number of bytes")
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm16(samples: Samples) -> bytes:
    """The inverse of :func:`pcm16_to_float`: float32 in [-1, 1] to little-endian PCM16,
    rounded, so that PCM16 read as floats is sent back bit for bit (a live stream of a
    recording then decodes exactly what its upload does)."""
    pcm = np.clip(np.rint(np.asarray(samples, dtype=np.float64) * 32768.0), -32768, 32767)
    return pcm.astype("<i2").tobytes()


class StreamResampler:
    """PCM16 mono at any supported rate → 16 kHz float32, frame by frame (libswresample keeps
    the filter state across frames, so frame boundaries leave no clicks)."""

    def __init__(self, rate: int) -> None:
        if not MIN_PCM_RATE <= rate <= MAX_PCM_RATE:
            raise AudioError(f"sample rate {rate} Hz is outside {MIN_PCM_RATE}–{MAX_PCM_RATE} Hz")
        self.rate = rate
        self._resampler = (
            None
            if rate == SAMPLE_RATE
            else av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        )

    def __call__(self, pcm: bytes) -> Samples:
        if self._resampler is None:
            return pcm16_to_float(pcm)
        if len(pcm) % 2:
            raise AudioError("PCM16 data must hold an even number of bytes")
        frame = av.AudioFrame.from_ndarray(
            np.frombuffer(pcm, dtype="<i2")[None, :], format="s16", layout="mono"
        )
        frame.sample_rate = self.rate
        return self._collect(self._resampler.resample(frame))

    def flush(self) -> Samples:
        """The samples still inside the filter, at the end of the stream."""
        if self._resampler is None:
            return np.zeros(0, dtype=np.float32)
        return self._collect(self._resampler.resample(None))

    @staticmethod
    def _collect(frames: list[av.AudioFrame]) -> Samples:
        if not frames:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32)
