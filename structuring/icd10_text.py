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
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from semd_templates import nsi
from vocabularies.lexicon import morphology as _morph

WORD_RE = re.compile(r"[A-Za-zА-Яа-яЁё]+\d*|\d+")
_LABEL_RE = re.compile(r"[^\W\d_]+\d+")
_CYRILLIC_RE = re.compile(r"[А-Яа-яЁё]")
# Latin letters that look like Cyrillic ones: a dictated «pак» (Latin p) is «рак».
_LOOKALIKES = str.maketrans("aceopxykmhtbACEOPXYKMHTB", "асеорхукмнтвАСЕОРХУКМНТВ")
# A word cut short by a full stop inside a sentence («о. панкреатит», «интерстиц. отёк»).
_TRUNCATED_RE = re.compile(r"\.\s*[а-яё]")
_MIN_TRUNCATION = 3
_COMBINING_HYPHEN_RE = re.compile(r"\b([А-Яа-яЁё]+[оеОЕ])-([А-Яа-яЁё]+)")
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


def fold(word: str) -> str:
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
        for match in WORD_RE.finditer(text):
            key = _default_lemma(fold(match[0]))
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
        match.end(): lemma(fold(match[1] + match[2]))
        for match in _COMBINING_HYPHEN_RE.finditer(text)
        if not match[2][:1].isupper()
    }
    found: list[str] = []
    previous = ""
    for match in WORD_RE.finditer(text):
        word = fold(match[0])
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
