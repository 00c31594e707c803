"""МКБ-10 suggestion for the conclusion: a proposal for the doctor, never a silent diagnosis.

First the curated radiology map (``icd10_rules``); when no rule fires, the conclusion's
first clause is compared word-stem by word-stem with the 11.1005 names and a low-confidence
suggestion is returned only on a clear overlap. Otherwise: None.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from semd_templates import nsi
from structuring.icd10_rules import ICD10_RULES, IcdRule

RULE_CONFIDENCE = 0.9
CONTESTED_CONFIDENCE = 0.7
NSI_MAX_CONFIDENCE = 0.5
NSI_MIN_OVERLAP = 0.6
_STEM = 5
_STOPWORDS = frozenset(
    [
        "признаки",
        "признак",
        "картина",
        "данных",
        "области",
        "отдела",
        "справа",
        "слева",
        "левой",
        "правой",
        "левого",
        "правого",
        "обеих",
        "обоих",
        "стороны",
        "сторон",
        "другие",
        "других",
        "неуточненный",
        "неуточненная",
        "уточненный",
    ]
)
_WORD_RE = re.compile(r"[а-яё]+", re.IGNORECASE)
_CLAUSE_RE = re.compile(r"[,;.]\s+")


@dataclass(frozen=True)
class IcdSuggestion:
    code: str
    name: str
    confidence: float
    matched: str
    """The conclusion words the suggestion rests on."""
    source: str  # "radiology_map" | "nsi_name"


def _refine(rule: IcdRule, text: str) -> str:
    for pattern, code in rule.refinements:
        if pattern.search(text):
            return code
    return rule.code


def suggest_icd10(conclusion: str, findings: str = "") -> IcdSuggestion | None:
    """Best МКБ-10 code for ``conclusion`` with its confidence, or None when unsure."""
    if not conclusion.strip():
        return None
    context = f"{conclusion}\n{findings}"
    candidates: list[tuple[int, int, str, str]] = []
    for rule in ICD10_RULES:
        match = rule.pattern.search(conclusion)
        if match:
            candidates.append((-rule.priority, match.start(), _refine(rule, context), match[0]))
    codes = nsi.mkb10()
    if candidates:
        candidates.sort()
        _, _, code, matched = candidates[0]
        contested = any(c[0] == candidates[0][0] and c[2] != code for c in candidates[1:])
        entry = codes.get(code)
        if entry is not None:
            confidence = CONTESTED_CONFIDENCE if contested else RULE_CONFIDENCE
            return IcdSuggestion(entry.code, entry.name, confidence, matched, "radiology_map")
    return _suggest_from_names(conclusion)


def _stems(text: str) -> set[str]:
    return {
        w.lower().replace("ё", "е")[:_STEM]
        for w in _WORD_RE.findall(text)
        if len(w) > 3 and w.lower() not in _STOPWORDS
    }


@cache
def _name_index() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Stem → codes, and code → stems of its name (leaf codes only)."""
    by_stem: dict[str, set[str]] = defaultdict(set)
    stems_of: dict[str, set[str]] = {}
    for code, entry in nsi.mkb10().items():
        stems = _stems(entry.name)
        if stems:
            stems_of[code] = stems
            for stem in stems:
                by_stem[stem].add(code)
    return dict(by_stem), stems_of


def _suggest_from_names(conclusion: str) -> IcdSuggestion | None:
    first_clause = _CLAUSE_RE.split(conclusion.strip(), maxsplit=1)[0]
    query = _stems(first_clause)
    if not query:
        return None
    by_stem, stems_of = _name_index()
    scored: list[tuple[float, str]] = []
    for code in set().union(*(by_stem.get(stem, set()) for stem in query)):
        name_stems = stems_of[code]
        overlap = len(query & name_stems)
        # Every word of the МКБ name must be dictated, and most of the dictated words used.
        score = overlap / max(len(name_stems), len(query))
        if overlap == len(name_stems):
            scored.append((score, code))
    if not scored:
        return None
    score, code = max(scored, key=lambda item: (item[0], -len(item[1])))
    if score < NSI_MIN_OVERLAP:
        return None
    entry = nsi.mkb10()[code]
    return IcdSuggestion(
        entry.code, entry.name, round(NSI_MAX_CONFIDENCE * score, 2), first_clause, "nsi_name"
    )
