"""The recogniser's word probabilities, attached to the text pipeline's tokens.

A final's text is its words joined, but tokenisation splits and joins differently («КТ-
признаки», «5,5», punctuation glued to words); tokens and words are aligned on their letters
and digits alone. A token gets the lowest probability of the words it overlaps; one that
cannot be aligned gets none (and is then treated as text without audio).
"""

from __future__ import annotations

from collections.abc import Sequence

from structuring.itn.tokens import Token

WordProbability = tuple[str, float]
"""(word as recognised, probability 0–1)."""
_MAX_SKIP = 24
"""Letters of recognised words the tokens may lack (e.g. dropped by a guard) before giving up."""


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower().replace("ё", "е") if ch.isalnum())


def attach_probabilities(tokens: Sequence[Token], words: Sequence[WordProbability]) -> None:
    """Set ``token.p`` for every word token aligned to ``words`` (in place)."""
    stream: list[str] = []
    owner: list[int] = []
    for index, (text, _) in enumerate(words):
        letters = _letters(text)
        stream.append(letters)
        owner += [index] * len(letters)
    joined = "".join(stream)
    position = 0
    for token in tokens:
        if token.kind != "word":
            continue
        letters = _letters(token.text)
        if not letters:
            continue
        found = joined.find(letters, position, position + len(letters) + _MAX_SKIP)
        if found < 0:
            token.p = None
            continue
        covered = {owner[i] for i in range(found, found + len(letters))}
        token.p = min(words[i][1] for i in covered)
        position = found + len(letters)
