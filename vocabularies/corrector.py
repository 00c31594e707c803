"""Conservative near-miss correction of Whisper's mishearings against dictionary word forms.

Only windows of 1-3 words that contain a word unknown to Russian morphology and to the
ordinary lexicon are considered; the window (joined, as Whisper splits words: «нижне далевых»)
is matched by phonetic key and rapidfuzz ratio against every inflected form of the active
dictionaries' words. Known words are left alone unless two of them join exactly into a
dictionary form («внутри грудных» → «внутригрудных»).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from vocabularies.phonetic import phonetic_key
from vocabularies.spelling import sound_alike_word

_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]+(?:-[а-яёА-ЯЁ]+)*")
_MAX_WINDOW = 3
_MIN_SUSPECT_LENGTH = 4
_MIN_SINGLE_WORD = 6  # a lone short unknown word is too ambiguous to correct
_MIN_SPLIT_LENGTH = 8
_MIN_PART = 3
_SPLIT_FACTOR = 0.95
_PREPOSITION_SPLIT = 0.93
_ORDINARY_PART = 0.9
_MIN_ORDINARY_PART = 4
_MIN_COMPOUND_TAIL = 4
_MAX_SHORT_PART = 3
_MIN_COMPOUND_LENGTH = 9
_COMPOUND_SCORE = 0.9
SOUND_ALIKE = "morphology"
"""The ``dictionary`` of a slip mended from Russian morphology, not a specialty dictionary."""
_KEY_WEIGHT = 0.6
"""Sound-alike counts more than spelled-alike: Whisper misspells by ear («мененгемы»). At 0.5
«гимотом», «мышилке» stayed; at 0.7 general text started to change (docs/dictionaries.md)."""
# Words that never start a joined window: «не смещено» must not become «несмещено».
_NO_JOIN_FIRST = frozenset(
    {
        "не",
        "ни",
        "и",
        "а",
        "в",
        "с",
        "к",
        "у",
        "о",
        "без",
        "при",
        "под",
        "над",
        "перед",
        "по",
        "за",
        "от",
        "до",
        "из",
        "на",
        "со",
        "во",
    }
)


@dataclass(frozen=True)
class Replacement:
    """Words ``start:end`` of the input become ``text``."""

    start: int
    end: int
    raw: str
    text: str
    score: float
    dictionary: str


def _threshold(length: int) -> float:
    # Short keys collide easily: demand more of them.
    if length >= 10:
        return 84.0
    if length >= 7:
        return 86.0
    return 90.0


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


class _Band:
    """Keys sorted by length, so that a length band is one slice."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = sorted(keys, key=len)
        self.lengths = [len(key) for key in self.keys]

    def around(self, length: int) -> list[str]:
        low = bisect_left(self.lengths, int(length * 0.8))
        high = bisect_right(self.lengths, int(length * 1.25) + 1)
        return self.keys[low:high]


class KeyTable:
    """Forms grouped by phonetic key. A mishearing keeps the start or the end of a word
    («аккордиолога» → «кардиолога» keeps «-лога»), so keys are searched among those that share
    the first sound or the last two: ~20 times fewer comparisons than the whole length band.
    """

    def __init__(self, forms: Mapping[str, str], strictness: float) -> None:
        grouped: dict[str, list[tuple[str, str]]] = {}
        for form, source in sorted(forms.items()):
            grouped.setdefault(phonetic_key(form), []).append((form, source))
        self.by_key = grouped
        heads: dict[str, list[str]] = {}
        tails: dict[str, list[str]] = {}
        for key in grouped:
            heads.setdefault(key[:1], []).append(key)
            tails.setdefault(key[-2:], []).append(key)
        self.heads = {head: _Band(keys) for head, keys in heads.items()}
        self.tails = {tail: _Band(keys) for tail, keys in tails.items()}
        self.strictness = strictness

    def _shortlist(self, key: str) -> list[str]:
        found: list[str] = []
        for bands, part in ((self.heads, key[:1]), (self.tails, key[-2:])):
            band = bands.get(part)
            if band is not None:
                found += band.around(len(key))
        return list(dict.fromkeys(found))

    def nearest(self, text: str, start: str = "") -> tuple[str, str, float] | None:
        """Best form that begins with ``start`` (folded)."""
        key = phonetic_key(text)
        cutoff = min(_threshold(len(key)) + self.strictness, 100.0)
        # Score = weighted mean of sound-alike (key) and spelled-alike (surface) similarity: a
        # sound match alone maps rare correct words onto unrelated ones («тяжистой» →
        # «тяжестями»).
        best: tuple[str, str, float] | None = None
        for found_key, key_score, _ in process.extract(
            key,
            self._shortlist(key),
            scorer=fuzz.ratio,
            score_cutoff=cutoff - 8,
            limit=64 if start else 8,  # most keys fail the start: look further
        ):
            for form, source in self.by_key[found_key]:
                if not _fold(form).startswith(start):
                    continue
                score = _KEY_WEIGHT * key_score + (1 - _KEY_WEIGHT) * fuzz.ratio(
                    _fold(text), _fold(form)
                )
                if score >= cutoff and (best is None or score > best[2]):
                    best = (form, source, score)
        return best


class SuffixIndex:
    """Forms by their ending: the forms that end with a word («…фиброз»)."""

    def __init__(self, forms: Iterable[str]) -> None:
        self.forms = frozenset(forms)
        self._reversed = sorted(form[::-1] for form in self.forms)

    def ending_with(self, tail: str) -> list[str]:
        key = tail[::-1]
        low = bisect_left(self._reversed, key)
        high = bisect_left(self._reversed, key + "\uffff")
        return [form[::-1] for form in self._reversed[low:high] if len(form) > len(key)]


class FormIndex:
    """Dictionary word forms: curated and FNSI forms first, the broad ones (МКБ-10) stricter."""

    def __init__(
        self,
        forms: Mapping[str, str],
        *,
        broad: frozenset[str] = frozenset(),
        known: frozenset[str] = frozenset(),
        fallback: KeyTable | None = None,
        spoken: frozenset[str] = frozenset(),
        suffixes: SuffixIndex | None = None,
    ) -> None:
        self.forms = {form.replace("ё", "е"): (form, source) for form, source in forms.items()}
        self.known = known
        """Forms of all packaged dictionaries, active or not: never "corrected" away."""
        self.spoken = spoken
        """Forms that are only how an abbreviation is said («один» of «T1»), not terms."""
        self._core = KeyTable({f: s for f, s in forms.items() if s not in broad}, 0.0)
        self._broad = KeyTable({f: s for f, s in forms.items() if s in broad}, 6.0)
        self._fallback = fallback
        """The other specialties' forms, stricter: a chest CT also says «венозного застоя»."""
        self._cache: dict[str, tuple[str, str, float] | None] = {}
        self._suffixes = suffixes
        """Shared by every vocabulary (the packaged forms); the rest are indexed here."""
        self._own_suffixes: SuffixIndex | None = None

    def ending_with(self, tail: str) -> list[str]:
        """Dictionary forms that end with ``tail`` (folded), longer than it."""
        if self._own_suffixes is None:
            shared = self._suffixes.forms if self._suffixes else frozenset()
            self._own_suffixes = SuffixIndex(f for f in self.forms if f not in shared)
        found = self._own_suffixes.ending_with(tail)
        if self._suffixes is not None:
            found += [f for f in self._suffixes.ending_with(tail) if f in self.forms]
        return found

    def __contains__(self, word: str) -> bool:
        folded = word.lower().replace("ё", "е")
        return folded in self.forms or folded in self.known

    def nearest(self, text: str, start: str = "") -> tuple[str, str, float] | None:
        """Best (form, dictionary, score 0-100) for ``text``, or None below the threshold;
        only forms beginning with ``start`` (folded) if given."""
        cache_key = f"{start}|{text}"
        if cache_key not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            found = self._core.nearest(text, start) or self._broad.nearest(text, start)
            if found is None and self._fallback is not None:
                found = self._fallback.nearest(text, start)
            self._cache[cache_key] = found
        return self._cache[cache_key]


_PREPOSITIONS = _NO_JOIN_FIRST - {"не", "ни", "и", "а"}
_ONE_LETTER_SPLIT = frozenset({"в", "к", "с"})
"""«вправой», «сутолщенным»: a one-letter preposition fused with a known word is split off
(dropping it would lose a word: docs/corrections.md)."""
_FUSED_PREPOSITION = 0.99
_CONSONANTS = frozenset("бвгджзйклмнпрстфхцчшщ")


def _splits_off(preposition: str, rest: str) -> bool:
    """Whether «без|очаговых» may be two words: a preposition of two letters or more (not
    «ни»), before a whole word; «со»/«во» only before two consonants, as Russian writes them."""
    if preposition in _ONE_LETTER_SPLIT:
        return len(rest) >= _MIN_SINGLE_WORD - 1
    if len(preposition) < 2 or preposition == "ни" or len(rest) < _MIN_SINGLE_WORD:
        return False
    if preposition in {"со", "во"}:
        return rest[0] in _CONSONANTS and rest[1] in _CONSONANTS
    return True


def _has_acronym(word: str) -> bool:
    """«КТ-карти»: an abbreviation part is never merged into a correction."""
    return any(len(part) > 1 and part.isupper() for part in word.split("-"))


def _restore_case(raw: str, corrected: str) -> str:
    return corrected[:1].upper() + corrected[1:] if raw[:1].isupper() else corrected


class NearMissCorrector:
    """Finds replacements in a word sequence; ``None`` items are barriers (punctuation)."""

    def __init__(
        self,
        index: FormIndex,
        is_ordinary: Callable[[str], bool],
        takes_case: Callable[[str], bool] = lambda word: True,
        governs: Callable[[str, str], bool] = lambda preposition, word: True,
    ) -> None:
        """``takes_case``: whether a word can be in a case, i.e. can follow a preposition;
        ``governs``: whether a preposition can govern a word's case («с компрессией»)."""
        self.index = index
        self.is_ordinary = is_ordinary
        self.takes_case = takes_case
        self.governs = governs

    def _known(self, word: str) -> bool:
        return word in self.index or self.is_ordinary(word)

    def _suspect(self, word: str) -> bool:
        if len(word) < _MIN_SUSPECT_LENGTH or self._known(word):
            return False
        # «масс-эффектом», «рёберно-диафрагмальных»: known parts make a known word.
        parts = word.split("-")
        return len(parts) == 1 or not all(self._known(part) or len(part) < 3 for part in parts)

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        candidates: list[Replacement] = []
        eligible = [
            w is not None and bool(_CYRILLIC.fullmatch(w)) and not _has_acronym(w) for w in words
        ]
        suspects = [bool(eligible[i]) and self._suspect(str(words[i])) for i in range(len(words))]
        for start in range(len(words)):
            # «к наружен», «перед не боковых»: a word no preposition can govern makes the
            # preposition the first sound of a word, as an unknown word would.
            split_prefix = (
                start + 1 < len(words)
                and eligible[start + 1]
                and str(words[start]).lower() in _PREPOSITIONS
                and not self.takes_case(str(words[start + 1]))
            )
            for end in range(start + 1, min(start + _MAX_WINDOW, len(words)) + 1):
                if not all(eligible[start:end]):
                    break
                suspect = any(suspects[start:end]) or (split_prefix and end - start > 1)
                candidate = self._candidate(words, start, end, suspect, split_prefix)
                if candidate is not None:
                    candidates.append(candidate)
            for size in (2, 3):  # «пневма фиброз», «то за бедренного»
                window = words[start : start + size]
                if len(window) < size or not all(eligible[start : start + size]):
                    break
                if any(suspects[start : start + size]):
                    break
                compound = self._compound([str(w) for w in window[:-1]], str(window[-1]), start)
                if compound is not None:
                    candidates.append(compound)
            if suspects[start]:
                split = self._split(str(words[start]), start)
                if split is not None:
                    candidates.append(split)
            compound = self._after_acronym(words[start], start)
            if compound is not None:
                candidates.append(compound)
        chosen = _best_non_overlapping(candidates)
        return sorted(chosen + self._sound_alike(words, eligible, chosen), key=lambda r: r.start)

    def _sound_alike(
        self, words: Sequence[str | None], eligible: list[bool], chosen: list[Replacement]
    ) -> list[Replacement]:
        """Words neither morphology nor a dictionary knows as they are, spelt by ear
        («застойа» → «застоя»; the lexicon's guess at a lemma does not make them known)."""
        covered = {i for r in chosen for i in range(r.start, r.end)}
        mended: list[Replacement] = []
        for position, word in enumerate(words):
            if not eligible[position] or position in covered or str(word).lower() in self.index:
                continue
            form = sound_alike_word(str(word))
            if form is not None:
                raw = str(word)
                text = _restore_case(raw, form)
                mended.append(Replacement(position, position + 1, raw, text, 1.0, SOUND_ALIKE))
        return mended

    def _after_acronym(self, word: str | None, position: int) -> Replacement | None:
        """«КТ-кортина» → «КТ-картина»: the abbreviation stays, the word after it is
        corrected on its own, exactly as if it stood alone."""
        if word is None or "-" not in word:
            return None
        acronym, rest = word.split("-", 1)
        if not (len(acronym) > 1 and acronym.isupper() and _CYRILLIC.fullmatch(rest)):
            return None
        if not self._suspect(rest) or len(rest) < _MIN_SINGLE_WORD:
            return None
        found = self.index.nearest(rest.lower())
        if found is None:
            return None
        form, source, score = found
        corrected = f"{acronym}-{_restore_case(rest, form)}"
        return Replacement(position, position + 1, word, corrected, score / 100.0, source)

    def _absorbs(self, first: str, form: str) -> bool:
        """«заключение эмер» → «заключением»: a whole dictionary word that only gains an
        ending from the unknown word after it — that word is lost, not corrected."""
        head = _fold(first)
        stem = head[: max(4, len(head) - 3)]
        return len(head) >= 7 and head in self.index.forms and _fold(form).startswith(stem)

    def _compound(self, firsts: list[str], second: str, position: int) -> Replacement | None:
        """«пневма фиброз» → «пневмофиброз», «то бедренного» → «тазобедренного»: Whisper heard
        a compound's first part as a word of its own (or two short ones: «то за»). All are
        real words, so the evidence must be strong: the last word is exactly the end of a
        long dictionary form, the first is that form's beginning but for a misheard sound or
        two, and the first word is neither a dictionary word, nor a preposition or
        conjunction, nor a number."""
        first = " ".join(firsts)
        head, tail = "".join(_fold(f) for f in firsts), _fold(second)
        if len(firsts) > 1 and any(len(f) > _MAX_SHORT_PART for f in firsts):
            return None
        if (
            _fold(firsts[0]) in _NO_JOIN_FIRST
            # a dictionary noun or adjective was meant as said; an adverb («внутрь мозговой»)
            # is a compound's first part
            or (head in self.index and head not in self.index.spoken and self.takes_case(head))
            or len(tail) < _MIN_COMPOUND_TAIL
            or not head.isalpha()
        ):
            return None
        best: tuple[str, str, int] | None = None
        heard = phonetic_key(head)
        for form in self.index.ending_with(tail):
            if len(form) < _MIN_COMPOUND_LENGTH:
                continue
            prefix = form[: len(form) - len(tail)]
            # By sound: «один гипофиза» is «адено-гипофиза» with reduced vowels.
            distance = Levenshtein.distance(heard, phonetic_key(prefix))
            if distance > min(2, max(1, len(prefix) // 2)) or len(prefix) < 3:
                continue
            if best is None or distance < best[2]:
                best = (form, self.index.forms[form][1], distance)
            elif distance == best[2] and form != best[0]:
                return None  # two compounds fit equally: do not guess
        if best is None:
            return None
        form, source, distance = best
        raw = f"{first} {second}"
        score = _COMPOUND_SCORE - 0.02 * distance
        return Replacement(
            position,
            position + len(firsts) + 1,
            raw,
            _restore_case(raw, self.index.forms[form][0]),
            score,
            source,
        )

    def _whole_ordinary(self, part: str, other: str) -> bool:
        """«узел» of «узеловальной»: an ordinary word may be one part when the other is a
        long dictionary form — never two short ordinary words («надосной» ≠ «надо сной»)."""
        return (
            len(part) >= _MIN_ORDINARY_PART
            and self.is_ordinary(part)
            and len(other) >= _MIN_SINGLE_WORD
            and other.replace("ё", "е") in self.index.forms
        )

    def _split(self, word: str, position: int) -> Replacement | None:
        """«внутрилёгочныхочагов» → two words: Whisper fused them; one part is a dictionary
        form, the other one too, a near-miss of one, or a whole ordinary word when the
        dictionary part is long («узеловальной»). Scored below a one-word match."""
        folded = word.lower()
        if len(folded) < _MIN_SPLIT_LENGTH and folded[:1] not in _ONE_LETTER_SPLIT:
            return None
        best: tuple[str, str, float, str] | None = None
        for cut in range(1, len(folded) - _MIN_PART + 1):
            left, right = folded[:cut], folded[cut:]
            if left in _NO_JOIN_FIRST:
                # «безочаговых»: a preposition fused with a word — a whole known word, or
                # after a longer preposition a near-miss of a dictionary form («безычаговых»).
                if not _splits_off(left, right):
                    continue
                if left in _ONE_LETTER_SPLIT:
                    if not (self._known(right) and self.governs(left, right)):
                        continue
                    rest, score = right, _FUSED_PREPOSITION
                elif self._known(right):
                    rest, score = right, _PREPOSITION_SPLIT - 0.02 * (right not in self.index)
                elif len(left) >= 3 and (near := self.index.nearest(right)):
                    rest, score = near[0], _PREPOSITION_SPLIT * near[2] / 100
                else:
                    continue
                if best is None or score > best[2]:
                    best = (word[:cut], rest, score, "split")
                continue
            if cut < _MIN_PART:
                continue
            if not (
                left.replace("ё", "е") in self.index.forms
                or right.replace("ё", "е") in self.index.forms
            ):
                continue  # neither part is a dictionary form
            parts: list[tuple[str, str, float]] = []
            for part, other in ((left, right), (right, left)):
                exact = self.index.forms.get(part.replace("ё", "е"))
                if exact is not None:
                    parts.append((exact[0], exact[1], 1.0))
                elif len(part) >= _MIN_SINGLE_WORD and (near := self.index.nearest(part)):
                    parts.append((near[0], near[1], near[2] / 100.0))
                elif self._whole_ordinary(part, other):
                    parts.append((part, "", _ORDINARY_PART))
                else:
                    break
            if len(parts) < 2:
                continue
            score = parts[0][2] * parts[1][2] * _SPLIT_FACTOR
            if best is None or score > best[2]:
                best = (parts[0][0], parts[1][0], score, parts[0][1] or parts[1][1])
        if best is None:
            return None
        text = _restore_case(word, f"{best[0]} {best[1]}")
        return Replacement(position, position + 1, word, text, best[2], best[3])

    def _candidate(
        self,
        words: Sequence[str | None],
        start: int,
        end: int,
        has_suspect: bool,
        split_prefix: bool = False,
    ) -> Replacement | None:
        window = [str(word) for word in words[start:end]]
        after_preposition = end - start > 1 and window[0].lower() in _NO_JOIN_FIRST
        # «сужин до 8 мм» is «сужен до», never «сужено 8 мм»: a preposition before a number
        # or a mark (a barrier here) is a preposition, not a word's last syllable.
        if (
            end - start > 1
            and window[-1].lower() in _NO_JOIN_FIRST
            and (end >= len(words) or words[end] is None)
        ):
            return None
        if after_preposition and not (has_suspect and (end - start == 2 or split_prefix)):
            return None
        raw = " ".join(window)
        joined = "".join(window).lower()
        if not has_suspect:
            # Known words: only an exact join into a dictionary form is safe (also of the
            # parts of one hyphenated word: «лево-сторонний» → «левосторонний»).
            plain = joined.replace("-", "")
            exact = (
                self.index.forms.get(plain.replace("ё", "е"))
                if end - start > 1 or plain != joined
                else None
            )
            if exact is None:
                return None
            form, source = exact
            return Replacement(start, end, raw, _restore_case(raw, form), 1.0, source)
        if len(joined) < _MIN_SINGLE_WORD:
            return None
        # Joined onto a preposition, the form must keep its first letter («к наружен» →
        # «кнаружи», never «наружен» alone).
        found = self.index.nearest(joined, joined[:1] if after_preposition else "")
        if found is None:
            return None
        form, source, score = found
        if end - start == 1 and form.replace("ё", "е") == joined.replace("ё", "е"):
            return None  # the word is a dictionary form already
        if end - start > 1 and self._absorbs(window[0], form):
            return None
        return Replacement(start, end, raw, _restore_case(raw, form), score / 100.0, source)


def _best_non_overlapping(candidates: list[Replacement]) -> list[Replacement]:
    # Higher score first; on a tie the window covering more words wins.
    ranked = sorted(candidates, key=lambda r: (-r.score, -(r.end - r.start), r.start))
    taken: list[Replacement] = []
    for candidate in ranked:
        if all(candidate.end <= other.start or candidate.start >= other.end for other in taken):
            taken.append(candidate)
    return sorted(taken, key=lambda r: r.start)
