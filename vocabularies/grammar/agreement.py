"""Agreement of adjectives with their noun, of coordinated adjectives, and a short adjective
before a noun."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vocabularies.corrector import Replacement
from vocabularies.grammar.morphology import (
    _ALL_GOVERN,
    _MAX_ADJECTIVES,
    _MAX_COST_PER_WORD,
    SOURCE,
    _adjacent,
    _adjectives_agree,
    _agreement_grammemes,
    _agrees,
    _case,
    _ending_cost,
    _fold,
    _nominal_readings,
    _parses,
    _split_ending_follows,
    _unique_agreeing_form,
    _with_case_of,
)
from vocabularies.lexicon import morphology as _morph


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
