"""Batched decoding of short audio windows (utterances) with CTranslate2.

faster-whisper's ``transcribe`` handles one stream at a time and pads every window to 30 s. The
dictation server instead decodes the open windows of many sessions in one encoder call and one
decoder call, each window cut to its own length (rounded up to a bucket so that windows of
similar length batch together; see docs/streaming.md for the measured trade-off).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import ctranslate2
import numpy as np
from faster_whisper.tokenizer import Tokenizer

from asr.audio import SAMPLE_RATE, Samples
from asr.coverage import uncovered_inner_speech, uncovered_speech
from asr.engine import Engine, Word
from asr.guards import drop_boundary_overlap, is_loop

HOP = 160  # samples per mel frame
FRAMES_PER_SECOND = SAMPLE_RATE // HOP
MAX_FRAMES = 3000  # Whisper's 30 s window
TOKENS_PER_SECOND = FRAMES_PER_SECOND // 2  # the encoder halves the frame rate
N_FFT = 400  # samples per STFT window
MAX_TEXT_TOKENS = 448  # Whisper's decoder context
MIN_NEW_TOKENS = 8
MAX_PROMPT_TOKENS = MAX_TEXT_TOKENS // 2 - 1  # Whisper's limit for the previous-text prompt
MAX_RECOVERIES = 2
"""Times an uncovered tail is decoded again (each pass may stop early again)."""
TAIL_NO_SPEECH = 0.6
TAIL_LOGPROB = -1.0
"""A recovered tail the decoder itself takes for silence or noise is not kept."""
PROMPT_TOKENS = 96
"""Previous-text tokens given to the decoder. A fixed count, because CTranslate2 batches only
prompts of equal length: once a session has this much history, its windows batch with every
other session's."""


@dataclass(frozen=True)
class DecodeOptions:
    beam_size: int = 5
    num_hypotheses: int = 1
    word_timestamps: bool = False
    max_new_tokens: int = 200
    max_tokens_per_s: float = 0.0
    """Also cap the generated tokens at this many per second of window audio (0: no cap).
    Dictated Russian runs at 4.4–7.2 Whisper tokens per second (dev corpus); a window that
    decodes far more is looping, and a loop of 200 tokens costs a whole batch its latency."""
    temperature: float = 0.0
    """0: beam search; above 0, sampling at this temperature from the whole distribution
    (``beam_size`` is then ignored), as Whisper's temperature fallback does."""


@dataclass(frozen=True)
class DecodeRequest:
    audio: Samples
    prompt: str = ""
    """Text the window continues (previous finals, dictionary context); may be empty."""
    options: DecodeOptions = field(default_factory=DecodeOptions)
    prefix: str = ""
    """Words the window's transcript is known to start with (a partial's stable words): the
    decoder is forced through them and only generates what follows."""


@dataclass(frozen=True)
class Hypothesis:
    text: str
    score: float


@dataclass(frozen=True)
class DecodeResult:
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: tuple[Word, ...] = ()
    hypotheses: tuple[Hypothesis, ...] = ()
    """All n-best hypotheses, best first (the first one is ``text``)."""
    tokens: tuple[int, ...] = ()
    """The best hypothesis's text token ids (forced prefix included, end of text excluded)."""


def compression_ratio(text: str) -> float:
    """Whisper's repetition signal: highly compressible text is usually a decoding loop."""
    data = text.encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(zlib.compress(data))


@dataclass(frozen=True)
class WindowPolicy:
    """How a window's mel features are sized before the encoder."""

    bucket_s: float = 2.0
    """Round window length up to a multiple of this (0: pad every window to 30 s)."""
    min_s: float = 10.0
    """Windows shorter than this are padded up to it: too short a context confuses Whisper."""
    margin_s: float = 2.0
    """Silence after the speech: Whisper stops early or loops when speech runs to the edge."""

    def frames(self, n_samples: int) -> int:
        if self.bucket_s <= 0:
            return MAX_FRAMES
        seconds = max(n_samples / SAMPLE_RATE + self.margin_s, self.min_s)
        buckets = math.ceil(seconds / self.bucket_s)
        return int(min(MAX_FRAMES, buckets * self.bucket_s * FRAMES_PER_SECOND))


class WindowDecoder:
    """Decodes batches of windows on one engine. Not thread-safe: one inference thread owns it."""

    def __init__(self, engine: Engine, policy: WindowPolicy | None = None) -> None:
        self.engine = engine
        self.policy = policy or WindowPolicy()
        self.model = engine.model
        self.tokenizer = Tokenizer(
            engine.model.hf_tokenizer,
            True,
            task="transcribe",
            language=engine.options.language,
        )
        self.feature_extractor = engine.model.feature_extractor

    def batch_key(self, request: DecodeRequest) -> tuple[DecodeOptions, int, int]:
        """Requests decoded together share options, window size and the position of the
        start-of-transcript token (CTranslate2 needs it at one position; the forced prefixes
        after it may differ in length). A window's text then does not depend on which other
        windows it happened to be batched with."""
        frames = self.policy.frames(request.audio.size)
        return request.options, frames, len(self.previous_tokens(request.prompt))

    def features(self, audio: Samples, frames: int) -> np.ndarray:
        # Zero padding up to the window (plus one STFT window) gives the kept frames exactly the
        # values of Whisper's 30 s padding — zeros never raise the log-mel maximum — at a
        # fraction of the cost: 4 ms instead of 26 ms for a 12 s window on one core.
        padding = max(frames * HOP - audio.size, 0) + N_FFT
        mel = self.feature_extractor(audio, padding=padding)
        mel = mel[:, :frames]
        if mel.shape[1] < frames:
            mel = np.pad(mel, ((0, 0), (0, frames - mel.shape[1])))
        return np.asarray(mel, dtype=np.float32)

    def previous_tokens(self, prompt: str) -> list[int]:
        """The previous-text part of the prompt, before the start-of-transcript token."""
        if not prompt.strip():
            return []
        previous = self.tokenizer.encode(" " + prompt.strip())[-PROMPT_TOKENS:]
        return [self.tokenizer.sot_prev, *previous]

    def prompt_tokens(self, prompt: str, prefix: str = "") -> list[int]:
        start = [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
        return [*self.previous_tokens(prompt), *start, *self._forced(prefix)]

    def _forced(self, prefix: str) -> list[int]:
        return list(self.tokenizer.encode(" " + prefix.strip())) if prefix.strip() else []

    def decode(self, requests: list[DecodeRequest], *, _depth: int = 0) -> list[DecodeResult]:
        """Decode windows that share one option set (the scheduler groups them). With word
        timestamps, speech after the last word (an early end of text) is decoded again."""
        if not requests:
            return []
        if len({self.batch_key(r) for r in requests}) > 1:
            raise ValueError("decode() takes one batch key at a time (see batch_key)")
        opts = requests[0].options
        frames = max(self.policy.frames(r.audio.size) for r in requests)
        batch = np.stack([self.features(r.audio, frames) for r in requests])
        encoded = self.model.model.encode(ctranslate2.StorageView.from_array(batch))
        prompts = [self.prompt_tokens(r.prompt, r.prefix) for r in requests]
        new_tokens = _new_tokens(requests, opts)
        max_length = max(
            _max_length(len(p), len(self._forced(r.prefix)), new_tokens)
            for p, r in zip(prompts, requests, strict=True)
        )
        sampling = (
            {"sampling_topk": 0, "sampling_temperature": opts.temperature}
            if opts.temperature > 0
            else {}
        )
        results = self.model.model.generate(
            encoded,
            prompts,
            beam_size=1 if sampling else opts.beam_size,
            num_hypotheses=max(1, opts.num_hypotheses),
            return_scores=True,
            return_no_speech_prob=True,
            max_length=max_length,
            suppress_blank=True,
            suppress_tokens=[-1],
            **sampling,
        )
        out: list[DecodeResult] = []
        for request, result in zip(requests, results, strict=True):
            forced = self._forced(request.prefix)
            hyps = tuple(
                # Decoded as one sequence, so that a continuation glued to the last forced
                # word reads as one word, exactly as in the word timestamps.
                Hypothesis(text=self._text([*forced, *_after(forced, ids)]), score=float(score))
                for ids, score in zip(result.sequences_ids, result.scores, strict=False)
            )
            text = hyps[0].text if hyps else ""
            best = [*forced, *_after(forced, result.sequences_ids[0])] if hyps else []
            # CTranslate2 scores are length-normalised log probabilities.
            out.append(
                DecodeResult(
                    text=text,
                    avg_logprob=hyps[0].score if hyps else -10.0,
                    no_speech_prob=float(result.no_speech_prob),
                    compression_ratio=compression_ratio(text),
                    hypotheses=hyps,
                    words=(),
                    tokens=tuple(t for t in best if t < self.tokenizer.eot),
                )
            )
        if opts.word_timestamps:
            out = self._add_words(requests, encoded, results, out)
            if _depth == 0:
                out = [self._recover_inner(q, r) for q, r in zip(requests, out, strict=True)]
            if _depth < MAX_RECOVERIES:
                out = [self._recover_tail(q, r, _depth) for q, r in zip(requests, out, strict=True)]
        return out

    def _recover_inner(self, request: DecodeRequest, result: DecodeResult) -> DecodeResult:
        """``result``, or the window decoded again without the previous text when ``result``
        skipped speech inside the window or loops. A skipped or repeated phrase comes from the
        prompt: the decoder continues the previous text instead of hearing the audio; so does
        a loop, more often than not (a looping final, once in the prompt, makes the next window
        loop too), and a window that stays a loop is dropped whole by the guards."""
        if not request.prompt.strip() or not result.words:
            return result
        looping = is_loop(result.text)
        missing = 0.0 if looping else uncovered_inner_speech(request.audio, result.words)
        if not looping and missing <= 0:
            return result
        again = DecodeRequest(request.audio, "", request.options, request.prefix)
        retry = self.decode([again], _depth=MAX_RECOVERIES)[0]
        if looping:
            return retry if retry.words and not is_loop(retry.text) else result
        if not retry.words or uncovered_inner_speech(request.audio, retry.words) >= missing:
            return result
        return retry

    def _recover_tail(
        self, request: DecodeRequest, result: DecodeResult, depth: int
    ) -> DecodeResult:
        """``result`` continued by the decode of the speech its words do not cover, if any."""
        start = uncovered_speech(request.audio, result.words)
        if start is None:
            return result
        prompt = f"{request.prompt} {result.text}".strip()
        tail_request = DecodeRequest(request.audio[start:], prompt, request.options)
        tail = self.decode([tail_request], _depth=depth + 1)[0]
        text = drop_boundary_overlap(result.text, tail.text)
        if not text or tail.no_speech_prob > TAIL_NO_SPEECH or tail.avg_logprob < TAIL_LOGPROB:
            return result  # noise, or the decoder hears nothing there either
        if is_loop(tail.text):
            return result  # a loop, not what was said
        dropped = len(tail.text.split()) - len(text.split())
        offset = start / SAMPLE_RATE
        moved = tuple(
            Word(w=w.w, start=round(w.start + offset, 2), end=round(w.end + offset, 2), p=w.p)
            for w in tail.words[dropped:]
        )
        merged = f"{result.text} {text}"
        return DecodeResult(
            text=merged,
            avg_logprob=min(result.avg_logprob, tail.avg_logprob),
            no_speech_prob=result.no_speech_prob,
            compression_ratio=compression_ratio(merged),
            words=(*result.words, *moved),
            hypotheses=result.hypotheses,
            tokens=(*result.tokens, *tail.tokens),
        )

    def _text(self, ids: list[int]) -> str:
        return str(self.tokenizer.decode([t for t in ids if t < self.tokenizer.eot])).strip()

    def _add_words(
        self,
        requests: list[DecodeRequest],
        encoded: ctranslate2.StorageView,
        results: list[ctranslate2.models.WhisperGenerationResult],
        decoded: list[DecodeResult],
    ) -> list[DecodeResult]:
        token_lists = []
        for q, r in zip(requests, results, strict=True):
            forced = self._forced(q.prefix)
            generated = _after(forced, r.sequences_ids[0])
            token_lists.append([*forced, *(t for t in generated if t < self.tokenizer.eot)])
        num_frames = [min(MAX_FRAMES, r.audio.size // HOP) for r in requests]
        alignments = self.model.model.align(
            encoded, self.tokenizer.sot_sequence, token_lists, num_frames
        )
        out: list[DecodeResult] = []
        for tokens, alignment, result in zip(token_lists, alignments, decoded, strict=True):
            out.append(_with_words(result, self._words(tokens, alignment)))
        return out

    def _words(
        self, tokens: list[int], alignment: ctranslate2.models.WhisperAlignmentResult
    ) -> tuple[Word, ...]:
        if not tokens:
            return ()
        words, word_tokens = self.tokenizer.split_to_word_tokens([*tokens, self.tokenizer.eot])
        if len(word_tokens) <= 1:
            return ()
        pairs = alignment.alignments
        if not pairs:  # no audio frames to align against (an empty window)
            return ()
        text_idx = np.array([p[0] for p in pairs])
        time_idx = np.array([p[1] for p in pairs])
        jumps = np.pad(np.diff(text_idx), (1, 0), constant_values=1).astype(bool)
        jump_times = time_idx[jumps] / TOKENS_PER_SECOND
        bounds = np.pad(np.cumsum([len(t) for t in word_tokens[:-1]]), (1, 0))
        probs = alignment.text_token_probs
        out: list[Word] = []
        for i, word in enumerate(words[:-1]):  # the last "word" is the end-of-text token
            lo, hi = int(bounds[i]), int(bounds[i + 1])
            if not word.strip() or lo >= len(jump_times):
                continue
            start = float(jump_times[lo])
            end = float(jump_times[min(hi, len(jump_times) - 1)])
            p = float(np.mean(probs[lo:hi])) if hi > lo else 0.0
            out.append(
                Word(w=word.strip(), start=round(start, 2), end=round(end, 2), p=round(p, 3))
            )
        return tuple(out)


def _after(forced: list[int], ids: list[int]) -> list[int]:
    """The generated tokens: CTranslate2 returns the forced prefix as part of the sequence."""
    return ids[len(forced) :] if forced and ids[: len(forced)] == forced else ids


def _max_length(prompt: int, forced: int, new_tokens: int) -> int:
    """CTranslate2's ``max_length`` for ``new_tokens`` after a prompt of ``prompt`` tokens that
    ends with ``forced`` prefix tokens. Whisper's generate lets the decoding loop run
    min(max_length / 2, max_length - start step) steps, the forced tokens included, where the
    start step is the prompt's length up to ``<|notimestamps|>`` minus one. Without previous
    text the half is the tighter bound, so a plain ``prompt + new`` would halve the budget."""
    steps = forced + new_tokens
    return min(MAX_TEXT_TOKENS, max(2 * steps, prompt + new_tokens))


def _new_tokens(requests: list[DecodeRequest], opts: DecodeOptions) -> int:
    if opts.max_tokens_per_s <= 0:
        return opts.max_new_tokens
    longest_s = max(r.audio.size for r in requests) / SAMPLE_RATE
    by_length = max(MIN_NEW_TOKENS, math.ceil(longest_s * opts.max_tokens_per_s))
    return min(opts.max_new_tokens, by_length)


def _with_words(result: DecodeResult, words: tuple[Word, ...]) -> DecodeResult:
    return DecodeResult(
        text=result.text,
        avg_logprob=result.avg_logprob,
        no_speech_prob=result.no_speech_prob,
        compression_ratio=result.compression_ratio,
        words=words,
        hypotheses=result.hypotheses,
        tokens=result.tokens,
    )
