"""Case endings of a noun after a preposition and its adjectives («в средней доли» → «в средней
доле»).

Whisper hears unstressed endings poorly: «-е»/«-и», «-ой»/«-ая» sound alike, so a noun gets
another case than the words before it. When a preposition is followed by adjectives and a
noun, and no reading of the noun agrees with them in a case the preposition governs, while
every adjective agrees with one such case, number and the noun's gender, the noun is put in
that case. Only the noun changes (its adjectives and the preposition carry two independent
witnesses), only to a form that differs in its ending, and only where the noun or an adjective
is a form of the active dictionaries (a radiology phrase). Anything ambiguous is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any, Protocol

import pymorphy3
from rapidfuzz.distance import Levenshtein

from vocabularies.corrector import Replacement

_GOVERNS: dict[str, frozenset[str]] = {}
# Prepositions Whisper also writes for the first sound of a split word («с ухожилия», «под
# лопаточной», «к ардиолога») are left out: there the "wrong" case is someone else's.
for _preps, _cases in (
    (("в", "во", "на"), ("loct", "accs")),
    (("об", "обо"), ("loct", "accs")),
    (("при",), ("loct",)),
    (("из", "от", "до", "без", "для", "около", "вдоль", "вокруг", "после", "среди"), ("gent",)),
    (("по",), ("datv", "loct", "accs")),
):
    for _prep in _preps:
        _GOVERNS[_prep] = frozenset(_cases)

_MAX_ADJECTIVES = 2
_KEEP_STEM = 3
"""The repaired form keeps the word but its last three letters (an ending, not a word)."""
SOURCE = "grammar"


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


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


class CaseRepair:
    """Finder with the corrector's interface: ``find(words)`` → replacements."""

    def __init__(self, is_dictionary_form: Callable[[str], bool]) -> None:
        self.is_dictionary_form = is_dictionary_form

    def _known(self, word: str) -> bool:
        """Known to the morphology or a dictionary form (not a fragment of a split word)."""
        return bool(_morph().word_is_known(word)) or self.is_dictionary_form(word)

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        for position, item in enumerate(words):
            cases = _GOVERNS.get(_fold(item)) if item is not None else None
            if cases is None:
                continue
            replacement = self._after_preposition(words, position + 1, cases)
            if replacement is not None:
                found.append(replacement)
        return found

    def _after_preposition(
        self, words: Sequence[str | None], start: int, cases: frozenset[str]
    ) -> Replacement | None:
        readings: set[tuple[str, str, str | None]] | None = None
        index = start
        while index < len(words) and index - start < _MAX_ADJECTIVES:
            item = words[index]
            if item is None:
                return None
            if not self._known(_fold(item)):
                return None  # a fragment of a split word («на досной»): not a phrase
            current = _adjective_readings(_fold(item), cases)
            if not current:
                break
            readings = current if readings is None else readings & current
            index += 1
        if readings is None or index >= len(words) or words[index] is None:
            return None
        noun_text = str(words[index])
        noun = _fold(noun_text)
        if not self._known(noun) or not self.is_dictionary_form(noun):
            return None
        if _split_ending_follows(words, index):
            return None
        nouns = [p for p in _parses(noun) if "NOUN" in p.tag.grammemes]
        if not nouns or not readings:
            return None
        # Does any reading of the noun already agree with the adjectives?
        for parse in nouns:
            tag = parse.tag
            for case, number, gender in readings:
                same_gender = gender is None or tag.gender == gender or "ms-f" in tag.grammemes
                if _case(tag) == case and tag.number == number and same_gender:
                    return None
        lemma = nouns[0].normal_form
        if any(p.normal_form != lemma for p in nouns):
            return None  # two different nouns: which one was said is unknown
        gender = nouns[0].tag.gender
        targets = {
            (case, number) for case, number, g in readings if number == "plur" or g == gender
        }
        forms = set()
        for case, number in targets:
            inflected = nouns[0].inflect({case, number})
            if inflected is not None:
                forms.add(inflected.word)
        if len(forms) != 1:
            return None
        form = forms.pop()
        if form == noun or form[: len(noun) - _KEEP_STEM] != noun[: len(noun) - _KEEP_STEM]:
            return None
        window = [str(w) for w in words[start : index + 1]]
        if not any(self.is_dictionary_form(w) for w in window):
            return None
        return Replacement(index, index + 1, noun_text, _with_case_of(noun_text, form), 0.9, SOURCE)


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


class AgreementRepair:
    """Adjectives and the noun after them in different genders, numbers or cases
    («компрессионная ателектаз», «лёгочных артерии»): the cheaper repair by sound — the
    adjectives' endings or the noun's — when it is unique. Participles are left out (they
    take objects: «накапливающее контраст»)."""

    def __init__(self, is_dictionary_form: Callable[[str], bool]) -> None:
        self.is_dictionary_form = is_dictionary_form

    def _known(self, word: str) -> bool:
        """Known to the morphology or a dictionary form (not a fragment of a split word)."""
        return bool(_morph().word_is_known(word)) or self.is_dictionary_form(word)

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        index = 0
        while index < len(words):
            chain = self._chain(words, index)
            if chain is None:
                index += 1
                continue
            after_preposition = self._after_preposition(words, index)
            repaired = self._repair(words, index, chain, after_preposition)
            found += repaired
            # After a preposition an unrepaired chain may still hold a shorter one.
            index = index + 1 if after_preposition and not repaired else chain + 1
        return found

    @staticmethod
    def _after_preposition(words: Sequence[str | None], start: int) -> bool:
        before = words[start - 1] if start else None
        return before is not None and _fold(before) in _ALL_GOVERN

    def _chain(self, words: Sequence[str | None], start: int) -> int | None:
        """Index of the noun ending the adjectives that start at ``start``."""
        before = _fold(str(words[start - 1])) if start and words[start - 1] is not None else ""
        if before in {"и", "или"}:
            return None  # «правого и левого желудочков»: coordinated adjectives, plural noun
        index = start
        while index < len(words) and index - start < _MAX_ADJECTIVES:
            item = words[index]
            if item is None or not self._known(_fold(item)):
                return None
            if not _nominal_readings(_fold(item), "ADJF"):
                break
            index += 1
        if index == start or index >= len(words) or words[index] is None:
            return None
        noun = _fold(str(words[index]))
        if not self._known(noun) or not _nominal_readings(noun, "NOUN"):
            return None
        if not self.is_dictionary_form(noun) or _split_ending_follows(words, index):
            return None
        return index

    def _substantive(self, word: str) -> bool:
        """«лёгкого» in «доле правого лёгкого очаг» is a noun (the lung) that ends the phrase
        before «очаг», not an adjective of it: a dictionary word morphology also reads as a
        noun never makes the noun after it change."""
        return self.is_dictionary_form(word) and any(
            "NOUN" in p.tag.grammemes for p in _parses(word)
        )

    def _repair(
        self, words: Sequence[str | None], start: int, end: int, after_preposition: bool = False
    ) -> list[Replacement]:
        """After a preposition («на передние крестообразной связки») only adjectives that
        disagree with each other are repaired, and only on the adjectives' side: the noun's
        case is the preposition's business."""
        texts = [_fold(str(w)) for w in words[start : end + 1]]
        adjectives = [_nominal_readings(t, "ADJF") for t in texts[:-1]]
        nouns = _nominal_readings(texts[-1], "NOUN")
        if any(all(any(_agrees(a, n) for a in options) for options in adjectives) for n in nouns):
            return []
        if after_preposition and len(adjectives) == 1:
            # «в нижневнутренним квадранте»: the noun is in a case the preposition governs,
            # its one adjective is not — the adjective follows the noun
            governed = _ALL_GOVERN[_fold(str(words[start - 1]))]
            nouns = [n for n in nouns if _case(n.tag) in governed]
            if not nouns:
                return []  # the noun's case is CaseRepair's business
        elif after_preposition and _adjectives_agree(adjectives):
            return []
        if len({n.normal_form for n in nouns}) != 1 or not any(
            self.is_dictionary_form(t) for t in texts
        ):
            return []
        options: dict[tuple[str, ...], float] = {}
        for noun in nouns:  # keep the noun, inflect the adjectives to it
            grammemes = _agreement_grammemes(noun)
            forms = [options_[0].inflect(grammemes) for options_ in adjectives]
            if all(f is not None for f in forms):
                repaired = tuple([*(f.word for f in forms), texts[-1]])
                options[repaired] = sum(
                    _ending_cost(o, n) for o, n in zip(texts, repaired, strict=True)
                )
        shared = set.intersection(
            *({(str(_case(a.tag)), str(a.tag.number), a.tag.gender) for a in o} for o in adjectives)
        )
        if self._substantive(texts[-2]) or after_preposition:
            shared = set()
        for case, number, gender in shared:  # keep the adjectives, inflect the noun
            if number == "sing" and gender != nouns[0].tag.gender:
                continue
            inflected = nouns[0].inflect({case, number})
            if inflected is not None:
                repaired = tuple([*texts[:-1], inflected.word])
                options[repaired] = _ending_cost(texts[-1], inflected.word)
        if not options:
            return []
        ranked = sorted(options.items(), key=lambda item: item[1])
        best, cost = ranked[0]
        changed = sum(a != b for a, b in zip(texts, best, strict=True))
        if cost > _MAX_COST_PER_WORD * changed or (len(ranked) > 1 and ranked[1][1] <= cost):
            return []  # no repair by a misheard ending, or two equally good ones
        found = []
        for offset, (old, new) in enumerate(zip(texts, best, strict=True)):
            if old != new:
                raw = str(words[start + offset])
                text = _with_case_of(raw, new)
                found.append(
                    Replacement(start + offset, start + offset + 1, raw, text, 0.85, SOURCE)
                )
        return found


class AdverbRepair:
    """A short adjective right before a short participle is the adverb Whisper heard with
    another unstressed ending: «железа диффузна увеличена» → «диффузно увеличена»,
    «умеренна расширена» → «умеренно расширена». The adverb must be a known adverb or a
    dictionary form."""

    def __init__(self, is_dictionary_form: Callable[[str], bool]) -> None:
        self.is_dictionary_form = is_dictionary_form

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        for index, item, following in _adjacent(words):
            parses = _parses(_fold(item))
            after = _parses(_fold(following))
            if not parses or not after or "PRTS" not in after[0].tag.grammemes:
                continue
            first = parses[0]
            if "ADJS" not in first.tag.grammemes or "neut" in first.tag.grammemes:
                continue
            adverb = first.inflect({"neut", "sing"})
            if adverb is None or _ending_cost(_fold(item), adverb.word) > _MAX_COST_PER_WORD:
                continue
            known_adverb = any("ADVB" in p.tag.grammemes for p in _parses(adverb.word))
            if not (known_adverb or self.is_dictionary_form(adverb.word)):
                continue
            text = _with_case_of(item, adverb.word)
            found.append(Replacement(index, index + 1, item, text, 0.85, SOURCE))
        return found


_PREDICATE_GENDERS = frozenset({"femn", "neut"})
_MAX_SUBJECT_DISTANCE = 5


def _predicate_form(item: str, predicate: Any, gender: str) -> str | None:
    """``item`` (a short form) in ``gender``, singular, if that only changes «-а»/«-о»."""
    if gender not in _PREDICATE_GENDERS:
        return None
    repaired = predicate.inflect({gender, "sing"})
    if repaired is None or _ending_cost(_fold(item), repaired.word) > _MAX_COST_PER_WORD:
        return None
    return _with_case_of(item, repaired.word)


class PredicateRepair:
    """A short participle or adjective agrees with its subject: «печень не увеличено» →
    «увеличена», «сердце расширена» → «расширено». Unstressed final «-а» and «-о» sound the
    same, so only that pair is repaired. The subject is the nearest word before the predicate,
    in the same clause, that reads as a noun in the nominative — past adverbs, «не» and
    genitive attributes («доля левого лёгкого уменьшена»); any other word stops the search."""

    def __init__(self, is_dictionary_form: Callable[[str], bool]) -> None:
        self.is_dictionary_form = is_dictionary_form

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        for index, item in enumerate(words):
            if item is None:
                continue
            parses = _parses(_fold(item))
            if not parses or not {"PRTS", "ADJS"} & parses[0].tag.grammemes:
                continue
            predicate = parses[0]
            if predicate.tag.number != "sing" or predicate.tag.gender not in _PREDICATE_GENDERS:
                continue
            if self._modifies_next(words, index):
                continue  # «диффузно увеличена», «диффузно неоднородная»: an adverb
            subject = self._subject(words, index)
            if subject is None:
                continue
            position, nouns = subject
            numbers = {(p.tag.number, p.tag.gender) for p in nouns}
            if len(numbers) != 1:
                continue
            number, gender = numbers.pop()
            if number == "plur":
                # «сухожилия … утолщена»: a singular whose ending sounds like the plural
                found += self._singular_subject(words, position, nouns, index, predicate)
                continue
            if gender not in _PREDICATE_GENDERS or gender == predicate.tag.gender:
                continue
            repair = _predicate_form(item, predicate, str(gender))
            if repair is not None:
                found.append(Replacement(index, index + 1, item, repair, 0.85, SOURCE))
        return found

    def _singular_subject(
        self,
        words: Sequence[str | None],
        position: int,
        nouns: list[Any],
        index: int,
        predicate: Any,
    ) -> list[Replacement]:
        """The subject's singular when it sounds the same as the plural written («-ия» /
        «-ие»), no adjective stands before it, and the predicate agrees with it (repaired by
        «-а»/«-о» if need be)."""
        before = words[position - 1] if position else None
        if before is not None and _nominal_readings(_fold(before), "ADJF"):
            return []
        written = _fold(str(words[position]))
        singulars = {
            form.word: form
            for noun in nouns
            if (form := noun.inflect({"sing", "nomn"})) is not None
            and _ending_cost(written, form.word) == 0
        }
        if len(singulars) != 1:
            return []
        singular = next(iter(singulars.values()))
        gender = str(singular.tag.gender)
        predicate_text = str(words[index])
        if gender != predicate.tag.gender:
            repaired = _predicate_form(predicate_text, predicate, gender)
            if repaired is None:
                return []
            predicate_text = repaired
        raw = str(words[position])
        subject_text = _with_case_of(raw, singular.word)
        found = [Replacement(position, position + 1, raw, subject_text, 0.85, SOURCE)]
        if predicate_text != words[index]:
            found.append(
                Replacement(index, index + 1, str(words[index]), predicate_text, 0.85, SOURCE)
            )
        return found

    def _subject(self, words: Sequence[str | None], index: int) -> tuple[int, list[Any]] | None:
        """Position and nominative noun readings of the predicate's subject, or None."""
        for position in range(index - 1, max(-1, index - 1 - _MAX_SUBJECT_DISTANCE), -1):
            item = words[position]
            if item is None:
                return None
            parses = _parses(_fold(item))
            if not parses:
                return None
            top = parses[0].tag.grammemes
            if {"ADVB", "PRCL"} & top or any("ADVB" in p.tag.grammemes for p in parses):
                continue  # «не», «умеренно»
            if "ADJS" in top and parses[0].tag.gender == "neut":
                continue  # «диффузно»: the adverb is spelled as the neuter short adjective
            nominative = [p for p in parses if p.tag.case == "nomn"]
            if nominative and self._genitive_attribute(words, position, parses):
                continue  # «сухожилие подлопаточной мышцы утолщено»
            if not nominative:
                if {"NOUN", "ADJF"} & top:
                    continue  # a genitive attribute: «доля левого лёгкого»
                return None
            nouns = [p for p in nominative if "NOUN" in p.tag.grammemes]
            if len(nouns) != len(nominative) or not self.is_dictionary_form(_fold(item)):
                return None  # «лёгкая»: an adjective, or a word outside radiology
            return position, self._agreeing_with_adjective(words, position, nouns)
        return None

    @staticmethod
    def _modifies_next(words: Sequence[str | None], index: int) -> bool:
        following = words[index + 1] if index + 1 < len(words) else None
        if following is None:
            return False
        after = _parses(_fold(following))
        return bool(after) and bool({"ADJF", "ADJS", "PRTF", "PRTS"} & after[0].tag.grammemes)

    @staticmethod
    def _agreeing_with_adjective(
        words: Sequence[str | None], position: int, nouns: list[Any]
    ) -> list[Any]:
        """The readings an adjective right before agrees with («поджелудочная железа» is the
        gland, not the plural of «железо»); all of them when there is none."""
        if position == 0 or words[position - 1] is None or len(nouns) < 2:
            return nouns
        before = _nominal_readings(_fold(str(words[position - 1])), "ADJF")
        agreeing = [n for n in nouns if any(_agrees(a, n) for a in before)]
        return agreeing or nouns

    @staticmethod
    def _genitive_attribute(words: Sequence[str | None], position: int, parses: Any) -> bool:
        """A noun that may be genitive, after an adjective that can only be genitive (or
        another oblique case) and agrees with it: «подлопаточной мышцы»."""
        if position == 0 or words[position - 1] is None:
            return False
        before = _parses(_fold(str(words[position - 1])))
        if not before or "ADJF" not in before[0].tag.grammemes:
            return False
        if any(p.tag.case == "nomn" for p in before):
            return False
        genitive = [p for p in parses if p.tag.case == "gent" and "NOUN" in p.tag.grammemes]
        return any(_agrees(a, n) for a in before if a.tag.case == "gent" for n in genitive)


class CoordinatedAdjectiveRepair:
    """«пристеночной и окклюзирующие дефекты» → «пристеночные и окклюзирующие»: of two
    adjectives joined by «и» before their noun, the second agrees with it and the first
    with neither — the first takes the second's form, when that is one reduced sound away.
    Adjectives that agree with each other stay («правого и левого желудочков»)."""

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        for index in range(len(words) - 3):
            first, conjunction, second, noun = words[index : index + 4]
            if first is None or second is None or noun is None or conjunction is None:
                continue
            if _fold(conjunction) != "и":
                continue
            firsts = _nominal_readings(_fold(first), "ADJF")
            seconds = [  # a participle too: «окклюзирующие»
                p for p in _parses(_fold(second)) if {"ADJF", "PRTF"} & p.tag.grammemes
            ]
            nouns = _nominal_readings(_fold(noun), "NOUN")
            if not (firsts and seconds and nouns):
                continue
            agreeing = [a for a in seconds if any(_agrees(a, n) for n in nouns)]
            if not agreeing or any(_agrees(f, n) for f in firsts for n in nouns):
                continue
            if any(
                _case(f.tag) == _case(a.tag) and f.tag.number == a.tag.number
                for f in firsts
                for a in seconds
            ):
                continue
            text = _unique_agreeing_form(firsts[0], agreeing, first)
            if text is None:
                continue
            found.append(
                Replacement(index, index + 1, first, _with_case_of(first, text), 0.85, SOURCE)
            )
        return found


_REFLEXIVE_TAILS = frozenset({"ся", "со", "са", "се", "сь"})


class ReflexiveRepair:
    """«В левой плевральной полости определяет жидкость» → «определяется»: Whisper drops
    or splits off («определяет со») the unstressed «-ся». A transitive verb in the third
    person after a prepositional phrase, with no subject before it in its clause, is the
    passive a report uses — when morphology knows the «-ся» form."""

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        for index, item in enumerate(words):
            if item is None:
                continue
            parses = _parses(_fold(item))
            if not parses or not {"VERB", "tran", "3per", "indc"} <= parses[0].tag.grammemes:
                continue
            reflexive = _fold(item) + "ся"
            if not _morph().word_is_known(reflexive) or not self._no_subject_after_pp(words, index):
                continue
            following = words[index + 1] if index + 1 < len(words) else None
            end = (
                index + 2
                if following is not None and _fold(following) in _REFLEXIVE_TAILS
                else index + 1
            )
            raw = " ".join(str(w) for w in words[index:end])
            found.append(Replacement(index, end, raw, _with_case_of(item, reflexive), 0.85, SOURCE))
        return found

    @staticmethod
    def _no_subject_after_pp(words: Sequence[str | None], index: int) -> bool:
        start = index
        while start > 0 and words[start - 1] is not None:
            start -= 1
        governed = seen_preposition = False
        for word in words[start:index]:
            parses = _parses(_fold(str(word)))
            if not parses:
                return False
            top = parses[0].tag.grammemes
            if "PREP" in top:
                governed = seen_preposition = True
            elif "NOUN" in top or "NPRO" in top:
                if not governed and any(p.tag.case == "nomn" for p in parses):
                    return False  # a subject: the active verb may be right
                governed = False
            elif "VERB" in top:
                return False
        return seen_preposition


_SPOKEN_MARKS = frozenset({"точка", "запятая", "двоеточие", "тире", "скобка", "строка", "абзац"})


class ShortBeforeNounRepair:
    """A short adjective right before a noun is its full form with a misheard ending:
    «резонансно томография» → «резонансная», «портально гипертензии» → «портальной». Only
    for words morphology does not also know as adverbs («равномерно клетчатка» may be two
    clauses), and a unique agreeing form one reduced sound away."""

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        for index, item, following in _adjacent(words):
            parses = _parses(_fold(item))
            if not parses or not {"ADJS", "neut", "sing"} <= parses[0].tag.grammemes:
                continue
            if any("ADVB" in p.tag.grammemes for p in parses):
                continue
            if _fold(following) in _SPOKEN_MARKS:
                continue  # «… однородно точка»: the dictated full stop, not a noun
            nouns = _nominal_readings(_fold(following), "NOUN")
            if not nouns:
                continue
            text = _unique_agreeing_form(parses[0], nouns, item, {"ADJF"})
            if text is None:
                continue
            found.append(
                Replacement(index, index + 1, item, _with_case_of(item, text), 0.85, SOURCE)
            )
        return found


class SplitEndingRepair:
    """An ending Whisper wrote as a word of its own: «внутримозговой гематом и» →
    «внутримозговой гематомы», «медиально и суставное пространство» → «медиальное». The
    joined form must agree with the adjective before it (a noun) or with the word after it
    (an adjective) where the written word does not; a unique such form only."""

    def __init__(self, is_dictionary_form: Callable[[str], bool]) -> None:
        self.is_dictionary_form = is_dictionary_form

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        for index in range(len(words) - 1):
            forms = split_ending_forms(words, index)
            if not forms or not self.is_dictionary_form(_fold(str(words[index]))):
                continue
            fits = [f for f in forms if self._fits(words, index, f)]
            if len({f.word for f in fits}) > 1 and self._after_noun(words, index):
                # «признаки внутримозговой гематом и»: after a noun, the genitive attribute
                fits = [f for f in fits if f.tag.case == "gent"]
            fitting = {f.word for f in fits}
            if len(fitting) != 1:
                continue
            item = str(words[index])
            text = _with_case_of(item, fitting.pop())
            raw = f"{item} {words[index + 1]}"
            found.append(Replacement(index, index + 2, raw, text, 0.85, SOURCE))
        return found

    @staticmethod
    def _after_noun(words: Sequence[str | None], index: int) -> bool:
        before = words[index - 2] if index >= 2 else None
        parses = _parses(_fold(before)) if before is not None else ()
        return bool(parses) and "NOUN" in parses[0].tag.grammemes

    @staticmethod
    def _fits(words: Sequence[str | None], index: int, form: Any) -> bool:
        written = _parses(_fold(str(words[index])))
        if "NOUN" in form.tag.grammemes and index > 0 and words[index - 1] is not None:
            previous = _fold(str(words[index - 1]))
            before = _nominal_readings(previous, "ADJF") or _numeral_readings(previous)
            return any(_agrees(a, form) for a in before) and not any(
                _agrees(a, w) for a in before for w in written if "NOUN" in w.tag.grammemes
            )
        after = words[index + 2] if index + 2 < len(words) else None
        if "ADJF" in form.tag.grammemes and after is not None:
            following = [p for p in _parses(_fold(after)) if {"ADJF", "NOUN"} & p.tag.grammemes]
            return any(_agrees(form, p) for p in following) and not any(
                _agrees(w, p) for w in written if "ADJF" in w.tag.grammemes for p in following
            )
        return False


_ALL_GOVERN: dict[str, frozenset[str]] = {
    **_GOVERNS,
    "под": frozenset({"accs", "ablt"}),
    "над": frozenset({"ablt"}),
    "перед": frozenset({"ablt"}),
    "за": frozenset({"accs", "ablt"}),
    "с": frozenset({"gent", "ablt"}),
    "со": frozenset({"gent", "ablt"}),
    "к": frozenset({"datv"}),
    "о": frozenset({"loct", "accs"}),
}


def governs(preposition: str, word: str) -> bool:
    """Whether ``preposition`` can govern some reading of ``word`` («с компрессией», not «с
    трясение»)."""
    cases = _ALL_GOVERN.get(_fold(preposition))
    return cases is not None and any(_case(p.tag) in cases for p in _parses(_fold(word)))


class PrefixJoin:
    """A preposition that is really a prefix: «сухожилие под лопаточной мышцы» →
    «подлопаточной мышцы». Joined, the two words are a dictionary adjective that agrees with
    the noun after it, in a case the preposition cannot govern («под» + genitive). Where the
    preposition could govern the phrase («под лопаточной костью») nothing changes."""

    def __init__(self, is_dictionary_form: Callable[[str], bool]) -> None:
        self.is_dictionary_form = is_dictionary_form

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        for index in range(len(words) - 2):
            preposition, adjective, noun = words[index : index + 3]
            if preposition is None or adjective is None or noun is None:
                continue
            governs = _ALL_GOVERN.get(_fold(preposition))
            joined = _fold(preposition) + _fold(adjective)
            if governs is None or not self.is_dictionary_form(joined):
                continue
            nouns = _nominal_readings(_fold(noun), "NOUN")
            cases = {
                _case(n.tag)
                for a in _nominal_readings(_fold(adjective), "ADJF")
                for n in nouns
                if _agrees(a, n)
            }
            if not cases or cases & governs:
                continue
            if not any(_agrees(j, n) for j in _nominal_readings(joined, "ADJF") for n in nouns):
                continue
            raw = f"{preposition} {adjective}"
            text = _with_case_of(preposition, joined)
            found.append(Replacement(index, index + 2, raw, text, 0.9, SOURCE))
        return found


class BoundaryRepair:
    """Word boundaries grammar settles: prefixes heard as prepositions, endings written as
    words of their own. Applied before :class:`GrammarRepair`, which then sees the words."""

    def __init__(self, is_dictionary_form: Callable[[str], bool]) -> None:
        self.prefix = PrefixJoin(is_dictionary_form)
        self.split_ending = SplitEndingRepair(is_dictionary_form)

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        return _without_overlaps((self.prefix, self.split_ending), words)


class GrammarRepair:
    """Case after prepositions, agreement of adjectives and nouns, adverbs before participles,
    short predicates and their subjects, and the like (run after :class:`BoundaryRepair`)."""

    def __init__(self, is_dictionary_form: Callable[[str], bool]) -> None:
        self.boundaries = BoundaryRepair(is_dictionary_form)
        self.case = CaseRepair(is_dictionary_form)
        self.agreement = AgreementRepair(is_dictionary_form)
        self.adverb = AdverbRepair(is_dictionary_form)
        self.predicate = PredicateRepair(is_dictionary_form)
        self.short_before_noun = ShortBeforeNounRepair()
        self.reflexive = ReflexiveRepair()
        self.coordinated = CoordinatedAdjectiveRepair()

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        repairs = (
            self.case,
            self.agreement,
            self.adverb,
            self.predicate,
            self.short_before_noun,
            self.reflexive,
            self.coordinated,
        )
        return _without_overlaps(repairs, words)


class _Finder(Protocol):
    def find(self, words: Sequence[str | None]) -> list[Replacement]: ...


def _without_overlaps(repairs: Sequence[_Finder], words: Sequence[str | None]) -> list[Replacement]:
    """Each repair's findings, in order, except those overlapping an earlier one."""
    found: list[Replacement] = []
    covered: set[int] = set()
    for repair in repairs:
        for replacement in repair.find(words):
            span = set(range(replacement.start, replacement.end))
            if not span & covered:
                found.append(replacement)
                covered |= span
    return sorted(found, key=lambda r: r.start)
