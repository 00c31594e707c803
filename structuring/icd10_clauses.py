"""How a conclusion is read: sentences, statements and their elaborations, clauses, and what
each clause negates, suspects or states as normal (cues in ``data/icd10_cues.json``).
Words are normalised by ``structuring.icd10_text``."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from structuring.icd10_text import WORD_RE, cues, find, find_near, fold, lemmas
from vocabularies.lexicon import morphology as _morph

_ASIDE_RE = re.compile(r"\([^()]*\)")
# Not after a one-letter abbreviation («ОНМК в бас. л. СМА»).
_SENTENCE_RE = re.compile(r"(?<=[.!?])(?<![\s(][а-яёА-ЯЁ]\.)\s+(?![a-zа-яё])|\n+")
_HEADING_WORDS = 2
_DASH_RE = re.compile(r"\s+[-–—]\s+")
# A full stop before a lower-case word ends an abbreviation («Хр. калькулезный»), not a clause;
# «Переломы 6, 7, 8 ребер» is one clause: a comma between numbers lists them.
_CLAUSE_RE = re.compile(
    r"[;:!\n]+|(?<![\s(][а-яёА-ЯЁ])\.+(?!\s*[a-zа-яё\d])|(?<=\?)|(?<!\d),\s+|,\s+(?!\d)"
    r"|\s+[-–—]\s+"
)


def clauses(text: str) -> list[str]:
    """Clauses of a conclusion: sentences cut at commas, semicolons and dashes (a clause
    keeps its question mark: «канцероматоз?» is a suspicion)."""
    return [part.strip() for part in _CLAUSE_RE.split(text) if part.strip(" ?")]


def main_and_detail(text: str) -> tuple[str, str]:
    """The conclusion's statements, and what only elaborates them: asides in parentheses
    («(артериальное усиление, вымывание …)») and what follows a colon within a sentence
    («… непроходимости: множественные чаши Клойбера …»)."""
    parts = sentences_and_details(text)
    return (
        " ".join(statement for statement, _ in parts),
        "; ".join(detail for _, details in parts for detail in details),
    )


def sentences_and_details(text: str) -> list[tuple[str, list[str]]]:
    """Each sentence's statement and the elaborations it holds (see ``main_and_detail``)."""
    asides: list[str] = []

    def hold(match: re.Match[str]) -> str:
        asides.append(match[0].strip(" ()"))
        return f" \x00{len(asides) - 1}\x00 "

    result: list[tuple[str, list[str]]] = []
    for held in _SENTENCE_RE.split(_ASIDE_RE.sub(hold, text)):
        details = [asides[int(n)] for n in _HELD_RE.findall(held)]
        statement = _HELD_RE.sub(" ", held)
        head, colon, tail = statement.partition(":")
        # «Заключение: …» opens with a heading, not with a statement.
        if colon and len(head.split()) > _HEADING_WORDS:
            # the aside's place in the sentence does not matter; the colon's tail comes last
            details.append(tail.strip())
            # the head still ends its sentence: the next one is another statement
            statement = head.rstrip() + "."
        result.append((statement, [d for d in details if d]))
    return result


_HELD_RE = re.compile(r"\x00(\d+)\x00")


@dataclass(frozen=True)
class Clause:
    """One clause of a conclusion, reduced to what the retrieval looks at."""

    lemmas: tuple[str, ...]
    """Lemmas left once negated words are taken out."""
    position: int
    suspected: bool
    negated: bool
    """The clause negated something («без признаков …», «… не выявлено»)."""
    normal: bool
    """The clause states a study without pathology («патологии не выявлено»)."""
    detail: bool = False
    """An elaboration (parentheses, after a colon), not a statement of the conclusion."""
    later: bool = False
    """In a sentence after the first (or an elaboration): usually a secondary finding."""
    sentence: int = 0
    """Which sentence it is in (an elaboration: the sentence it elaborates)."""
    explains: bool = False
    """After a dash in its sentence: it says what the finding before it is («… — аденома»)."""
    ruled_out: tuple[str, ...] = ()
    """What the clause says is not there («очаговых изменений головного мозга не выявлено»)."""


@cache
def _normal_predicate() -> re.Pattern[str]:
    """«… связки интактны», «… не изменены»: a short form stating that what the clause names
    is normal."""
    forms = sorted(cues()["normal_predicates"], key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, forms)) + r")(?![\w-])", re.I)


@cache
def _phrases(key: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(lemmas(phrase)) for phrase in cues()[key])


@cache
def _negation_after() -> tuple[tuple[str, ...], ...]:
    """The negation cues that follow what they negate, each reflexive verb also as its
    participle's verb: «не визуализируется» and «не визуализирован», «не определяется» and
    «не определён»."""
    cues_ = list(_phrases("negation_after"))
    for cue in list(cues_):
        if cue[-1].endswith(("ся", "сь")):
            variant = (*cue[:-1], cue[-1][:-2])
            if variant not in cues_:
                cues_.append(variant)
    return tuple(cues_)


def _strip_history(words: list[str]) -> list[str]:
    """Words of a clause without a disease it names as past («после перенесённой пневмонии»),
    unless the clause is about that disease's sequelae («последствия перенесённого ОНМК»)."""
    if any(word in words for word in cues()["sequelae"]):
        return words
    for cue in _phrases("history_before"):
        at = find(words, cue)
        if at != -1:
            return words[:at]
    return words


def _strip_negated(words: list[str]) -> tuple[list[str], list[str] | None]:
    """Words of a clause without the negated part, and the negated part (None when nothing
    was negated)."""
    for cue in _phrases("negation_before"):
        at = find(words, cue)
        if at != -1:
            return words[:at], words[at + len(cue) :]
    for cue in _negation_after():
        at = find(words, cue)
        if at == -1:
            continue
        # A cue that opens the clause negates what follows it, otherwise what precedes it.
        if at == 0:
            return [], words[len(cue) :]
        return words[at + len(cue) :], words[:at]
    return words, None


_MULTIPLE = "множественный"


def _plural_finding(text: str) -> bool:
    """The clause names a finding in the plural («переломы VI–VIII рёбер»): МКБ-10 words it
    «множественные …» (the findings that count are ``plural_is_multiple`` in the cues)."""
    for word in WORD_RE.findall(text):
        plural = _plural_noun(fold(word))
        if plural is not None and plural not in _lemma_cue("query_stopwords"):
            return plural in _lemma_cue("plural_is_multiple")
    return False


@lru_cache(maxsize=65536)
def _plural_noun(word: str) -> str | None:
    """The lemma of a folded word read as a plural noun, else None."""
    parse = _morph().parse(word)[0]
    if parse.tag.POS == "NOUN" and parse.tag.number == "plur":
        return str(parse.normal_form).replace("ё", "е")
    return None


@cache
def _lemma_cue(key: str) -> frozenset[str]:
    return frozenset(cues()[key])


def read_clause(
    text: str,
    position: int,
    *,
    detail: bool = False,
    later: bool = False,
    sentence: int = 0,
    explains: bool = False,
) -> Clause:
    words = lemmas(text)
    normal = any(find_near(words, cue) for cue in _phrases("normal")) or bool(
        _normal_predicate().search(text)
    )
    # «… — канцероматоз?»: the radiologist's question mark is a suspicion.
    suspected = text.rstrip().endswith("?")
    for cue in _phrases("suspicion"):
        at = find(words, cue)
        if at != -1:
            # The cue itself is no part of the diagnosis («подозрительное на рак» → «рак»).
            words, suspected = words[:at] + words[at + len(cue) :], True
    kept, ruled_out = _strip_negated(_strip_history(words))
    negated = ruled_out is not None
    if kept and _plural_finding(text):
        kept.append(_MULTIPLE)
    # A clause that states normality names organs, not a disease to code.
    return Clause(
        () if normal else tuple(kept),
        position,
        suspected,
        negated,
        normal,
        detail,
        later,
        sentence,
        explains,
        tuple(words if normal else ruled_out or ()),
    )


def _with_levels(found: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """A clause of vertebra or segment labels alone («C5–C6: грыжа диска …») says where the
    next clause's finding is: the two are read as one."""
    merged: list[tuple[str, bool]] = []
    level = ""
    for text, explains in found:
        if _LEVELS_RE.fullmatch(text):
            level = f"{level} {text}".strip()
            continue
        merged.append((f"{level} {text}".strip(), explains))
        level = ""
    if level:
        merged.append((level, False))
    return merged


_LEVELS_RE = re.compile(r"(?:[A-Za-zА-Яа-я]{1,2}\d{1,2}[\s,–—-]*)+")


def read_conclusion(text: str) -> tuple[list[Clause], list[str]]:
    """The conclusion's clauses, statements first and elaborations after them, negation and
    suspicion marked; and the text of each."""
    sentences: list[list[tuple[str, bool]]] = []
    details: list[tuple[str, int]] = []
    for statement, elaborations in sentences_and_details(text):
        parts = _DASH_RE.split(statement)
        found = _with_levels([(c, n > 0) for n, part in enumerate(parts) for c in clauses(part)])
        if found:
            sentences.append(found)
        # an elaboration belongs to its sentence (the last one when it stands alone)
        number = max(len(sentences) - 1, 0)
        details += [(c, number) for detail in elaborations for c in clauses(detail)]
    texts = [part for sentence in sentences for part, _ in sentence]
    explaining = [after for sentence in sentences for _, after in sentence]
    numbers = [n for n, sentence in enumerate(sentences) for _ in sentence]
    first = len(sentences[0]) if sentences else 0
    statements = len(texts)
    texts += [c for c, _ in details]
    numbers += [n for _, n in details]
    explaining += [False] * len(details)
    parsed = [
        read_clause(
            part,
            i,
            detail=i >= statements,
            later=i >= first,
            sentence=numbers[i],
            explains=explaining[i],
        )
        for i, part in enumerate(texts)
    ]
    return _negated_lists(parsed, texts), texts


def _negated_lists(parsed: list[Clause], texts: list[str]) -> list[Clause]:
    """«Очаговых изменений, признаков кровоизлияния не выявлено»: a negation after a list
    negates each item of it — an item in the genitive with no predicate of its own is the
    negation's object, not a finding (a finding is said in the nominative: «Киста почки,
    конкрементов не выявлено»)."""
    result = list(parsed)
    for i in range(len(result) - 2, -1, -1):
        clause, following = result[i], result[i + 1]
        if (
            following.negated
            and following.sentence == clause.sentence
            and following.detail == clause.detail
            and not clause.negated
            and not clause.normal
            and _genitive_object(texts[i])
        ):
            result[i] = replace(clause, lemmas=(), negated=True, ruled_out=clause.lemmas)
    return result


def _genitive_object(text: str) -> bool:
    """The clause's first noun can only be a genitive («изменений», «очагов», «признаков»)."""
    for word in map(fold, WORD_RE.findall(text)):
        parses = _morph().parse(word)
        if not parses or parses[0].tag.POS != "NOUN":
            continue
        if not _morph().word_is_known(word):
            return False  # a guessed parse («туберкулема») is no evidence of a case
        cases = {p.tag.case for p in parses if p.tag.POS == "NOUN"}
        return cases == {"gent"}
    return False
