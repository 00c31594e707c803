"""Batched window decoding with the real model, and the scheduler that forms the batches."""

from __future__ import annotations

import asyncio

import pytest

from asr.audio import load_audio
from asr.decoder import DecodeOptions, DecodeRequest, WindowDecoder
from asr.engine import Engine
from asr.scheduler import InferenceScheduler
from tests.conftest import DATA

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def decoder(engine: Engine) -> WindowDecoder:
    return WindowDecoder(engine)


def test_batch_equals_single_windows(decoder: WindowDecoder) -> None:
    a = DecodeRequest(load_audio(DATA / "f01_elena.flac"), "", DecodeOptions(beam_size=2))
    b = DecodeRequest(load_audio(DATA / "f02_elena.flac"), "", DecodeOptions(beam_size=2))
    assert decoder.batch_key(a) == decoder.batch_key(b)
    together = decoder.decode([a, b])
    alone = [decoder.decode([a])[0], decoder.decode([b])[0]]
    assert [r.text for r in together] == [r.text for r in alone]
    assert "печени" in together[1].text.lower()


def test_word_timestamps_fall_inside_the_window(decoder: WindowDecoder) -> None:
    audio = load_audio(DATA / "f02_elena.flac")
    opts = DecodeOptions(beam_size=2, word_timestamps=True)
    result = decoder.decode([DecodeRequest(audio, "", opts)])[0]
    assert result.words, result
    assert all(0 <= w.start <= w.end <= audio.size / 16000 + 0.5 for w in result.words)
    assert 0 < result.words[-1].p <= 1


def test_scheduler_batches_by_key_and_never_mixes_prompt_lengths(decoder: WindowDecoder) -> None:
    audio = load_audio(DATA / "f02_elena.flac")
    opts = DecodeOptions(beam_size=1)
    requests = [
        DecodeRequest(audio, "", opts),
        DecodeRequest(audio, "КТ органов грудной клетки.", opts),
        DecodeRequest(audio, "", opts),
    ]
    with pytest.raises(ValueError, match="one batch key"):
        decoder.decode(requests[:2])
    sizes: list[int] = []

    async def run() -> list[str]:
        scheduler = InferenceScheduler(
            decoder.decode,
            batch_key=decoder.batch_key,
            observer=lambda kind, size, seconds: sizes.append(size),
        )
        scheduler.start()
        try:
            results = await asyncio.gather(*(scheduler.final(r) for r in requests))
        finally:
            await scheduler.stop()
        return [r.text for r in results]

    texts = asyncio.run(run())
    assert all("печени" in t.lower() for t in texts)
    assert sorted(sizes) == [1, 2]  # the two prompt-less windows went together


def test_newer_partial_supersedes_older(decoder: WindowDecoder) -> None:
    audio = load_audio(DATA / "f02_elena.flac")

    async def run() -> tuple[object, object]:
        scheduler = InferenceScheduler(decoder.decode, batch_key=decoder.batch_key)
        first = asyncio.ensure_future(
            scheduler.partial("s1", DecodeRequest(audio[:16000], "", DecodeOptions(beam_size=1)))
        )
        await asyncio.sleep(0)  # queued, not started: the worker is not running yet
        second = asyncio.ensure_future(
            scheduler.partial("s1", DecodeRequest(audio, "", DecodeOptions(beam_size=1)))
        )
        await asyncio.sleep(0)
        scheduler.start()
        try:
            return await first, await second
        finally:
            await scheduler.stop()

    old, new = asyncio.run(run())
    assert old is None
    assert new is not None


def test_forced_prefix_is_kept_and_extended(decoder: WindowDecoder) -> None:
    audio = load_audio(DATA / "f02_elena.flac")
    opts = DecodeOptions(beam_size=2, word_timestamps=True)
    result = decoder.decode([DecodeRequest(audio, "", opts, prefix="В печени")])[0]
    assert result.text.startswith("В печени ")
    assert len(result.text.split()) > 3
    assert [w.w for w in result.words[:2]] == ["В", "печени"]  # words cover the prefix too
