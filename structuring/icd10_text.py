"""Text normalisation shared by the МКБ-10 index and its queries.

Conclusion text and classification names go through the same steps, so that they meet on
equal terms: Latin look-alike letters inside Cyrillic words are mapped to Cyrillic, «ё» to
«е», hyphenated words split («фиброзно-кистозная» → two words), and every word reduced to
its lemma (pymorphy3). Lemmas are what the index and the cue lists in ``data/`` hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from semd_templates import nsi
from vocabularies.lexicon import morphology as _morph

_WORD_RE = re.compile(r"[A-Za-zА-Яа-яЁё]+\d*|\d+")
_LABEL_RE = re.compile(r"[^\W\d_]+\d+")
_CYRILLIC_RE = re.compile(r"[А-Яа-яЁё]")
# Latin letters that look like Cyrillic ones: a dictated «pак» (Latin p) is «рак».
_LOOKALIKES = str.maketrans("aceopxykmhtbACEOPXYKMHTB", "асеорхукмнтвАСЕОРХУКМНТВ")
_ASIDE_RE = re.compile(r"\([^()]*\)")
# Not after a one-letter abbreviation («ОНМК в бас. л. СМА»).
_SENTENCE_RE = re.compile(r"(?<=[.!?])(?<![\s(][а-яёА-ЯЁ]\.)\s+(?![a-zа-яё])|\n+")
# A word cut short by a full stop inside a sentence («о. панкреатит», «интерстиц. отёк»).
_TRUNCATED_RE = re.compile(r"\.\s*[а-яё]")
_MIN_TRUNCATION = 3
_HEADING_WORDS = 2
_COMBINING_HYPHEN_RE = re.compile(r"\b([А-Яа-яЁё]+[оеОЕ])-([А-Яа-яЁё]+)")
# A full stop before a lower-case word ends an abbreviation («Хр. калькулезный»), not a clause.
_DASH_RE = re.compile(r"\s+[-–—]\s+")
# «Переломы 6, 7, 8 ребер» is one clause: a comma between numbers lists them.
_CLAUSE_RE = re.compile(
    r"[;:!\n]+|(?<![\s(][а-яёА-ЯЁ])\.+(?!\s*[a-zа-яё\d])|(?<=\?)|(?<!\d),\s+|,\s+(?!\d)"
    r"|\s+[-–—]\s+"
)
# Vertebra labels are Latin («C6», «Th12», «L4»); a dictated Cyrillic «С6» means the same.
_SHORT_FORMS = frozenset({"ADJS", "PRTS"})
_TO_LATIN = str.maketrans("асеорхкмнтвАСЕОРХКМНТВ", "aceopxkmhtbACEOPXKMHTB")


def data_text(name: str) -> str:
    """A packaged data file of ``structuring/data``."""
    return resources.files("structuring").joinpath("data", name).read_text("utf-8")


@cache
def cues() -> dict[str, Any]:
    """The cue lists of ``icd10_cues.json`` (negation, suspicion, normal study, stop words)."""
    loaded: dict[str, Any] = json.loads(data_text("icd10_cues.json"))
    return loaded


def tsv_rows(name: str) -> Iterator[tuple[str, str]]:
    """Two-column rows of a packaged TSV, comments and blank lines skipped."""
    for line in data_text(name).splitlines():
        if line.strip() and not line.startswith("#"):
            left, right = line.split("\t")
            yield left.strip(), right.strip()


def _fold(word: str) -> str:
    if _LABEL_RE.fullmatch(word):
        return word.translate(_TO_LATIN).lower()
    if _CYRILLIC_RE.search(word):
        word = word.translate(_LOOKALIKES)
    return word.lower().replace("ё", "е")


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """Dictionary form of one folded word (Latin words and numbers stay as they are).

    Where pymorphy3 offers several readings, the one whose lemma the classification's names
    use wins: «аневризмы» is «аневризма» (not the archaic «аневризм»), «субдуральной» is
    «субдуральный» (not a surname «Субдуральна»), so a word meets its name in any case form.
    """
    default = _default_lemma(word)
    if not _CYRILLIC_RE.search(word):
        return default
    known = _name_vocabulary()
    parses = _morph().parse(word)
    # A reading the names use only ties with an equally likely one; a lemma they never use
    # gives way to any reading they do.
    if known.get(default, 0):
        parses = [p for p in parses if p.score == parses[0].score]
    best = default
    for parse in parses:
        form = str(parse.normal_form).replace("ё", "е")
        if known.get(form, 0) > known.get(best, 0):
            best = form
    return best


@cache
def _name_vocabulary() -> dict[str, int]:
    """How often each lemma occurs in МКБ-10 names and the radiology vocabulary's wording."""
    counts: dict[str, int] = {}
    texts = [entry.name for entry in nsi.mkb10().values()]
    texts += [part for name in _VOCABULARY_FILES for row in tsv_rows(name) for part in row]
    for text in texts:
        for match in _WORD_RE.finditer(text):
            key = _default_lemma(_fold(match[0]))
            counts[key] = counts.get(key, 0) + 1
    return counts


_VOCABULARY_FILES = ("icd10_synonyms.tsv", "icd10_phrasings.tsv")


@lru_cache(maxsize=65536)
def _default_lemma(word: str) -> str:
    """pymorphy3's most likely lemma; on a tie a full reading beats a short adjective
    («яичников» is «яичник», not «яичниковый»): names and conclusions rarely use short forms."""
    if not _CYRILLIC_RE.search(word):
        return word
    parses = _morph().parse(word)
    top = [p for p in parses if p.score == parses[0].score]
    chosen = next((p for p in top if p.tag.POS not in _SHORT_FORMS), parses[0])
    return str(chosen.normal_form).replace("ё", "е")


def lemmas(text: str) -> list[str]:
    """Lemmas of ``text`` in order, each hyphenated compound whose first part is a combining
    form followed by its fused lemma («верхне-наружного» is also «верхненаружный», as МКБ-10
    writes it)."""
    # Each fused lemma right after its parts, so that what negation cuts off it cuts off too.
    # Not two names («Легга-Кальве-Пертеса»): an eponym is no combining form, and a doctor
    # joins its names with a hyphen, a dash or a space.
    fused = {
        match.end(): lemma(_fold(match[1] + match[2]))
        for match in _COMBINING_HYPHEN_RE.finditer(text)
        if not match[2][:1].isupper()
    }
    found: list[str] = []
    previous = ""
    for match in _WORD_RE.finditer(text):
        word = _fold(match[0])
        truncated = _TRUNCATED_RE.match(text, match.end()) or (
            len(word) == 1 and text.startswith(".", match.end())
        )
        if truncated and _CYRILLIC_RE.search(word):
            found.append(_completed(word))
        else:
            found.append(_agreeing_lemma(previous, word) or lemma(word))
        previous = word
        if match.end() in fused:
            found.append(fused[match.end()])
    return found


@lru_cache(maxsize=65536)
def _agreeing_lemma(adjective: str, noun: str) -> str | None:
    """The noun's lemma its adjective decides: «молочная железа» is a gland («железа»), not
    the genitive of iron («железо»), which pymorphy3 ranks first. None when the word before
    is no adjective, the noun has one lemma anyway, or the names never use the agreeing one."""
    if not (_CYRILLIC_RE.search(adjective) and _CYRILLIC_RE.search(noun)):
        return None
    nouns = [p for p in _morph().parse(noun) if p.tag.POS == "NOUN"]
    if len({p.normal_form for p in nouns}) < 2:
        return None
    adjectives = [p for p in _morph().parse(adjective) if p.tag.POS == "ADJF"]
    agreeing = {
        str(n.normal_form).replace("ё", "е")
        for n in nouns
        for a in adjectives
        if a.tag.case == n.tag.case
        and a.tag.number == n.tag.number
        and (n.tag.number == "plur" or a.tag.gender == n.tag.gender)
    }
    if len(agreeing) != 1:
        return None
    chosen = next(iter(agreeing))
    # only a lemma the names use: the names' own readings stay what they were («мыщелка»)
    return chosen if _name_vocabulary().get(chosen, 0) else None


@lru_cache(maxsize=4096)
def _completed(word: str) -> str:
    """The lemma a truncated word stands for: «о.» → «острый» (``truncations`` in the cues),
    «ишем.» → the classification's most frequent adjective (else word) it begins
    («ишемический»)."""
    spelled: dict[str, str] = cues()["truncations"]
    if word in spelled:
        return lemma(spelled[word])
    if len(word) < _MIN_TRUNCATION:
        return lemma(word)
    known = _name_vocabulary()
    completions = [w for w in known if w.startswith(word) and w != word]
    if not completions:
        return lemma(word)
    # Doctors shorten the long attributes («компр. перелом»): an adjective, else a noun.
    return max(completions, key=lambda w: (_adjective(w), known[w], w))


def _adjective(word: str) -> bool:
    return any(p.tag.POS == "ADJF" for p in _morph().parse(word)[:1])


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


def find(sequence: list[str], phrase: tuple[str, ...]) -> int:
    """Index of ``phrase`` as a contiguous run in ``sequence``, or -1."""
    size = len(phrase)
    for start in range(len(sequence) - size + 1):
        if tuple(sequence[start : start + size]) == phrase:
            return start
    return -1


def find_near(sequence: list[str], phrase: tuple[str, ...], gap: int = 3) -> bool:
    """True when ``phrase`` occurs in order in ``sequence``, up to ``gap`` words apart
    («тромбоэмболия мелких ветвей лёгочной артерии» holds «тромбоэмболия … артерии»)."""
    position = -1
    for word in phrase:
        window = sequence[position + 1 : position + 2 + gap] if position >= 0 else sequence
        if word not in window:
            return False
        position += 1 + window.index(word)
    return True


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
    for word in _WORD_RE.findall(text):
        plural = _plural_noun(_fold(word))
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
    for word in _WORD_RE.findall(text):
        parses = _morph().parse(_fold(word))
        if not any(p.tag.POS == "NOUN" for p in parses[:1]):
            continue
        if not _morph().word_is_known(_fold(word)):
            return False  # a guessed parse («туберкулема») is no evidence of a case
        cases = {p.tag.case for p in parses if p.tag.POS == "NOUN"}
        return cases == {"gent"}
    return False
