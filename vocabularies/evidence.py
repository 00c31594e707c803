"""The evidence a correction needs before it may replace what the doctor's words became.

Every finder (near-miss, phrases, grammar, splits and joins) only *proposes* replacements; this
module decides. A candidate is admitted when:

* **meaning** — no negation or meaning-carrying prefix (не-, до-, эхо-, пост-…) is lost or
  gained, compared by sound so that a misheard vowel («пере-»/«пери-») is not a lost prefix;
* **lexical** — when every word it replaces is a valid word form (Russian morphology, the
  medical lexicon, the dictionaries, or a known prefix before a valid word: «дообследование»,
  «криолечение»), the change is a *real-word* change, admitted only on acoustic evidence;
* **acoustic** — for a real-word change, the recogniser must have been unsure of a replaced word
  (its probability at most :attr:`EvidencePolicy.unsure_below`): a word heard clearly is kept —
  except an adjective's ending made to agree with its noun: an unstressed ending is a reduced
  vowel, and the recogniser is as sure of a wrong one as of a right one;
* **typing** — text without acoustic evidence (``semdict postprocess``, ``/v1/text/postprocess``)
  is written, not heard: only non-words are corrected there, and only as a typist errs (a few
  edits, one word split or joined by a missing or extra space), never by sound alone.

Design and measurements: docs/corrections.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein, Levenshtein

from vocabularies.lexicon import morphology
from vocabularies.phonetic import phonetic_key
from vocabularies.rules import word_rules


@dataclass(frozen=True)
class EvidencePolicy:
    acoustic: bool
    """Word probabilities from the recogniser are known (finals, offline transcripts)."""
    unsure_below: float = 0.9
    """A valid word is rewritten only if the recogniser gave it at most this probability
    (calibrated on the tuned part of the dev corpus: docs/corrections.md)."""
    max_typos: int = 2
    """Text without audio: at most this many edits (and one per five letters) per change."""


TEXT = EvidencePolicy(acoustic=False)


@dataclass(frozen=True)
class Candidate:
    """A proposed change: the words it replaces, their recogniser probabilities, the text."""

    raw_words: Sequence[str]
    probabilities: Sequence[float | None]
    text: str


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def _letters(text: str) -> str:
    return _fold(text).replace(" ", "").replace("-", "")


def _is_prefix(prefix: str, word: str, other: str, is_word: Callable[[str], bool] | None) -> bool:
    """Whether ``word`` begins with ``prefix`` as a prefix — before a word («не|увеличены»),
    or before what the other side is («бес|перефокального» → «перифокального») — and not by
    chance («ни|зкодозная», «не|фрит»)."""
    if not word.startswith(prefix):
        return False
    rest = word[len(prefix) :]
    if is_word is None or len(rest) < _MIN_PREFIXED_REST or is_word(rest):
        return True
    heard, kept = phonetic_key(rest), phonetic_key(other)
    return Levenshtein.distance(heard, kept) <= max(1, len(kept) // _SOUNDS_PER_SLIP)


_MIN_PREFIXED_REST = 3
_SOUNDS_PER_SLIP = 8


def changes_meaning(
    raw: str,
    corrected: str,
    *,
    typed: bool = True,
    is_word: Callable[[str], bool] | None = None,
) -> bool:
    """Whether a negation or meaning-carrying prefix is lost or gained («дообследования» →
    «обследования», «обследования» → «дообследования»); by sound, so that a misheard
    unstressed vowel in a prefix («перикардиальный» heard «перекардиальный») is not one.

    ``typed``: text without audio, where a word the lexicon lacks may be a real word
    («мнестический» is not «амнестический») and a letter before a word a preposition typed
    without its space. Recognised speech loses unstressed initial vowels («телектаз») and
    gains stray letters, and fused prepositions are split, not dropped, by the corrector.
    ``is_word``: a valid-word test, so that a prefix is only a prefix before a word."""
    before, after = _letters(raw), _letters(corrected)
    key_before, key_after = phonetic_key(before), phonetic_key(after)
    for prefix in word_rules()["meaning_prefixes"]:
        key = phonetic_key(prefix)
        if _is_prefix(prefix, before, after, is_word) and not key_after.startswith(key):
            return True
        if _is_prefix(prefix, after, before, is_word) and not key_before.startswith(key):
            return True
    if typed:
        for prefix in word_rules()["gained_prefixes"]:
            if after.startswith(prefix) and not key_before.startswith(phonetic_key(prefix)):
                return True
        # «вдетстве» → «детстве», «кглюкозе» → «глюкозе»: a preposition without its space
        if before[:1] in word_rules()["one_letter_prepositions"] and after == before[1:]:
            return True
    negations = set(word_rules()["negations"])
    raw_negations = sum(_fold(w) in negations for w in raw.split())
    new_negations = sum(_fold(w) in negations for w in corrected.split())
    return new_negations < raw_negations and not after.startswith(tuple(negations))


def typo_distance(raw: str, corrected: str) -> int:
    """Edits a typist would make: letters (Damerau–Levenshtein) plus spaces and hyphens."""
    return int(DamerauLevenshtein.distance(_fold(raw), _fold(corrected)))


class EvidenceGate:
    """Admits or refuses candidates; ``is_valid`` says whether a word is a valid word form."""

    def __init__(self, is_valid: Callable[[str], bool], policy: EvidencePolicy) -> None:
        self.is_valid = is_valid
        self.policy = policy

    def refusal(self, candidate: Candidate) -> str | None:
        """Why the candidate is refused (a short reason), or None when it is admitted."""
        raw = " ".join(candidate.raw_words)
        if _fold(raw) == _fold(candidate.text):
            return None  # capitalisation only
        typed = not self.policy.acoustic
        if changes_meaning(raw, candidate.text, typed=typed, is_word=self.is_valid):
            return "meaning"
        real_word = all(self._valid(word) for word in candidate.raw_words)
        if real_word:
            if not self.policy.acoustic:
                return "valid_word"
            if not self._unsure(candidate) and not _adjective_ending_only(candidate):
                return "heard_clearly"
            return None
        if not self.policy.acoustic:
            return self._typing_refusal(candidate)
        return None

    def _valid(self, word: str) -> bool:
        # one-letter words and numbers are what they are; anything with a digit or a capital
        # abbreviation is not the corrector's to rewrite
        if len(word) <= 1 or any(ch.isdigit() for ch in word):
            return True
        if any(len(part) > 1 and part.isupper() for part in word.split("-")):
            return True
        return all(self.is_valid(part) for part in word.split("-") if part)

    def _unsure(self, candidate: Candidate) -> bool:
        known = [p for p in candidate.probabilities if p is not None]
        return bool(known) and min(known) <= self.policy.unsure_below

    def _typing_refusal(self, candidate: Candidate) -> str | None:
        raw = " ".join(candidate.raw_words)
        new_parts = candidate.text.split()
        if len(new_parts) > len(candidate.raw_words):
            return self._split_refusal(raw, new_parts)
        letters = max(len(_letters(raw)), 1)
        distance = typo_distance(raw, candidate.text)
        if distance > self.policy.max_typos or distance * 5 > letters:
            return "not_a_typo"
        if distance > 1 and _edits_at_an_edge(_letters(raw), _letters(candidate.text)):
            return "not_a_typo"
        return None

    def _split_refusal(self, raw: str, parts: list[str]) -> str | None:
        """A missing space («устранениепаховой») — never a compound cut in two: no part is
        short, the first does not end in a linking vowel («грыже|образованием», «косо|
        нисходящая») and the next does not begin with a vowel («металл|остеосинтез»,
        «тромб|экстракция», «аппендицит|эктомия»)."""
        if _letters(raw) != _letters(" ".join(parts)):
            return "not_a_typo"
        prepositions = word_rules()["one_letter_prepositions"]
        for left, right in itertools.pairwise(parts):
            if _fold(left) in prepositions:
                continue  # «вдетстве» → «в детстве»
            if min(len(left), len(right)) < _MIN_SPLIT_PART:
                return "compound"
            if _fold(left)[-1] in _LINKING_VOWELS or _fold(right)[0] in _VOWELS:
                return "compound"
        return None if all(self._valid(p) for p in parts) else "split_part_unknown"


def _adjective_ending_only(candidate: Candidate) -> bool:
    """Whether the change only inflects adjectives («травматические пневмоторакс» →
    «травматический»): each changed word becomes an adjective form of its own lexeme."""
    new_words = candidate.text.split()
    if len(new_words) != len(candidate.raw_words):
        return False
    changed = [
        (_fold(old), _fold(new))
        for old, new in zip(candidate.raw_words, new_words, strict=True)
        if _fold(old) != _fold(new)
    ]
    return bool(changed) and all(_inflects_adjective(old, new) for old, new in changed)


def _inflects_adjective(old: str, new: str) -> bool:
    parses = morphology().parse(new)
    if not parses or not {"ADJF", "ADJS"} & parses[0].tag.grammemes:
        return False
    lemmas = {p.normal_form for p in morphology().parse(old)}
    return any(p.normal_form in lemmas for p in parses)


_ENDING = 4
_BEGINNING = 2


def _edits_at_an_edge(raw: str, corrected: str) -> bool:
    """Whether all the letters that differ lie in the ending or the beginning: two slips in
    one place are another word form or word, not a typo («стенозирование» →
    «стенозированные», «Хрзаболевания» → «Заболевания»)."""
    common_prefix = 0
    while common_prefix < min(len(raw), len(corrected)) and (
        raw[common_prefix] == corrected[common_prefix]
    ):
        common_prefix += 1
    common_suffix = 0
    while common_suffix < min(len(raw), len(corrected)) - common_prefix and (
        raw[-1 - common_suffix] == corrected[-1 - common_suffix]
    ):
        common_suffix += 1
    in_ending = common_prefix >= len(corrected) - _ENDING
    in_beginning = common_suffix >= len(corrected) - _BEGINNING
    return in_ending or in_beginning


_MIN_SPLIT_PART = 4
_LINKING_VOWELS = frozenset("оеи")
_VOWELS = frozenset("аеёиоуыэюя")
