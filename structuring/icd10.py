"""МКБ-10 suggestion for the conclusion: a proposal for the doctor, never a silent diagnosis.

Retrieval over the whole classification (``icd10_index``): each clause of the conclusion,
negated words taken out, and the conclusion as a whole are scored against every code name
and radiology phrasing. The three best codes get a calibrated confidence (a logistic curve of
the score and of its margin over the best code of another category, fitted on the tuning half
of ``benchmarks/data/icd10_eval.jsonl``); a suspected diagnosis («подозрение на …») is
discounted. Below the abstention threshold no code is proposed. A conclusion that states a
study without pathology maps to the examination codes (Z01.6 …).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise
from typing import Literal

from semd_templates import nsi
from structuring.icd10_clauses import Clause, read_conclusion
from structuring.icd10_index import Hit, icd10_index, name_lemmas, vague_words
from structuring.icd10_leaf import first_said, leaf, own_words_said, unspecified_name
from structuring.icd10_text import cues, data_text

Source = Literal["classification_name", "radiology_phrasing", "examination"]

TOP_K = 3
# Retrieved before subdivisions are chosen and a category and its own subdivision merged, so
# that the list still holds TOP_K different findings.
RETRIEVED = 8
# Later clauses usually add secondary findings; the first one carries the diagnosis.
CLAUSE_POSITION_FACTORS = (1.0, 0.9, 0.8)
# A clause whose best name is this much said states a diagnosis: later findings rank after it.
FULL_COVERAGE = 0.8
# A symptom or finding of chapter R («увеличение лимфатических узлов»), or a consequence such as
# hydrocephalus or a joint effusion, is not coded as the main diagnosis when the conclusion
# names a disease (the coding rule for chapter R and for manifestations).
SYMPTOM_CHAPTER = "R"
SYMPTOM_FACTOR = 0.75
# The category is clear but not its subdivision: say so rather than claim ≥ 0.8.
SIBLING_TIE = 0.1
SIBLING_TIE_CAP = 0.7
# Words from several clauses together («образование молочной железы, подозрительное на рак»).
WHOLE_CONCLUSION_FACTOR = 0.85
# An elaboration («(…)», «…: чаши Клойбера») describes the finding; it rarely names the code.
DETAIL_FACTOR = 0.7
# The first sentence of a conclusion states the main diagnosis; later ones add findings.
LATER_SENTENCE_FACTOR = 0.85
SUSPICION_FACTOR = 0.75
# A diagnosis said of a finding («…, подозрительное на рак», «… — аденома») outranks the
# finding it explains (the issue: code what is suspected).
PAIR_FACTOR = 1.05
# Shown to the doctor only above this: a list of unlikely codes is noise.
MIN_CANDIDATE_CONFIDENCE = 0.1
# A normal study's code follows the modality (``examination`` in the cues): Z01.6
# «Радиологическое обследование» for X-ray and CT, Z01.8 «Другое уточненное специальное
# обследование» for ultrasound, MRI and nuclear medicine, as three of four independent coders
# wrote on the tuning halves (18 of 19 normal studies); the other one wrote Z01.6 for any
# imaging, so it is proposed but not as a confident code.
EXAMINATION_CONFIDENCES = (0.7, 0.3, 0.15)
# Metastases (C77–C79) are coded after the primary tumour the conclusion names: the primary
# site is the main diagnosis while it is known.
SECONDARY_MALIGNANT = frozenset({"C77", "C78", "C79"})
UNKNOWN_PRIMARY = frozenset({"C80", "C97"})
SECONDARY_FACTOR = 0.8
SECONDARY_WORD = "вторичный"
# An unspecified code gives way to a specific one of its block scoring at least this share.
SPECIFIED_RATIO = 0.6
# Sibling subdivisions this close in confidence are told apart by which is said first.
SAID_FIRST_TIE = 0.05


@dataclass(frozen=True)
class IcdCandidate:
    code: str
    name: str
    confidence: float
    matched: str
    """The conclusion words the candidate rests on."""
    source: Source
    suspected: bool = False
    score: float = 0.0
    """Raw retrieval score (what the calibration maps to a confidence)."""
    margin: float = 0.0
    """Score minus the best score of a code that is neither this one nor its parent/child."""


@dataclass(frozen=True)
class IcdSuggestion:
    candidates: tuple[IcdCandidate, ...]
    """Best first, at most ``TOP_K``."""
    abstained: bool

    @property
    def top(self) -> IcdCandidate | None:
        """The suggestion, or None when too unsure to propose one."""
        return None if self.abstained or not self.candidates else self.candidates[0]


@dataclass(frozen=True)
class Calibration:
    bias: float
    score: float
    margin: float
    abstain_below: float
    min_score: float
    """Below the scores the curve was fitted on: not extrapolated, not shown."""

    def confidence(self, score: float, margin: float) -> float:
        return 1 / (1 + math.exp(-(self.bias + self.score * score + self.margin * margin)))


@cache
def calibration() -> Calibration:
    values = json.loads(data_text("icd10_calibration.json"))
    return Calibration(
        values["bias"],
        values["score"],
        values["margin"],
        values["abstain_below"],
        values["min_score"],
    )


@dataclass(frozen=True)
class _Match:
    hit: Hit
    score: float
    clause: str
    suspected: bool


def _best_matches(
    conclusion_clauses: list[Clause], texts: list[str]
) -> tuple[list[_Match], list[str | None]]:
    """The codes retrieved, best first; and the category each clause by itself names best
    (None when it names none)."""
    index = icd10_index()
    topics: list[str | None] = []
    best: dict[str, _Match] = {}

    def offer(hits: list[Hit], factor: float, text: str, suspected: bool) -> None:
        for hit in hits:
            score = hit.score * factor
            if hit.code not in best or score > best[hit.code].score:
                best[hit.code] = _Match(hit, score, text, suspected)

    diagnostic_rank = 0
    primary = False
    diagnoses: list[bool] = []
    for clause, text in zip(conclusion_clauses, texts, strict=True):
        query = index.query(clause.lemmas)
        hits = index.search(query)
        topics.append(_category(hits[0].code) if hits else None)
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
            if _category(code) in SECONDARY_MALIGNANT:
                best[code] = replace(m, score=m.score * SECONDARY_FACTOR)
    ranked = sorted(best.values(), key=lambda m: (-m.score, len(m.hit.code), m.hit.code))
    return _specified_first(ranked, conclusion_clauses, texts), topics


def _specified_first(
    ranked: list[_Match], conclusion_clauses: list[Clause], texts: list[str]
) -> list[_Match]:
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
            and _category(code) == _category(top.hit.code)
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
    category = _category(code)
    return category.startswith("C") and category not in SECONDARY_MALIGNANT | UNKNOWN_PRIMARY


def _sibling_ties(match: _Match, matches: list[_Match]) -> bool:
    """Another subdivision of the same category scores about as well (J84.9 and J84.1)."""
    code = match.hit.code
    return any(
        _category(m.hit.code) == _category(code)
        and not (m.hit.code.startswith(code) or code.startswith(m.hit.code))
        and m.score >= match.score - SIBLING_TIE
        for m in matches
    )


def _category(code: str) -> str:
    """Three-character category: J18.9 and J18.1 are not rivals of one another's margin."""
    return code.split(".", 1)[0]


def _candidates(matches: list[_Match]) -> list[IcdCandidate]:
    calibrated = calibration()
    names = nsi.mkb10()
    chosen: list[IcdCandidate] = []
    for match in [m for m in matches if m.score >= calibrated.min_score][:RETRIEVED]:
        rival = max(
            (m.score for m in matches if _category(m.hit.code) != _category(match.hit.code)),
            default=0.0,
        )
        margin = match.score - rival
        confidence = calibrated.confidence(match.score, margin)
        if _sibling_ties(match, matches):
            confidence = min(confidence, SIBLING_TIE_CAP)
        if match.suspected:
            confidence *= SUSPICION_FACTOR
        source: Source = "radiology_phrasing" if match.hit.phrasing else "classification_name"
        chosen.append(
            IcdCandidate(
                match.hit.code,
                names[match.hit.code].name,
                round(confidence, 2),
                match.clause,
                source,
                match.suspected,
                match.score,
                margin,
            )
        )
    return [c for c in chosen if c.confidence >= MIN_CANDIDATE_CONFIDENCE]


def _subdivided(
    candidates: list[IcdCandidate],
    parsed: list[Clause],
    texts: list[str],
    about: list[str | None],
) -> list[IcdCandidate]:
    """Categories replaced by the subdivision a coder would enter (``icd10_leaf``); a code
    already listed is not listed twice. A subdivision's words count where its finding is said
    or elaborated: in the finding's sentence, an aside, or a clause about the same category
    («ЖКБ. Хр. калькулезный холецистит» is K80.1), not in another finding («рак шейки матки
    …. Увеличенные наружные подвздошные лимфоузлы» is no cancer of the outer cervix)."""
    names = nsi.mkb10()
    index = icd10_index()
    order = [w for clause in parsed for w in clause.lemmas]
    result: list[IcdCandidate] = []
    for retrieved in candidates:
        candidate = retrieved
        sentences = {
            clause.sentence
            for clause, text in zip(parsed, texts, strict=True)
            if text in retrieved.matched
        }
        category = _category(retrieved.code)
        words = [
            w
            for clause, topic in zip(parsed, about, strict=True)
            if clause.detail or clause.sentence in sentences or topic in (None, category)
            for w in clause.lemmas
        ]
        chosen = leaf(retrieved.code, index.query(words).match, index, order)
        if chosen.code != retrieved.code:
            confidence = retrieved.confidence
            if chosen.ambiguous:
                confidence = min(confidence, SIBLING_TIE_CAP)
            candidate = replace(
                retrieved, code=chosen.code, name=names[chosen.code].name, confidence=confidence
            )
        if all(candidate.code != kept.code for kept in result):
            result.append(candidate)
    return result


def _first_said_first(candidates: list[IcdCandidate], order: list[str]) -> list[IcdCandidate]:
    """Two subdivisions of one category about equally likely: the one whose own words the
    conclusion says first leads («рак эндометрия с инвазией миометрия» is C54.1)."""
    if len(candidates) < 2:
        return candidates
    first, second = candidates[0], candidates[1]
    tied = first.confidence - second.confidence <= SAID_FIRST_TIE
    siblings = _category(first.code) == _category(second.code)
    # Both must be said in so many words: a synonym's wording has no place in the text.
    said_at = (first_said(first.code, order), first_said(second.code, order))
    if tied and siblings and said_at[1] < said_at[0] < len(order):
        return [
            replace(second, confidence=first.confidence),
            replace(first, confidence=second.confidence),
            *candidates[2:],
        ]
    return candidates


def _distinct(candidates: list[IcdCandidate]) -> list[IcdCandidate]:
    """Each code once with its family: a category after its own subdivision (C77 after C77.9)
    says nothing new and would take the place of another finding."""
    kept: list[IcdCandidate] = []
    for candidate in candidates:
        if not any(
            candidate.code.startswith(k.code) or k.code.startswith(candidate.code) for k in kept
        ):
            kept.append(candidate)
    return kept


def _examination(modality: str, matched: str, ruled_out: list[str]) -> list[IcdCandidate]:
    by_modality: dict[str, list[str]] = cues()["examination"]
    codes = list(by_modality.get(modality, by_modality["default"]))
    if len(codes) < len(EXAMINATION_CONFIDENCES):
        codes.append(_observation(ruled_out))
    names = nsi.mkb10()
    return [
        IcdCandidate(code, names[code].name, confidence, matched, "examination")
        for code, confidence in zip(codes, EXAMINATION_CONFIDENCES, strict=False)
    ]


def _observation(ruled_out: list[str]) -> str:
    """The Z03 code of a study that ruled out what it was asked about: the chapter of the
    best match for the words it negated («метастатического поражения не выявлено» → Z03.1,
    «очаговых изменений вещества головного мозга не выявлено» → Z03.3)."""
    index = icd10_index()
    hits = index.search(index.query(ruled_out)) if ruled_out else []
    code = hits[0].code if hits else ""
    prefixes: list[list[str]] = cues()["observation"]
    return next(z03 for prefix, z03 in prefixes if code.startswith(prefix))


def suggest_icd10(conclusion: str, modality: str = "") -> IcdSuggestion:
    """The best МКБ-10 codes for ``conclusion``, and whether to abstain from proposing one."""
    parsed, texts = read_conclusion(conclusion)
    if not parsed:
        return IcdSuggestion((), abstained=True)
    threshold = calibration().abstain_below
    order = [w for clause in parsed for w in clause.lemmas]
    matches, about = _best_matches(parsed, texts)
    candidates = _subdivided(_candidates(matches), parsed, texts, about)
    candidates = _distinct(_first_said_first(candidates, order))[:TOP_K]
    confident = bool(candidates) and candidates[0].confidence >= threshold
    normal = [text for clause, text in zip(parsed, texts, strict=True) if clause.normal]
    # Every clause negated its findings («пневмонии не выявлено, очагов нет»), or several did
    # and the rest names nothing the classification knows («ОПТГ: … не выявлено»): normal.
    if all(clause.negated for clause in parsed) or (
        not candidates and sum(clause.negated for clause in parsed) >= 2
    ):
        normal = normal or texts[:1]
    if not confident and normal:
        ruled_out = [w for clause in parsed for w in clause.ruled_out]
        return IcdSuggestion(tuple(_examination(modality, normal[0], ruled_out)), abstained=False)
    return IcdSuggestion(tuple(candidates), abstained=not confident)
