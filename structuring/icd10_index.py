"""Lemma index over the whole МКБ-10 (11.1005) and the radiology phrasings, built once.

Every actual code is a document: the lemmas of its name (generic classification words such as
«неуточненный» or «рубрика» left out). Each line of ``data/icd10_phrasings.tsv`` is one more
document for its code. A document scores by how much of it the query covers, each lemma
weighted by its rarity (idf), and a little by how much of the query it explains:
``name_coverage² · (½ + ½ · query_coverage)``. Building takes about a second (lemmatising
15 000 names) and happens once per process, at warm-up on the server.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from semd_templates import nsi
from structuring.icd10_expand import expansions, tumour_names
from structuring.icd10_text import cues, find_near, lemmas, tsv_rows
from vocabularies.lexicon import morphology

MIN_NAME_COVERAGE = 0.5
# A three-character code with subdivisions is less precise than its «.9 неуточненный» child.
PARENT_FACTOR = 0.95
# A background finding («остеохондроз», «атеросклероз») yields to a specific diagnosis.
BACKGROUND_FACTOR = 0.7
# «Другой …», «… уточненный»: a code for something specified that the query did not say.
VAGUE_FACTOR = 0.9
SPECIFICITY_PER_WEIGHT = 0.01
# Generic disorder words («поражение», «свежий») weigh this much of their idf in a name.
WEAK_WORD_SHARE = 0.3
ANATOMY_SHARE = 0.5


@dataclass(frozen=True)
class Document:
    code: str
    lemmas: frozenset[str]
    weight: float
    """Sum of the idf weights of ``lemmas``."""
    phrasing: bool
    excluded: frozenset[str] = frozenset()
    """What the name rules out («… без кровотечения или прободения»): a query saying it is
    not this code."""


@dataclass(frozen=True)
class Query:
    """What a clause (or the whole conclusion) asks the index."""

    match: frozenset[str]
    """Lemmas a document may match: the dictated ones plus their classification wording."""
    content: frozenset[str]
    """Lemmas the query coverage is measured on (expanded written forms replaced)."""
    qualified: frozenset[tuple[str, str]] = frozenset()
    """(adjective, noun) said together where the noun alone names another organ («костный
    мозг» is no «мозг»): the noun matches only a name that has the adjective too."""
    worded: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    """(written form, its wording) of each synonym said: a radiology phrasing that has the
    written form itself («канцероматоз брюшины») explains the wording too."""


@dataclass(frozen=True)
class Hit:
    code: str
    score: float
    name_coverage: float
    query_coverage: float
    phrasing: bool


@dataclass
class Index:
    documents: list[Document] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    parents: frozenset[str] = frozenset()
    synonyms: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    anatomy: frozenset[str] = frozenset()
    formation_words: frozenset[str] = frozenset()
    """What a compound may end with: the index's words and the МКБ-О tumour names."""

    def query(self, words: list[str] | tuple[str, ...], context: tuple[str, ...] = ()) -> Query:
        """A query from clause lemmas: stop words out, synonyms' wording and the words that
        word formation links to (``icd10_expand``) added.

        ``context`` words (the finding a suspicion refers to) may be matched but are not
        counted as words the document has to explain.
        """
        sequence = list(words)
        match = set(sequence)
        # What a word the index knows also stands for may be matched, but is not one more
        # thing to explain («гемангиома печени» is D18.0 before it is D13.4); what an
        # unknown word («нижнедолевой», «L1») stands for is that word.
        secondary: set[str] = set()
        for word in sequence:
            linked = expansions(word, self.formation_words, self.anatomy)
            match |= linked
            if word in self.idf:
                secondary |= linked
        replaced: set[str] = set()
        worded: set[str] = set()
        found = [(w, wording) for w, wording in self.synonyms if find_near(sequence, w)]
        spoken: list[tuple[frozenset[str], frozenset[str]]] = []
        for written, wording in found:
            replaced.update(written)
            # The longest written form speaks for its words: «ишемический ОНМК» is «инфаркт
            # мозга», and the «инсульт» of its «ОНМК» is not one more thing to explain.
            if not any(set(written) < set(other) for other, _ in found):
                worded.update(wording)
                spoken.append((frozenset(written), frozenset(wording)))
        match |= worded
        replaced |= secondary - worded - set(sequence)
        stop = _lemma_set("query_stopwords")
        match -= stop
        modifiers = _lemma_set("modifiers")
        # Unknown words say nothing about coverage.
        content = {w for w in match - replaced - modifiers if w in self.idf}
        qualified = frozenset(pair for pair in _organ_pairs() if find_near(sequence, pair, gap=0))
        if context:
            match |= set(self.query(context).match)
        return Query(frozenset(match), frozenset(content), qualified, tuple(spoken))

    def _content_weight(self, word: str) -> float:
        """A word's part in query coverage: where a finding is («задний рог медиального
        мениска») says less about the code than what it is, and names omit it."""
        weight = self.idf[word]
        return weight * ANATOMY_SHARE if word in self.anatomy else weight

    def search(self, query: Query) -> list[Hit]:
        """Documents with enough of their name covered, best score per code."""
        matched: dict[int, float] = defaultdict(float)
        for word in sorted(query.match):  # float sums must not depend on set order
            weight = self.idf.get(word)
            if weight is None:
                continue
            qualifiers = {adjective for adjective, noun in query.qualified if noun == word}
            for doc_id in self.postings[word]:
                if qualifiers and not qualifiers & self.documents[doc_id].lemmas:
                    continue  # «отёк костного мозга» is not «Отек мозга»
                matched[doc_id] += weight
        content_weight = math.fsum(self._content_weight(w) for w in query.content)
        modifiers = _lemma_set("modifiers")
        background = _lemma_set("background")
        vague = _lemma_set("vague_name_words")
        best: dict[str, Hit] = {}
        for doc_id, weight in matched.items():
            doc = self.documents[doc_id]
            name_coverage = weight / doc.weight
            shared = doc.lemmas & query.match
            shared -= {noun for adjective, noun in query.qualified if adjective not in doc.lemmas}
            if doc.excluded & query.match:
                continue  # the name rules out what the conclusion says
            # Naming an organ is no diagnosis: a classification name must share a word that is
            # neither anatomy (FNSI 11.1477) nor a side («органы брюшной полости» ≠ K66.9).
            # A phrasing of anatomy alone («молочная железа» of a cyst's phrasing) is no
            # diagnosis either; one made only of anatomy words may match on them.
            finding_words = doc.lemmas - modifiers - self.anatomy
            needed = self.anatomy if not doc.phrasing or finding_words else frozenset()
            if name_coverage < MIN_NAME_COVERAGE or not shared - modifiers - needed:
                continue
            covered = shared & query.content
            for written, wording in query.worded if doc.phrasing else ():
                if written <= doc.lemmas:
                    covered |= wording & query.content
            explained = math.fsum(self._content_weight(w) for w in covered)
            query_coverage = explained / content_weight if content_weight else 0.0
            # Among equal coverages the code that says more (C50.9 over C80.9) comes first.
            specificity = 1 + SPECIFICITY_PER_WEIGHT * weight
            score = name_coverage**2 * (0.5 + 0.5 * query_coverage) * specificity
            if doc.lemmas & vague:
                score *= VAGUE_FACTOR
            if doc.code in self.parents:
                score *= PARENT_FACTOR
            if shared & background:
                score *= BACKGROUND_FACTOR
            if doc.code not in best or score > best[doc.code].score:
                best[doc.code] = Hit(doc.code, score, name_coverage, query_coverage, doc.phrasing)
        return sorted(best.values(), key=lambda hit: (-hit.score, len(hit.code), hit.code))


@cache
def _organ_pairs() -> frozenset[tuple[str, str]]:
    """The cue list ``qualified_organs``: two-word organ names whose noun alone names
    another organ."""
    pairs = (tuple(lemmas(phrase)) for phrase in cues()["qualified_organs"])
    return frozenset((pair[0], pair[1]) for pair in pairs if len(pair) == 2)


@cache
def _lemma_set(key: str) -> frozenset[str]:
    return frozenset(word for phrase in cues()[key] for word in lemmas(phrase))


def name_lemmas(text: str) -> frozenset[str]:
    """Lemmas of a classification name, generic classification words left out."""
    return frozenset(lemmas(text)) - _lemma_set("name_stopwords")


_OPTIONAL_RE = re.compile(r"\s*\([^)]*\)")
# «… без упоминания о …», «… кроме почечной лоханки»: what the code excludes need not be said.
_EXCLUSION_RE = re.compile(r",?\s+(?:без|кроме|не уточненн\w*|не приводящ\w*)\s+[^,]*")
# «… печени и внутрипеченочного желчного протока»: the code covers the first organ alone too
# (not after an adjective: «Острое и транзиторное расстройство» is one thing).
_AND_TAIL_RE = re.compile(r"(?<!ый|ий|ой|ое|ая|ее|ые|ие|ых|их|го)\s+и\s+[^,]*$")
# «Растяжение, разрыв и перенапряжение связки»: any one of the listed words.
_LIST_RE = re.compile(r"^(\w+), (\w+) и (\w+) (.*)$")
_ALTERNATIVE_RE = re.compile(r"(\S+)\s+\[([^\]]*)\]")
_OR_RE = re.compile(r"(\S+)\s+или\s+(\S+)")
_LATIN_ASIDE_RE = re.compile(r"\[([A-Za-z]{3,}(?: [A-Za-z]{2,})+)\]")


def query_stopwords() -> frozenset[str]:
    """Words a query never keeps («тип», «степень», «признак»): no name can be told by them."""
    return _lemma_set("query_stopwords")


def vague_words() -> frozenset[str]:
    """«другой», «уточненный»: name words that say only that something else was specified."""
    return _lemma_set("vague_name_words")


_RULED_OUT_RE = re.compile(r"\bбез\s+([^,(]*)")
# «Закупорка … артерий, не приводящие к инфаркту мозга», «Инсульт, не уточненный как
# кровоизлияние или инфаркт»: the condition the code is not.
_NOT_LEADING_RE = re.compile(r"\bне\s+(?:приводящ\w*\s+к|уточненн\w*\s+как)\s+([^,(]*)")


@cache
def _anatomy_lemmas() -> frozenset[str]:
    """Lemmas of the anatomy directory's names (FNSI 11.1477)."""
    return frozenset(w for entry in nsi.anatomy().values() for w in lemmas(entry.name))


@cache
def excluded_words(name: str) -> frozenset[str]:
    """Lemmas a name rules out with «без …» («Язва … без кровотечения или прободения» →
    кровотечение, прободение); «без упоминания о …» only says it was not stated. And what it
    says it is not («…, не приводящие к инфаркту мозга» → инфаркт; the organ is not ruled
    out)."""
    found: set[str] = set()
    for part in _RULED_OUT_RE.findall(name):
        if "упоминани" not in part:
            found |= set(name_lemmas(part)) - _lemma_set("modifiers")
    return frozenset(found | not_words(name))


@cache
def not_words(name: str) -> frozenset[str]:
    """What a name says its code is not («не приводящие к инфаркту мозга» → инфаркт): also
    true of every subdivision of a category so named."""
    found: set[str] = set()
    for part in _NOT_LEADING_RE.findall(name):
        found |= set(name_lemmas(part)) - _lemma_set("modifiers") - _anatomy_lemmas()
    return frozenset(found)


@cache
def said_not(code: str) -> frozenset[str]:
    """What the code's name, or its category's, says it is not (``not_words``)."""
    names = nsi.mkb10()
    category = code.split(".", 1)[0]
    own = not_words(names[code].name) if code in names else frozenset()
    if category == code or category not in names:
        return own
    return own | not_words(names[category].name)


def bare_name(name: str) -> str:
    """The name without what the code excludes («… без упоминания о …») and without its
    parenthesised asides («(G99.2*)»)."""
    return _OPTIONAL_RE.sub("", _EXCLUSION_RE.sub("", name))


_EPONYM_RE = re.compile(r"\[([А-ЯЁ][а-яё]+(?:[- –][А-ЯЁ][а-яё]+)*)[^\]]*\]")


_NAMED_DISEASE_RE = re.compile(r"\[((?:болезнь|синдром)\s+([^\]]*[А-ЯЁ][^\]]*))\]")


def eponym_readings(name: str) -> set[str]:
    """A name's bracketed eponym as a radiologist says it: the head noun with the eponym
    («Синовиальная киста подколенной области [Бейкера]» → «киста Бейкера»), and an eponym of
    several names alone («[Легга-Кальве-Пертеса]» → «Легга-Кальве-Пертеса»). A bracketed
    «[синдром де Кервена]», «[болезнь Девика]» is a name of its own and gives the head noun
    with the eponym too («теносиновит де Кервена»)."""
    named = _NAMED_DISEASE_RE.search(name)
    if named is not None:
        words = re.findall(r"[А-Яа-яЁё]+", name[: named.start()])
        head = next((w for w in words if not _attribute(w)), "")
        return {named[1], f"{head} {named[2]}".strip()}
    found = _EPONYM_RE.search(name)
    if found is None:
        return set()
    eponym = found[1]
    readings = {eponym} if len(re.split(r"[- –]", eponym)) > 1 else set()
    head = next((w for w in re.findall(r"[А-Яа-яЁё]+", name[: found.start()]) if _noun(w)), None)
    if head is not None:
        readings.add(f"{head} {eponym}")
    return readings


def _attribute(word: str) -> bool:
    """An adjective or participle («Острый», «Облитерирующий»), not the head noun."""
    return morphology().parse(word.lower())[0].tag.POS in {"ADJF", "PRTF", "ADJS", "PRTS"}


def _noun(word: str) -> bool:
    parse = morphology().parse(word.lower())[0]
    return bool(parse.tag.POS == "NOUN")


def name_variants(name: str) -> set[str]:
    """Readings of a classification name: «(…)» optional, «X [Y]» and «X или Y» either word.

    «Перелом наружной [латеральной] лодыжки» is also «Перелом латеральной лодыжки»;
    «… бронхов или легкого» is «… бронхов» and «… легкого».
    """
    variants = {name, _OPTIONAL_RE.sub("", name)}
    for text in list(variants):
        variants.add(_EXCLUSION_RE.sub("", text))
    for text in list(variants):
        variants.add(_AND_TAIL_RE.sub("", text))
        listed = _LIST_RE.match(text)
        if listed:
            variants.update(f"{listed[i]} {listed[4]}" for i in (1, 2, 3))
    for text in list(variants):
        variants.add(_ALTERNATIVE_RE.sub(r"\2", text))
        variants.add(_ALTERNATIVE_RE.sub(r"\1", text))
    for text in list(variants):
        variants.add(_OR_RE.sub(r"\1", text))
        variants.add(_OR_RE.sub(r"\2", text))
    # «Наружное искривление большого пальца [hallux valgus]»: the Latin term is a name too.
    variants.update(_LATIN_ASIDE_RE.findall(name))
    return variants


@cache
def icd10_index() -> Index:
    """The index, built on first use (about a second) and kept for the process."""
    sources: list[tuple[str, frozenset[str], bool]] = []
    for code, entry in nsi.mkb10().items():
        # Chapter XX (V01–Y98, external causes: «Падение с высоты» W19) is coded beside the
        # injury, never as the main diagnosis a report's conclusion states.
        if code.startswith(_EXTERNAL_CAUSES):
            continue
        full = name_lemmas(entry.name)
        readings = {name_lemmas(variant) for variant in name_variants(entry.name)}
        readings |= {name_lemmas(variant) for variant in eponym_readings(entry.name)}
        # A reading cut down to one word («Разрыв») would match far too much.
        sources += [(code, words, False) for words in readings if words == full or len(words) > 1]
    sources += [(code, name_lemmas(text), True) for text, code in tsv_rows(_PHRASINGS)]
    sources = [source for source in sources if source[1]]
    frequency: dict[str, int] = defaultdict(int)
    for _, words, _ in sources:
        for word in words:
            frequency[word] += 1
    total = len(sources)
    idf = {word: math.log(1 + total / count) for word, count in frequency.items()}
    for word in _lemma_set("weak_name_words") & idf.keys():
        idf[word] *= WEAK_WORD_SHARE
    index = Index(idf=idf)
    postings: dict[str, list[int]] = defaultdict(list)
    names = nsi.mkb10()
    for doc_id, (code, words, phrasing) in enumerate(sources):
        weight = math.fsum(idf[w] for w in words)
        excluded = frozenset() if phrasing else excluded_words(names[code].name) | said_not(code)
        index.documents.append(Document(code, words, weight, phrasing, excluded))
        for word in words:
            postings[word].append(doc_id)
    index.postings = dict(postings)
    codes = nsi.mkb10()
    index.parents = frozenset(code.split(".")[0] for code in codes if "." in code)
    index.anatomy = _anatomy_lemmas() - _lemma_set("not_anatomy")
    index.formation_words = frozenset(idf) | tumour_names().keys()
    index.synonyms = [
        (tuple(lemmas(written)), tuple(lemmas(wording))) for written, wording in tsv_rows(_SYNONYMS)
    ]
    return index


_EXTERNAL_CAUSES = ("V", "W", "X", "Y")
_PHRASINGS = "icd10_phrasings.tsv"
_SYNONYMS = "icd10_synonyms.tsv"
