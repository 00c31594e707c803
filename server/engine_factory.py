"""Build the engine from settings and command-line overrides (shared by all sub-commands)."""

from __future__ import annotations

from pathlib import Path

from asr.engine import DeviceChoice, Engine, EngineOptions
from asr.model_store import resolve_model_dir
from server.settings import Settings


def engine_options(
    settings: Settings, *, model: Path | None = None, device: DeviceChoice | None = None
) -> EngineOptions:
    ms = settings.model
    return EngineOptions(
        model_dir=resolve_model_dir(model or ms.path, ms.cache_dir),
        device=device or ms.device,
        compute_type=ms.compute_type,
        cpu_threads=ms.cpu_threads,
        workers=ms.workers,
        beam_size=ms.beam_size,
        language=ms.language,
    )


def build_engine(
    settings: Settings, *, model: Path | None = None, device: DeviceChoice | None = None
) -> Engine:
    return Engine(engine_options(settings, model=model, device=device))
