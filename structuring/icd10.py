"""МКБ-10 suggestion for the conclusion: a proposal for the doctor, never a silent diagnosis.

Retrieval over the whole classification (``icd10_index``): each clause of the conclusion,
negated words taken out, and the conclusion as a whole are scored against every code name
and radiology phrasing, and ranked by the coding rules (``icd10_rank``). The three best codes
get a calibrated confidence (a logistic curve of the score and of its margin over the best
code of another category, fitted on the tuning half of ``benchmarks/data/icd10_eval.jsonl``);
a suspected diagnosis («подозрение на …») is discounted. Below the abstention threshold no
code is proposed. A conclusion that states a study without pathology maps to the
examination codes (Z01.6 …).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from semd_templates import nsi
from structuring.icd10_clauses import Clause, read_conclusion
from structuring.icd10_index import icd10_index
from structuring.icd10_leaf import first_said, leaf
from structuring.icd10_rank import SUSPICION_FACTOR, Match, best_matches, category_of, sibling_ties
from structuring.icd10_text import cues, data_text

Source = Literal["classification_name", "radiology_phrasing", "examination"]

TOP_K = 3
# Retrieved before subdivisions are chosen and a category and its own subdivision merged, so
# that the list still holds TOP_K different findings.
RETRIEVED = 8
# The category is clear but not its subdivision: say so rather than claim ≥ 0.8.
SIBLING_TIE_CAP = 0.7
# The best code must score within the calibrated range (``min_score``); the alternatives
# after it may score lower: a right code third with a low confidence still saves a search
# (tuning halves: top-3 454 → 457 of 476, top-1 unchanged).
ALTERNATIVE_MIN_SCORE = 0.3
# Shown to the doctor only above this: a list of unlikely codes is noise.
MIN_CANDIDATE_CONFIDENCE = 0.1
# A normal study's code follows the modality (``examination`` in the cues): Z01.6
# «Радиологическое обследование» for X-ray and CT, Z01.8 «Другое уточненное специальное
# обследование» for ultrasound, MRI and nuclear medicine, as three of four independent coders
# wrote on the tuning halves (18 of 19 normal studies); the other one wrote Z01.6 for any
# imaging, so it is proposed but not as a confident code.
EXAMINATION_CONFIDENCES = (0.7, 0.3, 0.15)
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
    """Below the scores the curve was fitted on: no best code is proposed from there (the
    alternatives after it are shown down to ``ALTERNATIVE_MIN_SCORE``)."""

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


def _candidates(matches: list[Match]) -> list[IcdCandidate]:
    calibrated = calibration()
    names = nsi.mkb10()
    chosen: list[IcdCandidate] = []
    shown = [m for m in matches if m.score >= ALTERNATIVE_MIN_SCORE]
    if not shown or shown[0].score < calibrated.min_score:
        shown = []
    for match in shown[:RETRIEVED]:
        rival = max(
            (m.score for m in matches if category_of(m.hit.code) != category_of(match.hit.code)),
            default=0.0,
        )
        margin = match.score - rival
        confidence = calibrated.confidence(match.score, margin)
        if sibling_ties(match, matches):
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
        category = category_of(retrieved.code)
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
    siblings = category_of(first.code) == category_of(second.code)
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
    matches, about = best_matches(parsed, texts)
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
