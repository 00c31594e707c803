"""The "ordinary word" guard: words Russian morphology or the medical/general lexicon knows.

A known word is never corrected on its own: Whisper's real-word errors cannot be told from
what the doctor said without context, and a false correction costs more than a missed one.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

import pymorphy3

DATA = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=1)
def ordinary_lemmas() -> frozenset[str]:
    with gzip.open(DATA / "ordinary_lemmas.txt.gz", "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


@lru_cache(maxsize=131072)
def is_ordinary_word(word: str) -> bool:
    """Known to OpenCorpora morphology, or its lemma is in the medspellchecker lexicon."""
    folded = word.lower()
    morph = _morph()
    if morph.word_is_known(folded):
        return True
    lemmas = ordinary_lemmas()
    return any(
        parse.normal_form.replace("ё", "е") in lemmas or parse.normal_form in lemmas
        for parse in morph.parse(folded)[:2]
    )
