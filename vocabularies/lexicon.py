"""The "ordinary word" guard: words Russian morphology or the medical/general lexicon knows.

A known word is never corrected on its own: Whisper's real-word errors cannot be told from
what the doctor said without context, and a false correction costs more than a missed one.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pymorphy3

from vocabularies.rules import word_rules

DATA = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=1)
def morphology() -> pymorphy3.MorphAnalyzer:
    """The one Russian morphological analyser of the process (its dictionaries are loaded
    once and shared by every stage that parses words)."""
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=1)
def ordinary_lemmas() -> frozenset[str]:
    with gzip.open(DATA / "ordinary_lemmas.txt.gz", "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


@lru_cache(maxsize=131072)
def is_ordinary_word(word: str) -> bool:
    """Known to OpenCorpora morphology, or its lemma is in the medspellchecker lexicon."""
    folded = word.lower()
    morph = morphology()
    if morph.word_is_known(folded):
        return True
    lemmas = ordinary_lemmas()
    return any(
        parse.normal_form.replace("ё", "е") in lemmas or parse.normal_form in lemmas
        for parse in morph.parse(folded)[:2]
    )


_MIN_PREFIXED_REST = 4


def is_valid_form(word: str, is_known: Callable[[str], bool]) -> bool:
    """A word form a doctor may have meant: ``is_known`` (the dictionaries and morphology), an
    adverb of such an adjective («метаболически»), or a known combining prefix before such a
    word («дообследование», «внутрипочечного», «криолечение»): prefixes and adverbs make
    words no dictionary lists."""
    folded = word.lower().replace("ё", "е")
    if is_known(folded) or _adverb_of_known_adjective(folded, is_known):
        return True
    for prefix in _combining_prefixes():
        rest = folded[len(prefix) :]
        if folded.startswith(prefix) and len(rest) >= _MIN_PREFIXED_REST and is_known(rest):
            return True
    return False


# Adverbs Russian makes from any adjective: «метаболически» (метаболический), «субплеврально»
# (субплевральный). A dictionary lists the adjective; the adverb is as valid.
_ADVERB_ENDINGS = (("ски", "ский"), ("но", "ный"), ("то", "тый"))
_MIN_ADVERB = 6


def _adverb_of_known_adjective(word: str, is_known: Callable[[str], bool]) -> bool:
    if len(word) < _MIN_ADVERB:
        return False
    return any(
        word.endswith(ending) and is_known(word[: -len(ending)] + adjective)
        for ending, adjective in _ADVERB_ENDINGS
    )


@lru_cache(maxsize=1)
def _combining_prefixes() -> tuple[str, ...]:
    return tuple(sorted(word_rules()["combining_prefixes"], key=len, reverse=True))
