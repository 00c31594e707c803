"""The Whisper engine: one loaded CTranslate2 model, device selection and file transcription."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import ctranslate2
from faster_whisper import WhisperModel

from asr.audio import SAMPLE_RATE, Samples, load_audio

log = logging.getLogger(__name__)

DeviceChoice = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class EngineOptions:
    """How to load and run the model. ``auto`` values are resolved by :func:`resolve_device`."""

    model_dir: Path
    device: DeviceChoice = "auto"
    compute_type: str = "auto"
    cpu_threads: int = 0
    """Threads per worker; 0: the available cores shared among the workers."""
    workers: int = 0
    """Model replicas that decode in parallel (sharing one copy of the weights); 0: one per
    available core on CPU, one on CUDA. On CPU a decoding step is too small to spread over
    threads: two one-thread workers finish a 12 s beam-5 window in 1.6–2.1 s where one
    two-thread worker takes 2.4–2.6 s (benchmarks/bench_workers.py)."""
    beam_size: int = 5
    language: str = "ru"


@dataclass(frozen=True)
class Word:
    w: str
    start: float
    end: float
    p: float


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float = 0.0
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcript:
    text: str
    duration_s: float
    elapsed_s: float
    segments: list[Segment] = field(default_factory=list)

    def word_probabilities(self) -> list[tuple[str, float]]:
        """(word, probability) of every word, when decoded with word timestamps."""
        return [(w.w, w.p) for segment in self.segments for w in segment.words]


def cuda_available() -> bool:
    try:
        return int(ctranslate2.get_cuda_device_count()) > 0
    except RuntimeError:  # CTranslate2 built without CUDA, or a broken driver
        return False


def resolve_device(device: DeviceChoice, compute_type: str) -> tuple[str, str]:
    """``auto`` → CUDA float16 when CTranslate2 sees a GPU, else CPU int8."""
    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    elif device == "cuda" and not cuda_available():
        raise RuntimeError("--device cuda was requested but CTranslate2 sees no CUDA device")
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_layout(device: str, options: EngineOptions) -> tuple[int, int]:
    """(workers, threads per worker) for a resolved device."""
    cores = available_cores()
    workers = options.workers or (1 if device == "cuda" else cores)
    threads = options.cpu_threads or max(1, cores // workers)
    return workers, threads


class Engine:
    """A loaded Whisper model; thread-safe for concurrent ``transcribe`` calls."""

    def __init__(self, options: EngineOptions) -> None:
        self.options = options
        self.device, self.compute_type = resolve_device(options.device, options.compute_type)
        self.workers, self.threads = worker_layout(self.device, options)
        started = time.perf_counter()
        self.model = WhisperModel(
            str(options.model_dir),
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=self.threads,
            num_workers=self.workers,
            local_files_only=True,
        )
        log.info(
            "loaded model %s on %s/%s, %d worker(s) × %d thread(s), in %.1f s",
            options.model_dir.name,
            self.device,
            self.compute_type,
            self.workers,
            self.threads,
            time.perf_counter() - started,
        )

    @property
    def ct2(self) -> ctranslate2.models.Whisper:
        """The underlying CTranslate2 model, for batched streaming inference."""
        return self.model.model

    def transcribe(
        self,
        audio: Samples,
        *,
        prompt: str | None = None,
        word_timestamps: bool = False,
        beam_size: int | None = None,
    ) -> Transcript:
        started = time.perf_counter()
        segments_iter, _info = self.model.transcribe(
            audio,
            language=self.options.language,
            beam_size=beam_size or self.options.beam_size,
            initial_prompt=prompt,
            word_timestamps=word_timestamps,
            vad_filter=False,
        )
        segments = list(_convert(segments_iter))
        text = " ".join(s.text for s in segments if s.text).strip()
        return Transcript(
            text=text,
            duration_s=round(audio.size / SAMPLE_RATE, 3),
            elapsed_s=round(time.perf_counter() - started, 3),
            segments=segments,
        )

    def transcribe_file(self, path: Path, *, prompt: str | None = None) -> Transcript:
        return self.transcribe(load_audio(path), prompt=prompt)


def _convert(segments: Iterator[object]) -> Iterator[Segment]:
    for seg in segments:
        words = tuple(
            Word(w=w.word.strip(), start=w.start, end=w.end, p=w.probability)
            for w in (getattr(seg, "words", None) or ())
        )
        yield Segment(
            start=round(float(getattr(seg, "start", 0.0)), 3),
            end=round(float(getattr(seg, "end", 0.0)), 3),
            text=str(getattr(seg, "text", "")).strip(),
            avg_logprob=round(float(getattr(seg, "avg_logprob", 0.0)), 4),
            no_speech_prob=round(float(getattr(seg, "no_speech_prob", 0.0)), 4),
            compression_ratio=round(float(getattr(seg, "compression_ratio", 0.0)), 3),
            words=words,
        )
