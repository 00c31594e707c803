"""Predicates: an adverb before a participle, a short predicate agreeing with its subject, a
report's passive «-ся»."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from vocabularies.corrector import Replacement
from vocabularies.grammar.morphology import (
    _MAX_COST_PER_WORD,
    SOURCE,
    _adjacent,
    _agrees,
    _ending_cost,
    _fold,
    _nominal_readings,
    _parses,
    _with_case_of,
)
from vocabularies.lexicon import morphology as _morph


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
