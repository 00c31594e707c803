"""Slips by ear outside the dictionaries: «застойа» → «застоя», «винозного» → «венозного».

The near-miss corrector matches unknown words against the specialty dictionaries; an ordinary
word the recogniser spelt as it sounds has no dictionary form to meet. Here the candidates are
the word with its iotated vowels written as letters («йа» → «я»), and every word one edit away
(a letter dropped, added, changed, or two swapped) that Russian morphology (OpenCorpora,
through pymorphy3) knows as it is, not by guessing, and that is no proper name. The recogniser
errs by sound, so a candidate must sound like the word (``phonetic_key``), and the slip is
mended only when exactly one such word exists: two make it a guess.
"""

from __future__ import annotations

import re
from functools import lru_cache

from vocabularies.lexicon import morphology as _morph
from vocabularies.phonetic import phonetic_key

_LETTERS = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
_IOTATED = {"йа": "я", "йу": "ю", "йо": "ё", "йэ": "е"}
_IOTATED_RE = re.compile("|".join(_IOTATED))
_PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr"})
MIN_LENGTH = 6
"""Shorter words have too many neighbours one letter away to pick one."""


def _one_edit(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    dropped = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changed = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    added = {a + c + b for a, b in splits for c in _LETTERS}
    return (dropped | swapped | changed | added) - {word}


def _common_word(word: str) -> bool:
    morph = _morph()
    if not morph.word_is_known(word):
        return False
    return not any(parse.tag.grammemes & _PROPER for parse in morph.parse(word))


@lru_cache(maxsize=16384)
def sound_alike_word(word: str) -> str | None:
    """The one common word form that sounds like ``word`` and is spelt at most one edit from
    it (lower case), or None when there is none or more than one."""
    folded = word.lower().replace("ё", "е")
    if len(folded) < MIN_LENGTH or not folded.isalpha() or _morph().word_is_known(folded):
        return None
    respelt = _IOTATED_RE.sub(lambda match: _IOTATED[match[0]], folded)
    if respelt != folded and _common_word(respelt):
        return respelt
    key = phonetic_key(folded)
    found = [
        candidate
        for candidate in _one_edit(folded)
        if phonetic_key(candidate) == key and _common_word(candidate)
    ]
    return found[0] if len(found) == 1 else None
