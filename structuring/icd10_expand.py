"""Word-formation links between how a conclusion is written and how МКБ-10 names things.

A radiologist writes «нижнедолевая пневмония», «L1», «аденома», «мозговой артерии»; the
classification says «долевая пневмония», «поясничного позвонка», «доброкачественное
новообразование», «инфаркт мозга». Four mechanisms of Russian
word formation bridge them, each checked against the index's own vocabulary so that nothing
is invented:

- *compound adjectives*: a stem, a linking «о»/«е» and an adjective the index knows
  («нижне-долевой», «грудо-поясничный», «поли-сегментарный»);
- *vertebra labels*: a spinal level names its region (C → шейный, Th → грудной,
  L → поясничный, S → крестцовый; the letters live in ``icd10_cues.json``);
- *tumour names*: a one-word tumour name of МКБ-О (FNSI 11.1486: «аденома» 8140/0,
  «липосаркома» 8850/3) stands for the behaviour МКБ-10 names use («доброкачественное
  новообразование», «злокачественное …»); a name МКБ-О gives two behaviours is left alone;
- *relative adjectives of organs*: an adjective built on an organ's name with -ов-/-ев-/-н-/-ск-
  leads to that organ («мозговой» → «мозг», «тазовый» → «таз»), only when the noun is in the
  anatomy directory (FNSI 11.1477): «лучевой» is no «луч», «фиброзный» no «фиброз».
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache

from semd_templates import nsi
from structuring.icd10_text import cues, lemmas

# The linking vowel of a Russian compound, then at least this much of a second word.
_MIN_TAIL = 5
_MIN_HEAD = 2
_LINKING_VOWELS = ("о", "е")
# Suffixes of relative adjectives, longest first («мозг-ов-ой», «дол-ев-ой», «кост-н-ый»).
_RELATIVE_SUFFIXES = ("овой", "овый", "евой", "евый", "ской", "ский", "ной", "ный")
_MIN_NOUN = 3
_LABEL_RE = re.compile(r"^([a-z]+)(\d{1,2})$")
# «Аденома, БДУ», «Трихофолликулома(С44._)»: the qualifier and the site hint are no name.
_ASIDE_RE = re.compile(r",\s*БДУ|\(.*?\)")


@cache
def _vertebra_regions() -> dict[str, tuple[str, ...]]:
    regions: dict[str, list[str]] = cues()["vertebra_regions"]
    return {letter: tuple(words) for letter, words in regions.items()}


@cache
def tumour_names() -> dict[str, tuple[str, ...]]:
    """Lemma of a one-word МКБ-О tumour name → the МКБ-10 wording of its behaviour."""
    wording: dict[str, str] = cues()["tumour_behaviour"]
    behaviours: dict[str, set[str]] = {}
    for code, entry in nsi.morphology().items():
        words = lemmas(_ASIDE_RE.sub("", entry.name))
        if len(words) == 1:
            behaviours.setdefault(words[0], set()).add(code.rsplit("/", 1)[1])
    return {
        name: tuple(lemmas(wording[digit]))
        for name, digits in behaviours.items()
        if len(digits) == 1 and (digit := next(iter(digits))) in wording
    }


def compound_tail(word: str, vocabulary: Collection[str]) -> str | None:
    """The word a compound ends with («нижне-долевой», «адено-гипофиз», «микро-аденома»),
    when ``vocabulary`` knows it (a compound the index knows too, «тонкокишечный», still
    leads to its last word: the query keeps such links as secondary)."""
    for cut in range(_MIN_HEAD, len(word) - _MIN_TAIL):
        if word[cut] in _LINKING_VOWELS:
            tail = word[cut + 1 :]
            if tail in vocabulary:
                return tail
    return None


def organ_noun(word: str, anatomy: Collection[str]) -> str | None:
    """The organ a relative adjective is made from, when the anatomy directory names it."""
    for suffix in _RELATIVE_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_NOUN:
            noun = word[: -len(suffix)]
            return noun if noun in anatomy else None
    return None


def vertebra_region(word: str) -> tuple[str, ...]:
    """«l1» → the words of its region («поясничный», «позвонок»); other words → ()."""
    label = _LABEL_RE.match(word)
    if label is None:
        return ()
    return _vertebra_regions().get(label[1], ())


def expansions(word: str, vocabulary: Collection[str], anatomy: Collection[str]) -> set[str]:
    """Index words that ``word`` stands for besides itself. ``vocabulary``: the index's words
    and the tumour names (a compound may end with either: «микро-аденома»)."""
    found = set(vertebra_region(word))
    tumours = tumour_names()
    tail = compound_tail(word, vocabulary)
    if tail:
        found.add(tail)
    for name in (word, tail):
        if name in tumours:
            found.update(tumours[name])
    noun = organ_noun(word, anatomy)
    if noun:
        found.add(noun)
    return found
