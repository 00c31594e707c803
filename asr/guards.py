"""Guards against Whisper's failure modes on live audio (pure text/score checks).

Whisper invents text on silence and noise («Продолжение следует...», subtitle credits), loops
on a phrase, and — when a window is cut inside a phrase — repeats the words on both sides of
the cut. Each guard is a small function so that the policy can apply and test them one by one.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

# Phrases Whisper produces from silence/noise in Russian (learned from subtitle training data).
PHANTOM_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"продолжение следует\.*",
        r"субтитры (?:сделал|делал|создавал|подготовил|создал)[^.!?]*[.!?]?",
        r"редактор субтитров[^.!?]*[.!?]?",
        r"корректор [а-яё]\.\s*[а-яё]+[.!?]?",
        r"спасибо за просмотр[!.]*",
        r"подписывайтесь на (?:наш )?канал[!.]*",
        r"ставьте лайки[^.!?]*[.!?]?",
        r"до новых встреч[!.]*",
        r"\[(?:музыка|аплодисменты|смех|шум)[^\]]*\]",
        r"\((?:музыка|аплодисменты|смех|шум)[^)]*\)",
        r"(?:динамичная|спокойная|грустная|весёлая|веселая) музыка[.!]*",
        r"dimatorzok",
        r"amara\.org[^.!?]*[.!?]?",
    )
)

_WORD = re.compile(r"\w+", re.UNICODE)
_GLUED_REPEAT = re.compile(r"(\S{1,8}?)\1{4,}")
"""A piece of a word repeated five times or more in a row («арт-э-э-э-э-э», «СССССС»)."""


@dataclass(frozen=True)
class GuardOptions:
    enabled: bool = True
    """Off only to profile compute with random-weight models, whose text is noise."""
    no_speech_prob: float = 0.6
    """With a low log probability, above this the window is taken as silence."""
    low_logprob: float = -1.0
    compression_ratio: float = 2.4
    """Above this the text is a decoding loop."""
    max_repeats: int = 2
    """An n-gram repeated more often in a row than this is collapsed."""


def is_silence(no_speech_prob: float, avg_logprob: float, o: GuardOptions) -> bool:
    return no_speech_prob > o.no_speech_prob and avg_logprob < o.low_logprob


def strip_phantoms(text: str) -> str:
    for pattern in PHANTOM_PATTERNS:
        text = pattern.sub(" ", text)
    return re.sub(r"\s{2,}", " ", text).strip(" ,")


def _norm(token: str) -> str:
    return token.lower().replace("ё", "е").strip(".,:;!?«»\"'()-")


def collapse_repeats(text: str, max_repeats: int = 2, max_n: int = 6) -> str:
    """Collapse an n-gram repeated more than ``max_repeats`` times in a row to one copy."""
    tokens = text.split()
    changed = True
    while changed:
        changed = False
        for n in range(1, max_n + 1):
            i = 0
            while i + n * (max_repeats + 1) <= len(tokens):
                gram = [_norm(t) for t in tokens[i : i + n]]
                reps = 1
                while [_norm(t) for t in tokens[i + reps * n : i + (reps + 1) * n]] == gram:
                    reps += 1
                if reps > max_repeats and any(gram):
                    del tokens[i + n : i + reps * n]
                    changed = True
                i += 1
    return " ".join(tokens)


def drop_boundary_overlap(previous: str, text: str, max_words: int = 4) -> str:
    """Remove words at the start of ``text`` that repeat the end of ``previous``.

    Only for windows cut without a pause: the decoder of each side may hear the word on the cut.
    """
    prev = [_norm(t) for t in previous.split()]
    cur = text.split()
    cur_norm = [_norm(t) for t in cur]
    for k in range(min(max_words, len(prev), len(cur)), 0, -1):
        if prev[-k:] == cur_norm[:k] and any(len(w) > 2 for w in prev[-k:]):
            return " ".join(cur[k:])
    return text


def is_loop(text: str, max_compression: float = 2.4) -> bool:
    """Whether ``text`` is a decoding loop: it compresses like one (Whisper's own test), or a
    piece of a word repeats five times or more in a row («дуга арт-э-э-э-э-э-э…»), which
    neither the words nor the compression of a mostly sane window show."""
    if _compression(text) > max_compression:
        return True
    return any(any(ch.isalpha() for ch in m.group(1)) for m in _GLUED_REPEAT.finditer(text))


def clean_final(
    text: str,
    *,
    no_speech_prob: float,
    avg_logprob: float,
    compression_ratio: float,
    options: GuardOptions | None = None,
) -> str:
    """The text of a final window after all guards; empty when it should be dropped."""
    o = options or GuardOptions()
    if not o.enabled:
        return text.strip()
    if is_silence(no_speech_prob, avg_logprob, o):
        return ""
    text = collapse_repeats(strip_phantoms(text), o.max_repeats)
    if compression_ratio > o.compression_ratio and _compression(text) > o.compression_ratio:
        return ""  # still a loop after collapsing: nothing in it can be trusted
    if not _WORD.search(text):
        return ""
    return text


def _compression(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0
