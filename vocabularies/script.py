"""Words Whisper spelled half in Latin letters («метastатического», «проектs», «zа»).

Its byte-level tokens sometimes switch alphabet inside a Russian word. No Russian word mixes
the two alphabets within one run of letters (hyphenated «T2-взвешенных» and «КТ-признаки» are
separate runs), so the Latin letters are read as Russian sounds; the near-miss corrector
then sees a Cyrillic word it can match. Reported as a correction like any other change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vocabularies.corrector import Replacement

SOURCE = "script"
_LATIN = re.compile(r"[a-zA-Z]")
_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")
_LETTERS = str.maketrans(
    {
        "a": "а",
        "b": "б",
        "c": "с",
        "d": "д",
        "e": "е",
        "f": "ф",
        "g": "г",
        "h": "х",
        "i": "и",
        "j": "й",
        "k": "к",
        "l": "л",
        "m": "м",
        "n": "н",
        "o": "о",
        "p": "п",
        "q": "к",
        "r": "р",
        "s": "с",
        "t": "т",
        "u": "у",
        "v": "в",
        "w": "в",
        "x": "кс",
        "y": "ы",
        "z": "з",
    }
)


_ROMAN_PREFIX = re.compile(r"(?:[IVX]+|[IVXLC]{2,})[а-яё]")
"""«IIгруппа», «IIIст»: a Roman numeral glued to a word, not a misspelled letter."""


def _cyrillic(run: str) -> str:
    if not (_LATIN.search(run) and _CYRILLIC.search(run)):
        return run
    if any(ch.isdigit() for ch in run) or _ROMAN_PREFIX.match(run):
        return run  # «р1T3N1M0», «IIгруппа»: a code or a numeral, not a word
    lower = run.lower().translate(_LETTERS)
    # Keep the capitals where they were («Cотек» → «Сотек»); «x» may have become two letters.
    if len(lower) != len(run):
        return lower[:1].upper() + lower[1:] if run[:1].isupper() else lower
    return "".join(
        new.upper() if old.isupper() else new for old, new in zip(run, lower, strict=True)
    )


def to_cyrillic(word: str) -> str:
    """``word`` with each mixed-alphabet run of letters spelled in Cyrillic."""
    return "-".join(_cyrillic(run) for run in word.split("-"))


class MixedScriptRepair:
    """Finds words with a mixed-alphabet run; ``None`` items are skipped."""

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found = []
        for index, word in enumerate(words):
            if word is None:
                continue
            fixed = to_cyrillic(word)
            if fixed != word:
                found.append(Replacement(index, index + 1, word, fixed, 1.0, SOURCE))
        return found
