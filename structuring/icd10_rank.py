"""From a conclusion's clauses to ranked МКБ-10 codes: each clause, each suspicion or
elaboration with what it refers to, and the whole conclusion are searched in the index; the
scores are weighed by where and how the code was said (first clause, later sentence,
elaboration, suspicion), and by the coding rules that order findings (a symptom or a
consequence after the disease that explains it, a metastasis after its primary, an
unspecified code after the sibling its sentence specifies)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

from semd_templates import nsi
from structuring.icd10_clauses import Clause
from structuring.icd10_index import Hit, icd10_index, name_lemmas, said_not, vague_words
from structuring.icd10_leaf import own_words_said, unspecified_name
from structuring.icd10_text import cues

# Later clauses usually add secondary findings; the first one carries the diagnosis.
CLAUSE_POSITION_FACTORS = (1.0, 0.9, 0.8)
# A clause whose best name is this much said states a diagnosis: later findings rank after it.
FULL_COVERAGE = 0.8
# A symptom or finding of chapter R («увеличение лимфатических узлов»), or a consequence such as
# hydrocephalus or a joint effusion, is not coded as the main diagnosis when the conclusion
# names a disease (the coding rule for chapter R and for manifestations).
SYMPTOM_CHAPTER = "R"
SYMPTOM_FACTOR = 0.75
# Another subdivision of the same category scoring this close is a rival (``sibling_ties``).
SIBLING_TIE = 0.1
# Words from several clauses together («образование молочной железы, подозрительное на рак»).
WHOLE_CONCLUSION_FACTOR = 0.85
# An elaboration («(…)», «…: чаши Клойбера») describes the finding; it rarely names the code.
DETAIL_FACTOR = 0.7
# The first sentence of a conclusion states the main diagnosis; later ones add findings.
LATER_SENTENCE_FACTOR = 0.85
# A suspected diagnosis («подозрение на …», «…?»): less confident, and after what is stated.
SUSPICION_FACTOR = 0.75
# A diagnosis said of a finding («…, подозрительное на рак», «… — аденома») outranks the
# finding it explains (the issue: code what is suspected).
PAIR_FACTOR = 1.05
# Metastases (C77–C79) are coded after the primary tumour the conclusion names: the primary
# site is the main diagnosis while it is known.
SECONDARY_MALIGNANT = frozenset({"C77", "C78", "C79"})
UNKNOWN_PRIMARY = frozenset({"C80", "C97"})
SECONDARY_FACTOR = 0.8
SECONDARY_WORD = "вторичный"
# An unspecified code gives way to a sibling it is specified as scoring at least this share.
SPECIFIED_RATIO = 0.6


@dataclass(frozen=True)
class Match:
    hit: Hit
    score: float
    clause: str
    suspected: bool


def best_matches(
    conclusion_clauses: list[Clause], texts: list[str]
) -> tuple[list[Match], list[str | None]]:
    """The codes retrieved, best first; and the category each clause by itself names best
    (None when it names none)."""
    index = icd10_index()
    topics: list[str | None] = []
    best: dict[str, Match] = {}

    def offer(hits: list[Hit], factor: float, text: str, suspected: bool) -> None:
        for hit in hits:
            score = hit.score * factor
            if hit.code not in best or score > best[hit.code].score:
                best[hit.code] = Match(hit, score, text, suspected)

    diagnostic_rank = 0
    primary = False
    diagnoses: list[bool] = []
    for clause, text in zip(conclusion_clauses, texts, strict=True):
        query = index.query(clause.lemmas)
        hits = index.search(query)
        topics.append(category_of(hits[0].code) if hits else None)
        # A primary tumour named by a clause of its own: not a metastasis' words read as a
        # cancer of its organ («метастатическое поражение печени» is no C22.9).
        primary = primary or (
            SECONDARY_WORD not in query.match
            and any(
                hit.name_coverage >= FULL_COVERAGE and _primary_malignant(hit.code) for hit in hits
            )
        )
        factor = CLAUSE_POSITION_FACTORS[min(diagnostic_rank, len(CLAUSE_POSITION_FACTORS) - 1)]
        if clause.detail:
            factor *= DETAIL_FACTOR
        elif clause.later and diagnostic_rank:
            # A later sentence is a secondary finding after a diagnosis; after findings
            # alone («Чаши Клойбера. Острая тонкокишечная непроходимость.») it is the diagnosis.
            factor *= LATER_SENTENCE_FACTOR
        if clause.suspected and diagnostic_rank:
            # «Перелом лодыжки. Разрыв синдесмоза?»: what is stated ranks before a suspicion
            factor *= SUSPICION_FACTOR
        offer(hits, factor, text, clause.suspected)
        # Only a clause that (nearly) fully names some code counts as an earlier diagnosis
        # («Диффузные изменения поджелудочной железы, хронический панкреатит»).
        diagnostic_rank += any(hit.name_coverage >= FULL_COVERAGE for hit in hits)
        diagnoses.append(
            any(h.name_coverage >= FULL_COVERAGE and not _manifestation(h.code) for h in hits[:1])
        )
    for previous, clause in pairwise(conclusion_clauses):
        # «Образование …, подозрительное на рак», «Инциденталома надпочечника — аденома»: a
        # suspicion or a clause after a dash names what the finding is; the finding is what
        # its sentence said before it («Образование S3 правого лёгкого 28 мм, с лучистыми
        # контурами, плевральной дорожкой — cr?»).
        # An elaboration is read with what it elaborates too («Дегенеративные изменения
        # шейного отдела позвоночника: остеохондроз»), and weighs as an elaboration.
        if clause.suspected or clause.explains or clause.detail:
            before = [
                c
                for c in conclusion_clauses[: clause.position]
                if c.sentence == clause.sentence and not c.detail
            ] or [previous]
            if (
                before == [previous]
                and previous.sentence != clause.sentence
                and diagnoses[previous.position]
            ):
                # «Перелом латеральной лодыжки. Разрыв синдесмоза?»: a suspicion of its own
                # after a stated diagnosis is another finding, not what that diagnosis is
                continue
            context = tuple(w for c in before for w in c.lemmas)
            query = index.query(clause.lemmas, context=context)
            text = ", ".join([*(texts[c.position] for c in before), texts[clause.position]])
            # a suspicion about a later sentence's finding stays a later finding
            factor = LATER_SENTENCE_FACTOR if before[0].later else 1.0
            factor *= DETAIL_FACTOR if clause.detail else PAIR_FACTOR
            offer(index.search(query), factor, text, clause.suspected)
    statements = [clause for clause in conclusion_clauses if not clause.detail]
    if len(statements) > 1:
        words = [w for clause in statements for w in clause.lemmas]
        suspected = any(clause.suspected for clause in statements)
        whole = index.search(index.query(words))
        combined = [h for h in whole if h.name_coverage >= FULL_COVERAGE and _combination(h.code)]
        offer(
            [h for h in whole if h not in combined],
            WHOLE_CONCLUSION_FACTOR,
            " ".join(texts),
            suspected,
        )
        offer(combined, 1.0, " ".join(texts), suspected)
    # «Закупорка … артерий, не приводящие к инфаркту мозга» is no code for a conclusion that
    # states the infarct in another sentence («Инфаркт в бассейне СМА. Окклюзия M1 СМА»).
    said = {word for clause in conclusion_clauses for word in clause.lemmas}
    for code in [code for code in best if said_not(code) & said]:
        del best[code]
    diagnosed = any(
        m.hit.name_coverage >= FULL_COVERAGE and not _manifestation(m.hit.code)
        for m in best.values()
    )
    if diagnosed:
        for code, m in best.items():
            if _manifestation(code):
                best[code] = replace(m, score=m.score * SYMPTOM_FACTOR)
    if primary:
        for code, m in best.items():
            if category_of(code) in SECONDARY_MALIGNANT:
                best[code] = replace(m, score=m.score * SECONDARY_FACTOR)
    ranked = sorted(best.values(), key=lambda m: (-m.score, len(m.hit.code), m.hit.code))
    return _specified_first(ranked, conclusion_clauses, texts), topics


def _specified_first(
    ranked: list[Match], conclusion_clauses: list[Clause], texts: list[str]
) -> list[Match]:
    """A code is entered at its most specific: an unspecified code on top («Гнойный средний
    отит неуточненный») gives way to a sibling whose name the conclusion says too, with every
    word it adds, in the same sentence («Хронический гнойный средний отит, эпитимпано-антральная
    форма»: H66.2), at about its score. Another finding's words do not specify it (as for
    ``_subdivided``)."""
    if not ranked or not unspecified_name(ranked[0].hit.code):
        return ranked
    top = ranked[0]
    sentences = {
        c.sentence for c, t in zip(conclusion_clauses, texts, strict=True) if t in top.clause
    }
    said = {w for c in conclusion_clauses if c.sentence in sentences for w in c.lemmas}
    for m in ranked[1:]:
        if m.score < top.score * SPECIFIED_RATIO:
            break
        code = m.hit.code
        if (
            m.hit.name_coverage >= FULL_COVERAGE
            and not unspecified_name(code)
            and not top.hit.code.startswith(code)
            and category_of(code) == category_of(top.hit.code)
            and not vague_words() & name_lemmas(nsi.mkb10()[code].name)
            and own_words_said(code, said)
        ):
            rest = [x for x in ranked[1:] if x is not m]
            return [replace(m, score=top.score), replace(top, score=m.score), *rest]
    return ranked


def _combination(code: str) -> bool:
    """A name of one condition with another («… дисков … с радикулопатией», «Камни почек с
    камнями мочеточника»): what several clauses say together."""
    return " с " in f" {nsi.mkb10()[code].name.lower()} "


def _manifestation(code: str) -> bool:
    """A symptom or finding (chapter R) or a consequence coded only when no disease explains
    it (``manifestations`` in the cues: hydrocephalus, joint effusion, portal hypertension…)."""
    manifestations: list[str] = cues()["manifestations"]
    return code.startswith((SYMPTOM_CHAPTER, *manifestations))


def _primary_malignant(code: str) -> bool:
    """A malignant neoplasm of a stated primary site (C00–C76, C81–C96)."""
    category = category_of(code)
    return category.startswith("C") and category not in SECONDARY_MALIGNANT | UNKNOWN_PRIMARY


def sibling_ties(match: Match, matches: list[Match]) -> bool:
    """Another subdivision of the same category scores about as well (J84.9 and J84.1)."""
    code = match.hit.code
    return any(
        category_of(m.hit.code) == category_of(code)
        and not (m.hit.code.startswith(code) or code.startswith(m.hit.code))
        and m.score >= match.score - SIBLING_TIE
        for m in matches
    )


def category_of(code: str) -> str:
    """Three-character category: J18.9 and J18.1 are not rivals of one another's margin."""
    return code.split(".", 1)[0]
