"""The latency benchmarks themselves: the segmentation floor, the GPU capacity harness and the
soak (both run here on the CPU with the bundled model, through the real server in its own
process)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from asr.model_store import resolve_model_dir
from asr.segmenter import SegmenterOptions
from asr.vad import CHUNK
from benchmarks import bench_gpu_streams, bench_soak
from benchmarks.bench_segmenter import waits
from server.settings import default_cache_dir
from tests.conftest import DATA

CHUNKS_PER_S = 16_000 / CHUNK


def test_forced_cuts_wait_no_longer_than_the_lookback() -> None:
    # 30 s of speech without a pause: every utterance ends at the hard cut.
    probs = [0.9] * int(30 * CHUNKS_PER_S)
    for lookback in (4.0, 1.0):
        closes = waits(probs, SegmenterOptions(cut_lookback_s=lookback))
        assert closes.forced == len(closes.waits) >= 2
        assert max(closes.waits) <= lookback + 0.05
        assert all(length <= 12.0 + 0.05 for length in closes.lengths)


def test_a_short_pause_after_the_soft_maximum_ends_the_utterance() -> None:
    # 4.5 s of speech, a 0.2 s pause, 4.5 s more: too short a pause for the 8 s soft maximum
    # (one utterance), long enough to end a 4 s one there.
    speech, pause = [0.9] * int(4.5 * CHUNKS_PER_S), [0.05] * int(0.2 * CHUNKS_PER_S)
    probs = speech + pause + speech + [0.05] * int(1.0 * CHUNKS_PER_S)
    long = waits(probs, SegmenterOptions(soft_max_s=8.0))
    short = waits(probs, SegmenterOptions(soft_max_s=4.0))
    assert len(long.lengths) == 1 and long.lengths[0] > 9.0
    assert len(short.lengths) == 2 and short.lengths[0] < 5.0


@pytest.mark.slow
def test_capacity_harness_reports_a_level(tmp_path: Path) -> None:
    audio = tmp_path / "audio"
    audio.mkdir()
    for name in ("f01_elena.flac", "f03_elena.flac"):
        shutil.copy(DATA / name, audio / name)
    out = tmp_path / "levels.json"
    model = resolve_model_dir(None, default_cache_dir())
    code = bench_gpu_streams.main(
        [
            "streams",
            "--model", str(model),
            "--audio", str(audio),
            "--device", "cpu",
            "--levels", "2",
            "--clip-s", "8",
            "--stagger-s", "0.5",
            "--max-batch", "4",
            "--json", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    result = json.loads(out.read_text())
    level = result["levels"][0]
    assert level["streams"] == 2 and level["failed_streams"] == 0
    assert level["finals"] >= 2 and 0 < level["final_p50_s"] < 30
    assert 0 < level["inference_busy"] <= 1 and level["mean_batch"] >= 1


@pytest.mark.slow
def test_soak_harness_runs_sessions_and_a_slow_reader(tmp_path: Path) -> None:
    audio = tmp_path / "audio"
    audio.mkdir()
    for name in ("f01_elena.flac", "f03_elena.flac"):
        shutil.copy(DATA / name, audio / name)
    out = tmp_path / "soak.json"
    code = bench_soak.main(
        [
            "--corpus", str(tmp_path),
            "--streams", "1",
            "--duration-s", "8",
            "--slow-pause-s", "2",
            "--drain-s", "60",
            "--settle-s", "0.5",
            "--json", str(out),
        ]
    )  # fmt: skip
    result = json.loads(out.read_text())
    assert code == 0, result["problems"]
    summary = result["summary"]
    assert summary["sessions"] >= 1 and summary["completed"] == summary["sessions"]
    assert summary["closes"] == {"1000": summary["sessions"]} and not summary["errors"]
    assert summary["finals"] >= 1 and 0 < summary["final_p95_s"] < 30
    assert 0 < result["rss_before_mb"] <= result["rss_high_water_mb"] and result["rss_every_10s_mb"]
    assert result["rss_after_mb"] > 0 and result["health_checks"].get("200", 0) >= 5
    slow = result["slow"]
    assert slow["completed"] or slow["close_code"] is not None  # kept, or dropped and closed
    assert slow["messages_read"] >= 1 and not slow["failure"]
