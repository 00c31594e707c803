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

from collections.abc import Callable, Sequence

from vocabularies.corrector import Replacement
from vocabularies.grammar.agreement import (
    AgreementRepair,
    CoordinatedAdjectiveRepair,
    ShortBeforeNounRepair,
)
from vocabularies.grammar.boundaries import BoundaryRepair
from vocabularies.grammar.case import CaseRepair
from vocabularies.grammar.morphology import governs, is_nominal, split_ending_forms, takes_case
from vocabularies.grammar.overlaps import without_overlaps
from vocabularies.grammar.predicate import AdverbRepair, PredicateRepair, ReflexiveRepair

__all__ = [
    "BoundaryRepair",
    "GrammarRepair",
    "governs",
    "is_nominal",
    "split_ending_forms",
    "takes_case",
]


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
        return without_overlaps(repairs, words)
