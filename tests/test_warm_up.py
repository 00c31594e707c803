"""Start-up warm-up: every batch size is decoded once, and nothing of it leaks into later
decodes."""

from __future__ import annotations

from asr.audio import load_audio
from asr.decoder import DecodeOptions, DecodeRequest, WindowDecoder
from asr.engine import Engine
from asr.warm_up import batch_sizes, warm_up
from tests.conftest import DATA


def test_batch_sizes_double_up_to_the_maximum() -> None:
    assert batch_sizes(1) == [1]
    assert batch_sizes(2) == [1, 2]
    assert batch_sizes(8) == [1, 2, 4, 8]
    assert batch_sizes(6) == [1, 2, 4, 6]
    assert batch_sizes(32) == [1, 2, 4, 8, 16, 32]


def test_warm_up_decodes_and_changes_no_later_result(engine: Engine) -> None:
    decoder = WindowDecoder(engine)
    final = DecodeOptions(beam_size=5, word_timestamps=True, max_tokens_per_s=15.0)
    audio = load_audio(DATA / "f01_elena.flac")
    before = decoder.decode([DecodeRequest(audio=audio, options=final)])[0]
    assert before.text and before.words

    seconds = warm_up(decoder, [final, DecodeOptions(beam_size=1)], max_batch=2)

    assert seconds > 0
    after = decoder.decode([DecodeRequest(audio=audio, options=final)])[0]
    assert after.text == before.text
    assert after.words == before.words
