"""Word boundaries grammar settles: endings written as words, prefixes heard as prepositions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from vocabularies.corrector import Replacement
from vocabularies.grammar.morphology import (
    _ALL_GOVERN,
    SOURCE,
    _agrees,
    _case,
    _fold,
    _nominal_readings,
    _numeral_readings,
    _parses,
    _with_case_of,
    split_ending_forms,
)
from vocabularies.grammar.overlaps import without_overlaps


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
        return without_overlaps((self.prefix, self.split_ending), words)
