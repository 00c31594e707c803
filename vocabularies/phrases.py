"""Context-aware correction: multi-word dictionary terms and spoken abbreviations.

The single-word corrector never touches a word Russian morphology knows, because a real-word
error («воротная вина») cannot be told from what was said by the word alone. Inside a
multi-word dictionary term it can: when the other words of the window are exact forms of the
term's words, a word that *sounds the same* as a form of the remaining term word (same
phonetic key up to one reduced sound) is corrected to that form. Generic words («правая»,
«доля») shared by hundreds of terms never serve as the anchor.

Spoken abbreviations: Whisper writes «КТ признаки» as «Котепризнаки» or «Каты признаки». A
word or prefix that sounds like an abbreviation's spoken form («ка тэ») followed by a word
that abbreviations head in reports becomes «КТ признаки» (the corpus spelling).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from vocabularies.corrector import Replacement
from vocabularies.lexicon import morphology as _morph
from vocabularies.phonetic import phonetic_key

_WORD = re.compile(r"[а-яё]+")
MAX_ANCHOR_TERMS = 25
"""A word in more multi-word terms than this is too generic to anchor a correction."""
MIN_KEY_SCORE = 85.0
"""Phonetic-key similarity a corrected word needs (one reduced vowel or voicing apart)."""
MIN_SURFACE_SCORE = 65.0
MIN_ANCHOR_LENGTH = 5
MAX_GENERIC_TERMS = 300
STRICT_KEY_SCORE = 92.0
STRICT_SURFACE_SCORE = 80.0
"""What a word anchored by a generic word must reach (one sound apart in a long word)."""
_MIN_COMPOUND_PART = 5
_MAX_ENDING = 3
"""A misheard linking ending: «-ом», «-ая», «-ой» for «-о» (at most three letters cut)."""
ABBREVIATION_HEADS = frozenset(
    {
        "признаки",
        "признаков",
        "признаками",
        "картина",
        "картины",
        "картиной",
        "данные",
        "данных",
        "контроль",
        "исследование",
        "исследования",
        "семиотика",
    }
)
"""Nouns a modality abbreviation heads in reports («КТ признаки», «МР картина»)."""


_POSITIONS = ("прав", "лев", "передн", "задн", "верхн", "нижн", "внутренн", "наружн")


def _positional(word: str) -> bool:
    """Sides and directions: adjectives dictated side by side as often as compounded."""
    return word.startswith(_POSITIONS)


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


@lru_cache(maxsize=65536)
def lexeme(word: str) -> tuple[str, ...]:
    """Every inflected form of ``word`` (its first parse), folded; the word itself first.
    A word morphology does not know keeps only itself: guessed paradigms invent forms."""
    forms = [_fold(word)]
    if not _morph().word_is_known(word.lower()):
        return tuple(forms)
    parses = _morph().parse(word.lower())
    # A term's words are in their dictionary form: «отёк» is the noun whose lemma it is, not
    # the likelier past tense of «отечь».
    lemmas = [p for p in parses if _fold(p.normal_form) == _fold(word)]
    for parse in lemmas or parses[:1]:
        forms += [_fold(form.word) for form in parse.lexeme]
    return tuple(dict.fromkeys(forms))


@dataclass(frozen=True)
class _Term:
    text: str
    words: tuple[str, ...]
    source: str


def _restore_case(raw: str, corrected: str) -> str:
    return corrected[:1].upper() + corrected[1:] if raw[:1].isupper() else corrected


class PhraseMatcher:
    """Finds real-word errors inside multi-word terms, and spoken abbreviations."""

    def __init__(
        self,
        terms: Iterable[tuple[str, str]],
        abbreviations: Iterable[tuple[str, Sequence[str]]] = (),
        is_term_form: Callable[[str], bool] = lambda word: False,
    ) -> None:
        """``terms``: (term, dictionary); ``abbreviations``: (abbreviation, spoken forms);
        ``is_term_form``: words never replaced here (any dictionary's word forms)."""
        self.is_term_form = is_term_form
        self.terms: list[_Term] = []
        self.terms_and_sources = list(terms)
        by_form: dict[str, set[tuple[int, int]]] = {}
        for text, source in self.terms_and_sources:
            words = tuple(_WORD.findall(_fold(text)))
            if not 2 <= len(words) <= 4 or len(words) != len(text.split()):
                continue
            number = len(self.terms)
            self.terms.append(_Term(text, words, source))
            for position, word in enumerate(words):
                if len(word) >= MIN_ANCHOR_LENGTH:
                    for form in lexeme(word):
                        by_form.setdefault(form, set()).add((number, position))
        self.anchors = {
            form: tuple(sorted(found))
            for form, found in by_form.items()
            if len({number for number, _ in found}) <= MAX_ANCHOR_TERMS
        }
        self.generic_anchors = {
            form: tuple(sorted(found))
            for form, found in by_form.items()
            if MAX_ANCHOR_TERMS < len({number for number, _ in found}) <= MAX_GENERIC_TERMS
        }
        """«мозга», «кости»: in many terms, so the word they anchor must sound almost the
        same as the term's word («косного мозга» → «костного мозга»)."""
        self.compounds: dict[str, set[str]] = {}
        """Compound adjectives' first part («лоханочно») → their second parts' forms."""
        for text, _ in self.terms_and_sources:
            for token in text.lower().replace("ё", "е").split():
                first, _, second = token.partition("-")
                if second and first[-1:] in ("о", "е") and len(first) >= _MIN_COMPOUND_PART:
                    if _positional(first) and _positional(second):
                        continue  # «право-левый»: «правой (и) левой» is usually two words
                    self.compounds.setdefault(first, set()).update(lexeme(second))
        self.spoken_abbreviations: dict[str, str] = {}
        for abbreviation, spoken in abbreviations:
            for variant in spoken:
                key = phonetic_key(variant)
                if len(key) >= 3:
                    self.spoken_abbreviations.setdefault(key, abbreviation)

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found = [*self._abbreviations(words), *self._in_terms(words), *self._compounds(words)]
        taken: list[Replacement] = []
        for candidate in sorted(found, key=lambda r: (-r.score, r.start)):
            if all(candidate.end <= o.start or candidate.start >= o.end for o in taken):
                taken.append(candidate)
        return sorted(taken, key=lambda r: r.start)

    # --- abbreviations -------------------------------------------------------------------
    def _abbreviation(self, spoken: str) -> str | None:
        return self.spoken_abbreviations.get(phonetic_key(spoken)) if spoken.isalpha() else None

    def _abbreviations(self, words: Sequence[str | None]) -> Iterable[Replacement]:
        for i, word in enumerate(words):
            if word is None or not word.replace("-", "").isalpha():
                continue
            folded = _fold(word)
            # «Котепризнаки», «Эмр-картина»: a spoken abbreviation fused with its head noun.
            for head in ABBREVIATION_HEADS:
                if folded.endswith(head) and len(folded) > len(head) + 1:
                    abbreviation = self._abbreviation(folded[: -len(head)].rstrip("-"))
                    if abbreviation:
                        yield Replacement(i, i + 1, word, f"{abbreviation} {head}", 0.95, "abbr")
            # «Каты признаки»: the spoken abbreviation as its own word before the head noun.
            # The spoken form may be a word too («коты»): demand a dictionary word after it.
            following = words[i + 1] if i + 1 < len(words) else None
            context = [w for w in words[i + 2 : i + 5] if w is not None]
            if (
                following is not None
                and _fold(following) in ABBREVIATION_HEADS
                and any(self.is_term_form(w) for w in context)
            ):
                abbreviation = self._abbreviation(folded)
                if abbreviation and abbreviation != word:
                    yield Replacement(
                        i, i + 2, f"{word} {following}", f"{abbreviation} {following}", 0.95, "abbr"
                    )

    # --- compound adjectives -------------------------------------------------------------
    def _compounds(self, words: Sequence[str | None]) -> Iterable[Replacement]:
        """«лоханочном мочеточниковом» → «лоханочно-мочеточниковом», «пояснична крестцового»
        → «пояснично-крестцового»: the hyphen is silent and the first part's linking «-о» is
        an unstressed ending, so Whisper writes two adjectives. Only for compounds of the
        dictionaries, and only when the second word is a form of the compound's second part."""
        for index in range(len(words) - 1):
            first, second = words[index], words[index + 1]
            if first is None or second is None or not first.isalpha():
                continue
            # «лоханочном и мочеточниковом»: the linking vowel heard as «и» of its own,
            # for the dictionaries' hyphenated compounds only (no «правой и левой»)
            joined = _fold(second) == "и" and index + 2 < len(words) and words[index + 2]
            last = index + 2 if joined else index + 1
            head, tail = _fold(first), _fold(str(words[last]))
            stem = head[:-1]
            while len(stem) >= _MIN_COMPOUND_PART - 1:
                compound = self._compound(head, stem, tail, hyphenated_only=bool(joined))
                if compound is not None:
                    raw = " ".join(str(w) for w in words[index : last + 1])
                    yield Replacement(
                        index, last + 1, raw, _restore_case(first, compound), 0.95, "compound"
                    )
                    break
                stem = stem[:-1]
                if len(head) - len(stem) > _MAX_ENDING:
                    break

    def _compound(
        self, head: str, stem: str, tail: str, hyphenated_only: bool = False
    ) -> str | None:
        """The compound of ``stem`` + a linking vowel + ``tail``: hyphenated as the
        dictionaries write it, or solid («нижнем внутреннем» → «нижневнутреннем»)."""
        for vowel in ("о", "е"):
            linking = stem + vowel
            if linking == head:
                continue
            if tail in self.compounds.get(linking, ()):
                return f"{linking}-{tail}"
            if hyphenated_only:
                continue
            if len(tail) >= _MIN_COMPOUND_PART and self.is_term_form(linking + tail):
                return linking + tail
        return None

    # --- multi-word terms ----------------------------------------------------------------
    def _in_terms(self, words: Sequence[str | None]) -> Iterable[Replacement]:
        folded = [_fold(w) if w is not None and w.isalpha() else None for w in words]
        seen: set[tuple[int, int]] = set()
        for i, word in enumerate(folded):
            if word is None:
                continue
            for strict, anchors in ((False, self.anchors), (True, self.generic_anchors)):
                for number, position in anchors.get(word, ()):
                    start = i - position
                    term = self.terms[number]
                    if (start, number) in seen or start < 0:
                        continue
                    if start + len(term.words) > len(words):
                        continue
                    seen.add((start, number))
                    replacement = self._match(words, folded, start, term, strict)
                    if replacement is not None:
                        yield replacement

    def _match(
        self,
        words: Sequence[str | None],
        folded: list[str | None],
        start: int,
        term: _Term,
        strict: bool = False,
    ) -> Replacement | None:
        fixes: list[tuple[int, str, float]] = []
        for offset, term_word in enumerate(term.words):
            raw = folded[start + offset]
            if raw is None:
                return None
            forms = lexeme(term_word)
            if raw in forms:
                continue
            if len(raw) < 4 or len(fixes) >= max(1, len(term.words) // 2):
                return None
            if self.is_term_form(raw):
                return None
            best = _nearest_form(raw, forms, strict)
            if best is None:
                return None
            fixes.append((start + offset, best[0], best[1]))
        if len(fixes) != 1:
            return None
        index, form, score = fixes[0]
        raw_word = str(words[index])
        return Replacement(
            index, index + 1, raw_word, _restore_case(raw_word, form), score, term.source
        )


def _nearest_form(raw: str, forms: Sequence[str], strict: bool = False) -> tuple[str, float] | None:
    """The form that sounds like ``raw``: phonetic keys nearly equal, spelling close."""
    key = phonetic_key(raw)
    min_key, min_surface = (
        (STRICT_KEY_SCORE, STRICT_SURFACE_SCORE) if strict else (MIN_KEY_SCORE, MIN_SURFACE_SCORE)
    )
    best: tuple[str, float] | None = None
    for form in forms:
        key_score = fuzz.ratio(key, phonetic_key(form))
        surface = fuzz.ratio(raw, form)
        if key_score < min_key or surface < min_surface:
            continue
        score = (key_score + surface) / 200
        if best is None or score > best[1]:
            best = (form, score)
    return best
