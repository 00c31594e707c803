"""Case endings of a noun after a preposition and its adjectives («в средней доли» → «в средней
доле»)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vocabularies.corrector import Replacement
from vocabularies.grammar.morphology import (
    _GOVERNS,
    _KEEP_STEM,
    _MAX_ADJECTIVES,
    SOURCE,
    _adjective_readings,
    _case,
    _fold,
    _parses,
    _split_ending_follows,
    _with_case_of,
)
from vocabularies.lexicon import morphology as _morph


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
