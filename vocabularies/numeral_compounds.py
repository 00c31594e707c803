"""«2-сторонние» → «двусторонние»: a compound whose first part the recogniser wrote in digits.

Whisper writes the numeral stem of a compound adjective as a figure («2-сторонний»,
«3-фазное», «2-х камерный»). The figure's combining stems («дву», «двух» …) live in
``data/word_rules.json``; the first stem that makes a valid word with the rest is taken, so
no word is invented. Only with the recogniser's evidence: in typed text «2-сторонний» is the
writer's own shorthand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from vocabularies.corrector import Replacement
from vocabularies.rules import numeral_stems

SOURCE = "numeral_compound"
_FIGURE_COMPOUND = re.compile(r"(\d{1,3})(?:-х)?-([а-яё]{4,})", re.IGNORECASE)
_FIGURE_ALONE = re.compile(r"(\d{1,3})-х", re.IGNORECASE)


class NumeralCompounds:
    """Finds «2-сторонний» and «2-х сторонний»; ``None`` items are skipped."""

    def __init__(self, is_valid: Callable[[str], bool]) -> None:
        self.is_valid = is_valid

    def _word(self, figure: str, rest: str) -> str | None:
        for stem in numeral_stems().get(figure, ()):
            if self.is_valid(stem + rest.lower()):
                return stem + rest
        return None

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found = []
        for index, word in enumerate(words):
            if word is None:
                continue
            joined = _FIGURE_COMPOUND.fullmatch(word)
            if joined is not None:
                made = self._word(joined[1], joined[2])
                if made is not None:
                    found.append(Replacement(index, index + 1, word, made, 1.0, SOURCE))
                continue
            alone = _FIGURE_ALONE.fullmatch(word)
            following = words[index + 1] if index + 1 < len(words) else None
            if alone is not None and following is not None and following.isalpha():
                made = self._word(alone[1], following)
                if made is not None:
                    raw = f"{word} {following}"
                    found.append(Replacement(index, index + 2, raw, made, 1.0, SOURCE))
        return found
