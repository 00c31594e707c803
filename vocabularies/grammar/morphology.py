"""Morphology shared by the grammar repairs: readings (pymorphy3), cases prepositions govern,
agreement, and how unstressed endings sound."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Levenshtein

from vocabularies.lexicon import morphology as _morph
from vocabularies.rules import preposition_cases, word_rules

_ALL_GOVERN: dict[str, frozenset[str]] = {
    preposition: frozenset(cases) for preposition, cases in preposition_cases().items()
}
_GOVERNS: dict[str, frozenset[str]] = {
    p: _ALL_GOVERN[p] for p in word_rules()["case_repair_prepositions"]
}
"""Prepositions whose case grammar repairs (``data/word_rules.json``): «с», «к», «под» are
left out — Whisper also writes them for a split word's first sound («с ухожилия»)."""

_MAX_ADJECTIVES = 2
_KEEP_STEM = 3
"""The repaired form keeps the word but its last three letters (an ending, not a word)."""
SOURCE = "grammar"


_RARE = frozenset({"Surn", "Name", "Patr", "Arch", "Abbr", "Init", "Geox", "Orgn"})


@lru_cache(maxsize=65536)
def _parses(word: str) -> tuple[Any, ...]:
    """Readings, likeliest first, without names and archaic words («боковой» the surname)."""
    return tuple(p for p in _morph().parse(word) if not _RARE & p.tag.grammemes)


def is_nominal(word: str) -> bool:
    """Whether ``word`` reads first as a noun or a (non-pronominal) adjective: «левого», not
    «какого» or «когда»."""
    parses = _parses(_fold(word))
    return (
        bool(parses)
        and bool({"NOUN", "ADJF"} & parses[0].tag.grammemes)
        and not ({"Apro", "Anum"} & parses[0].tag.grammemes)
    )


def takes_case(word: str) -> bool:
    """Whether some reading of ``word`` has a case (a word a preposition could govern);
    a word morphology does not know might."""
    parses = _parses(_fold(word))
    return not parses or any(p.tag.case is not None for p in parses)


def _case(tag: Any) -> str | None:
    return "loct" if tag.case == "loc2" else tag.case  # «в углу» is a locative


def _adjective_readings(word: str, cases: frozenset[str]) -> set[tuple[str, str, str | None]]:
    """(case, number, gender) readings of an adjective/participle in the governed cases. An
    animate accusative («левого» = genitive form) is left out: radiology nouns are inanimate."""
    out: set[tuple[str, str, str | None]] = set()
    for parse in _parses(word):
        tag = parse.tag
        if not ({"ADJF", "PRTF"} & tag.grammemes) or {"Apro", "Anum"} & tag.grammemes:
            continue
        if "anim" in tag.grammemes:
            continue
        if _case(tag) in cases and tag.number is not None:
            out.add((str(_case(tag)), tag.number, tag.gender if tag.number == "sing" else None))
    return out


def _split_ending_follows(words: Sequence[str | None], index: int) -> bool:
    """«гематом и» is «гематомы» split by Whisper: its ending is not where the noun ends."""
    return bool(split_ending_forms(words, index))


_ENDING_WORDS = frozenset({"их", "ах", "ей", "ой", "ом", "ем"})
"""Two-letter words that are also case endings Whisper may write apart."""


def split_ending_forms(words: Sequence[str | None], index: int) -> list[Any]:
    """Readings of forms of ``words[index]`` that sound like it joined with the one-letter
    word (or two-letter ending: «проекции их») after it («гематом и» → «гематомы»,
    «скопления и» → «скопление»); [] if none."""
    item = words[index]
    following = words[index + 1] if index + 1 < len(words) else None
    if item is None or following is None or not following.isalpha():
        return []
    if len(following) != 1 and _fold(following) not in _ENDING_WORDS:
        return []
    word, letter = _fold(item), _fold(following)
    heard = _sound(word[-1] + letter)
    found = []
    for parse in _parses(word)[:1]:
        for form in parse.lexeme:
            tail = form.word[len(word) - 1 :]
            if form.word.startswith(word[:-1]) and tail and _sound(tail) == heard:
                found.append(form)
    return found


def _fold(word: str) -> str:
    return word.lower().replace("ё", "е")


def _with_case_of(raw: str, text: str) -> str:
    """``text`` capitalised as ``raw`` is."""
    return text[:1].upper() + text[1:] if raw[:1].isupper() else text


def _adjacent(words: Sequence[str | None]) -> Iterator[tuple[int, str, str]]:
    """(index, word, next word) for every two neighbouring words with no barrier between."""
    for index in range(len(words) - 1):
        item, following = words[index], words[index + 1]
        if item is not None and following is not None:
            yield index, item, following


_REDUCED = str.maketrans("аояеиэыйуюё", "ааииииииууи", "ь")


def _sound(ending: str) -> str:
    """An unstressed ending as heard: vowels reduced, «й» a vowel, repeats merged («-ие»,
    «-ий», «-ии» all sound «-и»)."""
    reduced = ending.translate(_REDUCED)
    return "".join(c for i, c in enumerate(reduced) if i == 0 or c != reduced[i - 1])


def _ending_cost(old: str, new: str) -> float:
    """How differently two forms of a word sound at the end (edit distance of the reduced
    endings); ``inf`` when they differ before their last three letters."""
    stem = min(len(old), len(new)) - _KEEP_STEM
    if old[:stem] != new[:stem]:
        return float("inf")
    return float(Levenshtein.distance(_sound(old[stem:]), _sound(new[stem:])))


_MAX_COST_PER_WORD = 1.0
"""A repair changes endings that sound alike (one reduced sound apart at most)."""


def _agreement_grammemes(reading: Any) -> set[str]:
    """What an adjective must carry to agree with ``reading`` (a noun or adjective)."""
    grammemes = {str(_case(reading.tag)), str(reading.tag.number)}
    if reading.tag.number == "sing" and reading.tag.gender:
        grammemes.add(str(reading.tag.gender))
    if reading.tag.case == "accs":
        grammemes.add("anim" if "anim" in reading.tag.grammemes else "inan")
    return grammemes


def _unique_agreeing_form(
    adjective: Any,
    readings: Sequence[Any],
    written: str,
    extra: frozenset[str] | set[str] = frozenset(),
) -> str | None:
    """The one form of ``adjective`` that agrees with ``readings``, if it is a misheard ending
    of ``written`` (one reduced sound away); None when there are several or none."""
    options = set()
    for reading in readings:
        form = adjective.inflect({*extra, *_agreement_grammemes(reading)})
        if form is not None:
            options.add(form.word)
    if len(options) != 1:
        return None
    text: str = options.pop()
    return None if _ending_cost(_fold(written), text) > _MAX_COST_PER_WORD else text


def _numeral_readings(word: str) -> list[Any]:
    """«двух», «трёх» in an oblique case (they govern a plural noun in the same case)."""
    return [
        p
        for p in _parses(word)
        if "NUMR" in p.tag.grammemes and p.tag.case not in (None, "nomn", "accs")
    ]


def _agrees(adjective: Any, noun: Any) -> bool:
    if "NUMR" in adjective.tag.grammemes:
        return _case(adjective.tag) == _case(noun.tag) and noun.tag.number == "plur"
    if _case(adjective.tag) != _case(noun.tag) or adjective.tag.number != noun.tag.number:
        return False
    if noun.tag.number == "plur":
        return True
    return adjective.tag.gender == noun.tag.gender or "ms-f" in noun.tag.grammemes


def _adjectives_agree(adjectives: list[list[Any]]) -> bool:
    """Whether the adjectives share a case, number and gender."""
    keys = [{(_case(a.tag), a.tag.number, a.tag.gender) for a in options} for options in adjectives]
    return bool(set.intersection(*keys)) if keys else True


def _nominal_readings(word: str, pos: str) -> list[Any]:
    """Readings as ``pos`` of a word whose likeliest reading is one («при» is no noun)."""
    parses = _parses(word)
    if not parses or pos not in parses[0].tag.grammemes:
        return []
    return [
        p
        for p in _parses(word)
        if pos in p.tag.grammemes
        and not {"Apro", "Anum", "Arch"} & p.tag.grammemes
        and (pos != "ADJF" or "anim" not in p.tag.grammemes)
        and p.tag.case is not None
    ]


def governs(preposition: str, word: str) -> bool:
    """Whether ``preposition`` can govern some reading of ``word`` («с компрессией», not «с
    трясение»)."""
    cases = _ALL_GOVERN.get(_fold(preposition))
    return cases is not None and any(_case(p.tag) in cases for p in _parses(_fold(word)))
