"""«левого-то за бедренного»: Whisper writes a misheard first syllable as the particle «-то».

The colloquial particle has no place in a dictated report, and as part of the word before it
it hides the syllable from the compound rules («то за бедренного» → «тазобедренного»). It is
split off as a word of its own; the corrector then decides what it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vocabularies.corrector import Replacement
from vocabularies.grammar import is_nominal

SOURCE = "particle"
_WITH_PARTICLE = re.compile(r"([а-яёА-ЯЁ]{3,})-(то)")


class ParticleSplit:
    """Finds «word-то»; ``None`` items are skipped."""

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found = []
        for index, word in enumerate(words):
            match = _WITH_PARTICLE.fullmatch(word) if word is not None else None
            # «где-то», «какого-то» are words; «левого-то» is a noun phrase and a syllable
            if match is not None and is_nominal(match.group(1)):
                text = f"{match.group(1)} {match.group(2)}"
                found.append(Replacement(index, index + 1, str(word), text, 1.0, SOURCE))
        return found
