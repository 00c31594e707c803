"""Batched window decoding with the real model, and the scheduler that forms the batches."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import numpy as np
import pytest

from asr.audio import load_audio
from asr.coverage import uncovered_inner_speech
from asr.decoder import MAX_RECOVERIES, DecodeOptions, DecodeRequest, WindowDecoder, _new_tokens
from asr.engine import Engine, Word
from asr.guards import is_loop
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
    own = decoder.decode([DecodeRequest(audio, "", opts)])[0].text.split()[:2]
    result = decoder.decode([DecodeRequest(audio, "", opts, prefix=" ".join(own))])[0]
    words = result.text.split()
    assert words[:2] == own
    assert words[2:4] != own  # the prefix appears once
    assert len(words) > 3
    assert [w.w for w in result.words[:2]] == own  # words cover the prefix too


def test_prefix_of_the_models_own_words_changes_nothing(decoder: WindowDecoder) -> None:
    audio = load_audio(DATA / "f01_elena.flac")
    greedy = DecodeOptions(beam_size=1)
    free = decoder.decode([DecodeRequest(audio, "", greedy)])[0].text
    prefix = " ".join(free.split()[:3])
    forced = decoder.decode([DecodeRequest(audio, "", greedy, prefix=prefix)])[0].text
    assert forced == free


def test_prefixes_of_different_lengths_batch_together(decoder: WindowDecoder) -> None:
    audio = load_audio(DATA / "f01_elena.flac")
    greedy = DecodeOptions(beam_size=1)
    free = decoder.decode([DecodeRequest(audio, "", greedy)])[0].text.split()
    short = DecodeRequest(audio, "описание", greedy, prefix=free[0])
    long = DecodeRequest(audio, "описание", greedy, prefix=" ".join(free[:4]))
    assert decoder.batch_key(short) == decoder.batch_key(long)
    alone = [decoder.decode([r])[0].text for r in (short, long)]
    assert [r.text for r in decoder.decode([short, long])] == alone
    other_prompt = DecodeRequest(audio, "описание патологических изменений нет", greedy)
    assert decoder.batch_key(other_prompt) != decoder.batch_key(short)


def test_token_budget_follows_window_length() -> None:
    one_s = DecodeRequest(np.zeros(16_000, dtype=np.float32))
    ten_s = DecodeRequest(np.zeros(160_000, dtype=np.float32))
    capped = DecodeOptions(max_tokens_per_s=15.0)
    assert _new_tokens([one_s], capped) == 15
    assert _new_tokens([one_s, ten_s], capped) == 150  # one budget per batch: the longest
    assert _new_tokens([one_s], DecodeOptions(max_tokens_per_s=2.0)) == 8  # a floor
    assert _new_tokens([ten_s], DecodeOptions(max_tokens_per_s=0.0)) == 200  # no cap


@pytest.mark.parametrize("prompt", ["", "Компьютерная томография органов грудной клетки."])
@pytest.mark.parametrize("prefix_words", [0, 3])
def test_token_budget_is_the_number_of_new_tokens(
    decoder: WindowDecoder, prompt: str, prefix_words: int
) -> None:
    # CTranslate2 halves max_length when there is no previous text; the budget must not.
    audio = load_audio(DATA / "f01_elena.flac")
    free_opts = DecodeOptions(beam_size=1)
    free = decoder.decode([DecodeRequest(audio, prompt, free_opts)])[0].text
    prefix = " ".join(free.split()[:prefix_words])
    capped_opts = DecodeOptions(beam_size=1, max_new_tokens=12)
    whole = decoder.decode([DecodeRequest(audio, prompt, free_opts, prefix=prefix)])[0].text
    capped = decoder.decode([DecodeRequest(audio, prompt, capped_opts, prefix=prefix)])[0].text
    assert free.startswith(capped) and whole.startswith(capped)

    def new_tokens(text: str) -> int:
        return len(decoder.tokenizer.encode(" " + text)) - len(decoder._forced(prefix))

    if new_tokens(whole) > 13:  # the budget binds: 12 new tokens, ±1 where a word is re-split
        assert 11 <= new_tokens(capped) <= 13, (capped, new_tokens(capped))
    else:  # the phrase ended within the budget (a longer prefix): nothing was cut
        assert capped == whole, (capped, whole)


def test_an_empty_window_with_word_timestamps_decodes(decoder: WindowDecoder) -> None:
    opts = DecodeOptions(beam_size=2, word_timestamps=True)
    empty = np.zeros(0, dtype=np.float32)
    result = decoder.decode([DecodeRequest(empty, "Описание.", opts)])[0]
    assert result.words == () or all(w.start <= w.end for w in result.words)


def test_speech_after_an_early_end_of_text_is_decoded(decoder: WindowDecoder) -> None:
    """Two dictated sentences in one window; the decoder is made to stop early (a small token
    budget stands in for Whisper's early end of text). The speech its words do not cover is
    heard by the VAD and decoded again: the second sentence is not lost."""
    first, second = load_audio(DATA / "f03_elena.flac"), load_audio(DATA / "f01_elena.flac")
    pause = np.zeros(8000, dtype=np.float32)
    audio = np.concatenate([first, pause, second, pause]).astype(np.float32)
    opts = DecodeOptions(beam_size=2, word_timestamps=True, max_new_tokens=12)
    request = DecodeRequest(audio, "", opts)
    stopped = decoder.decode([request], _depth=MAX_RECOVERIES)[0]  # no recovery
    recovered = decoder.decode([request])[0]
    duration = audio.size / 16000
    assert stopped.words[-1].end < duration - 4, stopped.text
    assert recovered.words[-1].end > stopped.words[-1].end + 2, recovered.text
    assert recovered.text.startswith(stopped.text)
    assert len(recovered.text.split()) > len(stopped.text.split())
    times = [w.start for w in recovered.words]
    assert times == sorted(times)


def test_a_looping_window_is_decoded_again_without_the_prompt(decoder: WindowDecoder) -> None:
    """A loop glued inside a word («…грудной арт-э-э-э-э…», up to the token cap) is kept by
    the guards and, as the next window's prompt, makes that window loop too; a window that
    stays a loop is dropped whole. A looping final is decoded again without the prompt."""
    audio = load_audio(DATA / "f02_elena.flac")
    opts = DecodeOptions(beam_size=2, word_timestamps=True)
    request = DecodeRequest(audio, "Дуга арт" + "-э" * 30 + "-", opts)
    heard = decoder.decode([request])[0]
    assert not is_loop(heard.text) and "печени" in heard.text.lower(), heard.text
    # The loop as it came: every word where it was said, the last one running on.
    looped = replace(heard, text=heard.text.rstrip(".") + "-э" * 30 + "-")
    assert uncovered_inner_speech(audio, looped.words) == 0.0
    assert is_loop(looped.text)
    recovered = decoder._recover_inner(request, looped)
    assert not is_loop(recovered.text) and "печени" in recovered.text.lower(), recovered.text
    assert "размер" in recovered.text.lower() or "12" in recovered.text, recovered.text


def test_a_phrase_skipped_inside_a_window_is_decoded_again(decoder: WindowDecoder) -> None:
    """Given the previous text, Whisper sometimes repeats a phrase of it instead of what was
    said; the aligner then stretches a word over the speech it did not transcribe. That
    speech is heard by the VAD, and the window is decoded again without the prompt."""
    first, second = load_audio(DATA / "f02_elena.flac"), load_audio(DATA / "f01_elena.flac")
    pause = np.zeros(8000, dtype=np.float32)
    audio = np.concatenate([first, pause, second, pause]).astype(np.float32)
    opts = DecodeOptions(beam_size=2, word_timestamps=True)
    request = DecodeRequest(audio, "В печени киста.", opts)
    heard = decoder.decode([request])[0]
    assert uncovered_inner_speech(audio, heard.words) == 0.0, heard.words
    assert "печени" in heard.text.lower() and "клетки" in heard.text.lower(), heard.text
    # What the prompt copy looks like: the first sentence's words, the last one stretched
    # over the whole second sentence.
    end = first.size / 16000
    copied = tuple(w for w in heard.words if w.end <= end)
    stretched = Word(w=copied[-1].w, start=copied[-1].start, end=audio.size / 16000 - 0.5, p=0.5)
    skipped = replace(
        heard,
        text=" ".join(w.w for w in copied),
        words=(*copied[:-1], stretched),
    )
    assert uncovered_inner_speech(audio, skipped.words) > 1.0
    recovered = decoder._recover_inner(request, skipped)
    assert "клетки" in recovered.text.lower(), recovered.text
    assert uncovered_inner_speech(audio, recovered.words) == 0.0


def test_pauses_and_long_words_are_not_uncovered_speech(decoder: WindowDecoder) -> None:
    """A pause between words is silence to the VAD; a long word is its own speech."""
    audio = load_audio(DATA / "f03_elena.flac")
    silence = np.zeros(32000, dtype=np.float32)
    padded = np.concatenate([audio, silence, audio]).astype(np.float32)
    opts = DecodeOptions(beam_size=2, word_timestamps=True)
    heard = decoder.decode([DecodeRequest(padded, "", opts)])[0]
    assert uncovered_inner_speech(padded, heard.words) == 0.0, heard.words
