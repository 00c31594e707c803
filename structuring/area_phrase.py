"""The examined area as the title words it: «… томография грудной аорты …» → «грудная аорта».

A title names the study («компьютерная томография», «УЗИ», «рентгенография») and then, in the
genitive, what was examined. That noun phrase, put in the nominative up to its head noun
(«грудного и поясничного отделов позвоночника» → «грудной и поясничный отделы
позвоночника»), is the area however the doctor worded it; sides are the laterality field's
business and are left out. The phrase ends at a preposition («с контрастированием», «в двух
проекциях») or punctuation.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pymorphy3

from semd_templates import nsi
from structuring.icd10_expand import compound_tail
from vocabularies.lexicon import morphology as _morph

_STUDY_RE = re.compile(
    r"(?:КТ|МР|МСКТ)-?ангиограф\w*|томограф\w*|рентгенограф\w*|\bУЗИ\b|"
    r"ультразвуков\w+ исследовани\w+|сонограф\w*|"
    r"\bМСКТ\b|\bМРТ\b|\bКТ\b|сцинтиграф\w*|денситометр\w*|флюорограф\w*|маммограф\w*|"
    r"рентгеноскоп\w*|ангиограф\w*|сканировани\w+|исследовани\w+",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*|[,.;:()]|\S+")
_SIDES = frozenset({"левый", "правый", "оба", "обе", "двух", "обоих", "обеих"})
_JOINERS = frozenset({"и"})
_BOTH = frozenset({"обеих", "обоих"})
_GENERIC_HEADS = frozenset({"орган", "отдел", "сустав", "кость"})
_PREFIX = 7
_NOMINAL = frozenset({"NOUN", "ADJF", "PRTF"})
_ADJECTIVE_GENITIVE = ("ых", "их", "ого", "его", "ой", "ей")
_STEM_SHARE = 0.8
_MAX_WORDS = 8


@lru_cache(maxsize=1)
def _anatomy_words() -> frozenset[str]:
    """Nouns of the anatomy directory (FNSI 11.1477) and of the organ-system words a title
    uses: the head of an area is one («аорта», «ключица», «органы»)."""
    return frozenset(_qualifiers()) | _GENERIC_HEADS


@lru_cache(maxsize=1)
def _qualifiers() -> dict[str, frozenset[str]]:
    """Noun → the other words the anatomy directory names it with («аорта» → «грудной»,
    «брюшной», «отдел» …)."""
    morph = _morph()
    found: dict[str, set[str]] = {}
    for entry in nsi.anatomy().values():
        words = {
            morph.parse(word)[0].normal_form.replace("ё", "е")
            for word in re.findall(r"[А-Яа-яЁё]+", entry.name.lower())
        }
        for word in words:
            found.setdefault(word, set()).update(words - {word})
    return {noun: frozenset(words) for noun, words in found.items()}


def _qualifies(adjective: str, noun: str) -> bool:
    """The anatomy directory names ``noun`` with ``adjective`` (or the compound's last part,
    or a word of the same stem): «главный мозг», a misheard «головной мозг», does not."""
    if noun in _GENERIC_HEADS or adjective in _SIDES:
        return True
    known = _qualifiers().get(noun, frozenset())
    if adjective in known or compound_tail(adjective, known) is not None:
        return True
    return any(_same_stem(adjective, word) for word in known)


def _anatomical(lemma: str) -> bool:
    """An anatomy word, a side, or a compound ending in one («грудо|поясничный»); an
    adjective morphology does not know is compared by its stem (pymorphy guesses
    «околоносов» from «околоносовых», «околоносовой» from «Околоносовые»)."""
    words = _anatomy_words()
    if lemma in words or lemma in _SIDES or compound_tail(lemma, words) is not None:
        return True
    return any(_same_stem(lemma, word) for word in _anatomy_prefixes().get(lemma[:_PREFIX], ()))


def _same_stem(first: str, second: str) -> bool:
    shared = 0
    for one, other in zip(first, second, strict=False):
        if one != other:
            break
        shared += 1
    return shared >= _PREFIX and shared >= _STEM_SHARE * min(len(first), len(second))


@lru_cache(maxsize=1)
def _anatomy_prefixes() -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for word in _anatomy_words():
        grouped.setdefault(word[:_PREFIX], []).append(word)
    return {prefix: tuple(words) for prefix, words in grouped.items()}


def _genitive(word: str) -> pymorphy3.analyzer.Parse | None:
    """The word's genitive reading as an adjective or noun, if it has one (a preposition
    has none: «с», «в» end the phrase); an anatomical reading first («вен» is «вена», not
    «вено»), and an adjective's for an adjective's ending (morphology guesses unknown words)."""
    parses = _morph().parse(word)
    if any(parse.tag.POS in {"PREP", "CONJ", "PRCL"} for parse in parses):
        return None
    genitive = [p for p in parses if p.tag.case == "gent" and p.tag.POS in _NOMINAL]
    if not genitive:
        return None
    anatomical = [p for p in genitive if p.normal_form.replace("ё", "е") in _anatomy_words()]
    if anatomical:
        return anatomical[0]
    if word.endswith(_ADJECTIVE_GENITIVE):
        adjectives = [p for p in genitive if p.tag.POS != "NOUN"]
        if adjectives:
            return adjectives[0]
    return genitive[0]


def _nominative(parse: pymorphy3.analyzer.Parse, original: str) -> str:
    number = parse.tag.number or "sing"
    inflected = parse.inflect({"nomn", number})
    if inflected is None:
        return original
    word = str(inflected.word)
    # pymorphy3 loses the hyphen of «пояснично-крестцового»: keep the written first part
    if "-" in original and "-" not in word:
        head = original.rsplit("-", 1)[0]
        return f"{head}-{word[len(head.replace('-', '')) :]}"
    return word


@lru_cache(maxsize=256)
def title_area(title: str) -> tuple[str, str] | None:
    """(area in the nominative, the genitive words it came from, sides left out), or None
    when the title names no examined object after the study. Cached: template detection and
    the area field both ask for the same title."""
    study = _STUDY_RE.search(title)
    if study is None:
        return None
    words = _WORD_RE.findall(title[study.end() :])
    kept: list[tuple[str, pymorphy3.analyzer.Parse | None]] = []
    head_seen = False
    for word in words[:_MAX_WORDS]:
        # «грудного и поясничного отделов»: «и» inside the phrase; after its head noun «и»
        # adds another area («головного мозга и костей черепа»): the first one is the area.
        if word.lower() in _JOINERS and kept and not head_seen:
            kept.append((word, None))
            continue
        if word.lower() in _BOTH:
            continue  # «обеих молочных желёз»: a side, not part of the area
        parse = _genitive(word.lower())
        if parse is None:
            break
        kept.append((word, parse))
        head_seen = head_seen or parse.tag.POS == "NOUN"
    while kept and kept[-1][1] is None:
        kept.pop()
    if not kept:
        return None
    source = " ".join(
        word for word, parse in kept if parse is None or parse.normal_form not in _SIDES
    )
    named: list[str] = []
    head_seen = False
    head_noun = ""
    for word, parse in kept:
        if parse is not None and parse.normal_form in _SIDES:
            continue
        if parse is None or head_seen:
            named.append(word.lower())
            continue
        named.append(_nominative(parse, word.lower()))
        head_seen = parse.tag.POS == "NOUN"
        head_noun = parse.normal_form.replace("ё", "е")
    lemmas = [parse.normal_form.replace("ё", "е") for _, parse in kept if parse is not None]
    # Every word an anatomical one, and more than a bare «сустав»: misheard titles («голова
    # нового мозга») make no area.
    anatomical = all(_anatomical(lemma) for lemma in lemmas)
    before_head = [p.normal_form.replace("ё", "е") for _, p in kept if p is not None]
    before_head = before_head[: before_head.index(head_noun)] if head_noun in before_head else []
    anatomical = anatomical and all(_qualifies(word, head_noun) for word in before_head)
    if not head_seen or not anatomical or (len(named) == 1 and head_noun in _GENERIC_HEADS):
        return None
    return " ".join(named), source
