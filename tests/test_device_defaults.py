"""Settings whose default depends on the device the model runs on."""

from __future__ import annotations

from semdict.settings import Settings, StreamingSettings
from server.app import cut_lookback_s


def test_cut_lookback_is_short_on_cuda_and_wide_on_cpu() -> None:
    assert cut_lookback_s(Settings(), "cuda") == 1.0
    assert cut_lookback_s(Settings(), "cpu") == 4.0


def test_configured_cut_lookback_wins_on_every_device() -> None:
    settings = Settings(streaming=StreamingSettings(cut_lookback_s=2.5))
    assert cut_lookback_s(settings, "cuda") == cut_lookback_s(settings, "cpu") == 2.5
