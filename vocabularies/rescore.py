"""Choose among Whisper's n-best hypotheses with the active dictionaries."""

from __future__ import annotations

import re
from collections.abc import Sequence

from vocabularies.lexicon import is_ordinary_word
from vocabularies.loader import Vocabulary

_WORD = re.compile(r"[а-яёА-ЯЁ]+(?:-[а-яёА-ЯЁ]+)*")
TERM_BONUS = 0.3
"""Average log-probability a hypothesis may lose for being made only of dictionary words."""
UNKNOWN_PENALTY = 0.5
"""…and what it loses for being made only of words no dictionary or morphology knows."""


def rescore(hypotheses: Sequence[tuple[str, float]], dictionaries: Vocabulary) -> int:
    """Index of the best (text, avg_logprob) hypothesis; ties keep Whisper's order."""
    if not hypotheses:
        raise ValueError("rescore needs at least one hypothesis")
    best_index, best_score = 0, float("-inf")
    for position, (text, logprob) in enumerate(hypotheses):
        words = _WORD.findall(text)
        score = logprob
        if words:
            hits = sum(word in dictionaries.index for word in words)
            unknown = sum(
                word not in dictionaries.index and not is_ordinary_word(word) for word in words
            )
            score += (TERM_BONUS * hits - UNKNOWN_PENALTY * unknown) / len(words)
        if score > best_score:
            best_index, best_score = position, score
    return best_index
