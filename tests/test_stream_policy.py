"""The streaming policy, segmenter and guards — pure logic, synthetic input, no model."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from asr.audio import SAMPLE_RATE
from asr.audio_buffer import AudioBuffer
from asr.engine import Word
from asr.guards import (
    GuardOptions,
    clean_final,
    collapse_repeats,
    drop_boundary_overlap,
    is_loop,
    strip_phantoms,
)
from asr.segmenter import Segmenter, SegmenterOptions
from asr.stream_policy import (
    FinalJob,
    LocalAgreement,
    PartialJob,
    PolicyOptions,
    SpeculativeJob,
    StreamPolicy,
)
from asr.vad import CHUNK

CHUNK_S = CHUNK / SAMPLE_RATE


def probs(pattern: list[tuple[float, float]]) -> list[float]:
    """(seconds, probability) runs → per-chunk probabilities."""
    out: list[float] = []
    for seconds, p in pattern:
        out += [p] * round(seconds / CHUNK_S)
    return out


def test_segmenter_closes_on_pause_with_padding() -> None:
    seg = Segmenter(SegmenterOptions(min_silence_ms=600, pad_ms=200))
    closed = seg.feed(probs([(1.0, 0.05), (2.0, 0.9), (1.0, 0.05)]))
    assert len(closed) == 1
    start, end = closed[0].start / SAMPLE_RATE, closed[0].end / SAMPLE_RATE
    assert 0.75 <= start <= 0.85  # speech at 1.0 s minus 0.2 s padding
    assert 3.15 <= end <= 3.25  # speech end at 3.0 s plus padding
    assert not closed[0].forced
    assert not seg.is_open


def test_short_pause_does_not_split_and_clicks_do_not_open() -> None:
    seg = Segmenter(SegmenterOptions(min_silence_ms=600))
    closed = seg.feed(probs([(1.0, 0.9), (0.3, 0.1), (1.0, 0.9)]))
    assert closed == [] and seg.is_open
    seg = Segmenter(SegmenterOptions(min_speech_ms=200))
    assert seg.feed(probs([(0.1, 0.95), (2.0, 0.0)])) == [] and not seg.is_open


def test_hysteresis_keeps_speech_through_dips() -> None:
    seg = Segmenter(SegmenterOptions(min_silence_ms=300, threshold=0.5, neg_threshold=0.35))
    closed = seg.feed(probs([(1.0, 0.9), (1.0, 0.4), (0.5, 0.9)]))
    assert closed == [], "0.4 is above neg_threshold: still speech"


def test_long_speech_is_cut_at_its_quietest_point() -> None:
    seg = Segmenter(SegmenterOptions(max_utterance_s=10.0))
    closed = seg.feed(probs([(8.0, 0.9), (0.1, 0.55), (3.0, 0.9)]))
    assert len(closed) == 1 and closed[0].forced
    cut = closed[0].end / SAMPLE_RATE
    assert 8.0 <= cut <= 8.2, cut
    assert seg.is_open and seg.open_start == closed[0].end


def test_cut_searches_only_within_its_lookback() -> None:
    # The dip at 8 s lies 2 s before the 10 s cut: out of reach of a 1 s lookback, whose cut
    # must come no more than 1 s before the moment it is decided.
    seg = Segmenter(SegmenterOptions(max_utterance_s=10.0, cut_lookback_s=1.0))
    closed = seg.feed(probs([(8.0, 0.9), (0.1, 0.55), (3.0, 0.9)]))
    assert len(closed) == 1 and closed[0].forced
    assert 9.0 <= closed[0].end / SAMPLE_RATE <= 10.05


def test_cut_tolerance_prefers_the_latest_near_quietest_chunk() -> None:
    # Two word gaps within the lookback: 0.40 at 7 s and 0.42 at 9 s. The quietest wins by
    # default; with a tolerance the later, nearly as quiet one is taken, so the final is
    # decided 2 s sooner after the audio it ends with.
    pattern = [(7.0, 0.9), (0.1, 0.40), (1.9, 0.9), (0.1, 0.42), (1.0, 0.9)]
    options = SegmenterOptions(max_utterance_s=10.0, soft_max_s=30.0, cut_lookback_s=4.0)
    strict = Segmenter(replace(options, cut_tolerance=0.0))
    tolerant = Segmenter(replace(options, cut_tolerance=0.05))
    (quietest,) = strict.feed(probs(pattern))
    (latest,) = tolerant.feed(probs(pattern))
    assert 7.0 <= quietest.end / SAMPLE_RATE <= 7.2
    assert 9.0 <= latest.end / SAMPLE_RATE <= 9.2


def test_force_close() -> None:
    seg = Segmenter()
    seg.feed(probs([(2.0, 0.9)]))
    closed = seg.force_close()
    assert closed is not None and closed.end > closed.start
    assert seg.force_close() is None


def test_local_agreement_commits_only_what_two_hypotheses_share() -> None:
    la = LocalAgreement()
    assert la.update(["очаг", "в", "правом"]) == ([], ["очаг", "в", "правом"])
    stable, tail = la.update(["Очаг", "в", "правом", "лёгком"])
    assert stable == ["Очаг", "в", "правом"] and tail == ["лёгком"]
    # A later hypothesis that disagrees cannot revoke committed words.
    stable, tail = la.update(["Отек", "в", "левом"])
    assert stable == ["Очаг", "в", "правом"] and tail == []


def _policy() -> StreamPolicy:
    seg = SegmenterOptions(min_silence_ms=600, max_utterance_s=30.0, soft_max_s=30.0)
    return StreamPolicy(PolicyOptions(segmenter=seg, partial_interval_s=1.0))


def _feed(policy: StreamPolicy, pattern: list[tuple[float, float]]) -> list[object]:
    jobs: list[object] = []
    for p in probs(pattern):
        jobs += policy.feed(np.full(CHUNK, 0.1, dtype=np.float32), [p])
    return jobs


def test_policy_emits_partials_then_one_final() -> None:
    policy = _policy()
    jobs = _feed(policy, [(0.5, 0.0), (3.5, 0.9), (1.0, 0.0)])
    partials = [j for j in jobs if isinstance(j, PartialJob)]
    finals = [j for j in jobs if isinstance(j, FinalJob)]
    # One per second of open utterance (3.5 s of speech + the pause that closes it).
    sizes = [p.audio.size for p in partials]
    assert len(partials) == 4
    assert all(abs(b - a - SAMPLE_RATE) <= CHUNK for a, b in itertools.pairwise(sizes))
    assert len(finals) == 1 and finals[0].utterance == 0
    assert finals[0].audio.size == finals[0].end - finals[0].start
    assert all(j.utterance == 0 for j in partials)


def _speculating() -> StreamPolicy:
    seg = SegmenterOptions(min_silence_ms=600, max_utterance_s=30.0, soft_max_s=30.0)
    return StreamPolicy(PolicyOptions(segmenter=seg, speculate_after_ms=200))


def test_a_pause_is_decoded_ahead_as_the_final_it_may_become() -> None:
    policy = _speculating()
    jobs = _feed(policy, [(0.5, 0.0), (3.0, 0.9), (1.0, 0.0)])
    (speculative,) = [j for j in jobs if isinstance(j, SpeculativeJob)]
    (final,) = [j for j in jobs if isinstance(j, FinalJob)]
    assert jobs.index(speculative) < jobs.index(final)  # 400 ms sooner: 200 ms of pause
    assert (speculative.utterance, speculative.start, speculative.end) == (
        final.utterance,
        final.start,
        final.end,
    )
    assert np.array_equal(speculative.audio, final.audio)


def test_speech_after_a_short_pause_makes_a_new_speculation() -> None:
    policy = _speculating()
    jobs = _feed(policy, [(2.0, 0.9), (0.3, 0.0), (2.0, 0.9), (1.0, 0.0)])
    speculative = [j for j in jobs if isinstance(j, SpeculativeJob)]
    (final,) = [j for j in jobs if isinstance(j, FinalJob)]
    assert len(speculative) == 2  # one per pause, not one per chunk of it
    assert speculative[0].end < final.end == speculative[1].end


def test_no_speculation_when_switched_off() -> None:
    seg = SegmenterOptions(min_silence_ms=600, max_utterance_s=30.0, soft_max_s=30.0)
    policy = StreamPolicy(PolicyOptions(segmenter=seg))  # off by default
    jobs = _feed(policy, [(3.0, 0.9), (1.0, 0.0)])
    assert not any(isinstance(j, SpeculativeJob) for j in jobs)


def test_silence_makes_no_jobs_and_keeps_no_audio() -> None:
    policy = _policy()
    assert _feed(policy, [(30.0, 0.02)]) == []
    assert policy.audio.kept <= SAMPLE_RATE + CHUNK  # only the onset margin is kept


def test_stale_partial_is_dropped_and_finals_never_change() -> None:
    policy = _policy()
    jobs = _feed(policy, [(2.5, 0.9)])
    partial = next(j for j in jobs if isinstance(j, PartialJob))
    final_job = policy.end_utterance()[0]
    assert isinstance(final_job, FinalJob)
    assert policy.on_partial(partial, "очаг в правом лёгком") is None
    final = policy.on_final(
        final_job,
        "Очаг в правом лёгком.",
        no_speech_prob=0.01,
        avg_logprob=-0.2,
        compression_ratio=1.2,
        words=(Word("Очаг", 0.1, 0.4, 0.9),),
    )
    assert final.text == "Очаг в правом лёгком." and final.words[0].start >= final.start_s


def test_prompt_carries_context_and_recent_finals() -> None:
    policy = StreamPolicy(
        PolicyOptions(context_prompt="КТ органов грудной клетки.", prompt_chars=30)
    )
    jobs = _feed(policy, [(2.0, 0.9), (1.0, 0.0)])
    job = next(j for j in jobs if isinstance(j, FinalJob))
    policy.on_final(
        job,
        "очень длинный первый текст про очаговые изменения лёгких",
        no_speech_prob=0.0,
        avg_logprob=-0.1,
        compression_ratio=1.0,
    )
    prompt = policy.prompt()
    assert prompt.startswith("КТ органов грудной клетки.")
    assert prompt.endswith("изменения лёгких") and "очень" not in prompt


def test_boundary_overlap_removed_only_after_forced_cut() -> None:
    policy = StreamPolicy(PolicyOptions(segmenter=SegmenterOptions(max_utterance_s=4.0)))
    jobs = _feed(policy, [(4.5, 0.9)])
    first = next(j for j in jobs if isinstance(j, FinalJob))
    assert first.forced
    policy.on_final(
        first, "определяется очаг размером", no_speech_prob=0, avg_logprob=-0.1, compression_ratio=1
    )
    second = policy.end_utterance()[0]
    assert isinstance(second, FinalJob)
    final = policy.on_final(
        second, "размером 5 мм.", no_speech_prob=0, avg_logprob=-0.1, compression_ratio=1
    )
    assert final.text == "5 мм."


def test_guards() -> None:
    assert strip_phantoms("Очаг 5 мм. Продолжение следует...") == "Очаг 5 мм."
    assert strip_phantoms("Субтитры сделал DimaTorzok") == ""
    assert collapse_repeats("очаг очаг очаг очаг в лёгком") == "очаг в лёгком"
    assert collapse_repeats("правой и левой правой и левой правой и левой почки") == (
        "правой и левой почки"
    )
    assert collapse_repeats("очаг, очаг в лёгком") == "очаг, очаг в лёгком"  # twice is speech
    assert drop_boundary_overlap("ствол лёгочной", "лёгочной артерии") == "артерии"
    assert drop_boundary_overlap("в", "в печени") == "в печени"  # too short to be sure
    assert clean_final("Спасибо.", no_speech_prob=0.9, avg_logprob=-1.5, compression_ratio=1) == ""
    loop = "да " * 60
    assert clean_final(loop, no_speech_prob=0.1, avg_logprob=-0.3, compression_ratio=9.0) == "да"
    assert (
        clean_final(
            "Печень не увеличена.", no_speech_prob=0.2, avg_logprob=-0.3, compression_ratio=1.1
        )
        == "Печень не увеличена."
    )


def test_a_loop_inside_a_word_is_a_loop() -> None:
    """Whisper's loops seen in streamed finals: a piece of a word repeated to the token cap
    (the window's text compresses to only 2.07 and splits into no repeated words), and a
    letter repeated over a whole window."""
    glued = "Они в резьма, восходящего отдела грудной арт" + "-э" * 30 + "-"
    assert is_loop(glued) and collapse_repeats(glued) == glued
    assert is_loop("Тип-плотности " + "С" * 80)
    assert is_loop("да " * 60)
    for speech in (
        "Дуга аорты 34 мм, нисходящий отдел 29 мм.",
        "Киста 11,1111 мм. Т2-ВИ, Т2-FLAIR. Очаг, очаг в лёгком.",
        "Консультация сердечно-сосудистого хирурга.",
    ):
        assert not is_loop(speech), speech


def test_guards_off_keep_every_word() -> None:
    off = GuardOptions(enabled=False)
    loop = "да " * 60
    kept = clean_final(loop, no_speech_prob=0.9, avg_logprob=-2, compression_ratio=9, options=off)
    assert kept == loop.strip()


def test_audio_buffer_slices_across_frames_and_trims() -> None:
    buf = AudioBuffer()
    for i in range(10):
        buf.append(np.arange(i * 100, (i + 1) * 100, dtype=np.float32))
    assert buf.slice(250, 420).tolist() == list(range(250, 420))
    buf.trim(330)  # whole frames before 330 go; the frame holding 330 stays
    assert buf.kept == 700
    assert buf.slice(0, 310).tolist() == list(range(300, 310))
    assert buf.slice(995, 2000).tolist() == list(range(995, 1000))
    assert buf.slice(2000, 3000).size == 0
