"""Settings whose default depends on the device the model runs on."""

from __future__ import annotations

from pathlib import Path

import pytest

from asr import engine
from asr.engine import EngineOptions, worker_layout
from server.app import cut_lookback_s, should_warm_up, soft_max_s
from server.settings import ModelSettings, Settings, StreamingSettings


def test_cut_lookback_is_short_on_cuda_and_wide_on_cpu() -> None:
    assert cut_lookback_s(Settings(), "cuda") == 1.0
    assert cut_lookback_s(Settings(), "cpu") == 2.0


def test_configured_cut_lookback_wins_on_every_device() -> None:
    settings = Settings(streaming=StreamingSettings(cut_lookback_s=2.5))
    assert cut_lookback_s(settings, "cuda") == cut_lookback_s(settings, "cpu") == 2.5


def test_soft_maximum_is_shorter_on_cpu_unless_configured() -> None:
    assert soft_max_s(Settings(), "cpu") == 4.0
    assert soft_max_s(Settings(), "cuda") == 5.0
    settings = Settings(streaming=StreamingSettings(soft_max_s=8.0))
    assert soft_max_s(settings, "cpu") == soft_max_s(settings, "cuda") == 8.0


def test_cpu_runs_one_single_thread_worker_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "available_cores", lambda: 4)
    options = EngineOptions(model_dir=Path("m"))
    assert worker_layout("cpu", options) == (4, 1)
    assert worker_layout("cuda", options) == (1, 4)  # one worker: batching shares the GPU


def test_configured_workers_share_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "available_cores", lambda: 8)
    assert worker_layout("cpu", EngineOptions(model_dir=Path("m"), workers=2)) == (2, 4)
    both = EngineOptions(model_dir=Path("m"), workers=3, cpu_threads=1)
    assert worker_layout("cpu", both) == (3, 1)


def test_warm_up_runs_on_cuda_unless_configured() -> None:
    assert should_warm_up(Settings(), "cuda")
    assert not should_warm_up(Settings(), "cpu")
    forced = Settings(model=ModelSettings(warm_up=True))
    assert should_warm_up(forced, "cpu")
    assert not should_warm_up(Settings(model=ModelSettings(warm_up=False)), "cuda")
