"""From a three-character МКБ-10 category to the subdivision a coder would enter.

A document is coded at the most specific level the classification has: «Острый аппендицит»
(K35) is entered as K35.8 «… другой и неуточненный» unless a peritonitis is described,
«нижнедолевая пневмония» as J18.1 «Долевая пневмония …». Retrieval often ranks the category
first (its name is the shortest full match), so the category is replaced by
- the subdivision whose own words (those its name adds to the category's) the conclusion says,
  when one says clearly more than the others;
- otherwise the «неуточненный» subdivision, which is what an unspecified finding is coded as;
- otherwise the category is kept (no subdivision fits and none is the unspecified one).
A retrieved unspecified subdivision (M50.9) is treated as its category: «… с миелопатией» said
elsewhere in the conclusion makes it M50.0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache

from semd_templates import nsi
from structuring.icd10_index import (
    Index,
    bare_name,
    excluded_words,
    name_lemmas,
    query_stopwords,
    vague_words,
)
from structuring.icd10_text import lemmas

# The subdivision must be nearly all said by the conclusion (idf-weighted share of its own
# words: I63.4 «… вызванный эмболией мозговых артерий» is not chosen on «мозговой артерии»
# alone), and say clearly more than the runner-up, to be chosen on its words.
MIN_OWN_COVERAGE = 0.8
CLEAR_LEAD = 0.2
_UNSPECIFIED = "неуточненный"


@dataclass(frozen=True)
class Leaf:
    code: str
    ambiguous: bool
    """Two subdivisions fit about equally well: the choice is a guess."""


@cache
def _subdivisions() -> dict[str, tuple[str, ...]]:
    children: dict[str, list[str]] = defaultdict(list)
    for code in nsi.mkb10():
        head, _, tail = code.partition(".")
        if len(tail) == 1:
            children[head].append(code)
    return {head: tuple(sorted(codes)) for head, codes in children.items()}


def _own_words(code: str, parent: str) -> frozenset[str]:
    names = nsi.mkb10()
    own = name_lemmas(bare_name(names[code].name)) - name_lemmas(names[parent].name)
    # «… другого типа»: a word no conclusion is searched for cannot tell subdivisions apart
    return own - vague_words() - query_stopwords()


def _unspecified(code: str, parent: str) -> bool:
    """The subdivision for what is not specified (not merely a category about «неуточненный
    уровень», whose every subdivision says so)."""
    names = nsi.mkb10()
    return _UNSPECIFIED in lemmas(names[code].name) and _UNSPECIFIED not in lemmas(
        names[parent].name
    )


def first_said(code: str, order: Sequence[str]) -> int:
    """Where the conclusion first says a word that ``code``'s name adds to its category's
    (``len(order)`` when it says none)."""
    head = code.split(".", 1)[0]
    if head == code or head not in nsi.mkb10():
        return len(order)
    own = _own_words(code, head)
    return next((at for at, word in enumerate(order) if word in own), len(order))


def category(code: str) -> str:
    """The category of an unspecified subdivision (M50.9 → M50), any other code itself."""
    head = code.split(".", 1)[0]
    return head if head != code and _unspecified(code, head) else code


def leaf(code: str, said: Collection[str], index: Index, order: Sequence[str] = ()) -> Leaf:
    """The subdivision of ``code`` (a category, or its unspecified subdivision, which a
    sibling that the conclusion describes outranks) to propose given the words ``said``.
    Between subdivisions said equally fully, the one said first (``order``: the conclusion's
    lemmas in order) wins: «рак эндометрия с инвазией миометрия» is a cancer of the
    endometrium."""
    code = category(code)
    names = nsi.mkb10()
    # A subdivision that rules out what was said («… без прободения») is not a candidate.
    children = tuple(
        child
        for child in _subdivisions().get(code, ())
        if not excluded_words(names[child].name) & set(said)
    )
    if not children:
        return Leaf(code, ambiguous=False)
    shares: list[tuple[float, int, str]] = []
    first = {word: at for at, word in reversed(list(enumerate(order)))}
    for child in children:
        own = _own_words(child, code)
        total = math.fsum(index.idf.get(w, 0.0) for w in own)
        if total:
            said_weight = math.fsum(index.idf.get(w, 0.0) for w in own & set(said))
            position = min((first[w] for w in own if w in first), default=len(order))
            shares.append((said_weight / total, position, child))
    shares.sort(key=lambda item: (-item[0], item[1], item[2]))
    if shares and shares[0][0] >= MIN_OWN_COVERAGE:
        runner_up = shares[1][0] if len(shares) > 1 else 0.0
        return Leaf(shares[0][2], ambiguous=shares[0][0] - runner_up < CLEAR_LEAD)
    unspecified = [c for c in children if _unspecified(c, code)]
    if unspecified:
        # The one whose own words are most said («… неуточненная с прободением» when a
        # perforation is described), else the last: the most general.
        said_share = {child: share for share, _, child in shares}
        ranked = max(
            enumerate(unspecified), key=lambda item: (said_share.get(item[1], 0.0), item[0])
        )
        return Leaf(ranked[1], ambiguous=False)
    # No «неуточненный» subdivision: the one that is the category's name with only «другой»
    # added holds the unspecified form (J62.8 «Пневмокониоз, вызванный другой пылью,
    # содержащей кремний» is where «силикоз» without more is coded).
    other = [c for c in children if not _own_words(c, code) and _vague_name(c)]
    if len(other) == 1:
        return Leaf(other[0], ambiguous=False)
    return Leaf(code, ambiguous=False)


def _vague_name(code: str) -> bool:
    """The code's name holds «другой» or another vague word."""
    return bool(vague_words() & set(lemmas(nsi.mkb10()[code].name)))


def unspecified_name(code: str) -> bool:
    """The code's name says «неуточненный» (I60.9, Q24.9, H66.4 «… средний отит неуточненный»)."""
    return _UNSPECIFIED in lemmas(nsi.mkb10()[code].name)


def own_words_said(code: str, said: Collection[str]) -> bool:
    """Every word ``code``'s name adds to its category's is said (H66.2 «Хронический
    эпитимпано-антральный …» in «хронический …, эпитимпано-антральная форма»)."""
    head = code.split(".", 1)[0]
    own = _own_words(code, head) if head != code else frozenset()
    return bool(own) and own <= set(said)
