"""Clinical consistency checks of a structured report: warnings, never edits.

``check(report, template)`` is pure and cheap (regular expressions over the report's own
texts, no model): the final document calls it, and a live dictation may call it as often as
it likes. Four kinds of warning:

- ``laterality_conflict``: the conclusion names one side, the title or the findings the other;
- ``implausible_size``: a size no such structure has («очаг 230 мм», «камень 9 см»);
- ``category_conflict``: a BI-RADS / TI-RADS category at odds with what is described;
- ``missing_required``: a mandatory field of the СЭМД profile is still empty.

Thresholds and word stems live in ``data/consistency.json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from semd_templates import Template
from structuring.icd10_text import data_text
from structuring.laterality import NORMAL_RE, sides
from structuring.measurements import extract_measurements
from structuring.report import ReportWarning, StructuredReport

_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+")
_SIDE_NAMES = {"left": "слева", "right": "справа"}
# Filled from the МИС context, not from the dictation.
_CONTEXT_FIELDS = frozenset({"study"})


@dataclass(frozen=True)
class _SizeLimit:
    stems: tuple[str, ...]
    max_mm: float
    what: str


@dataclass(frozen=True)
class _Rules:
    size_limits: tuple[_SizeLimit, ...]
    negation: re.Pattern[str]
    lesion: re.Pattern[str]
    malignancy: re.Pattern[str]
    categories: dict[str, dict[str, Any]]


def _stems_re(stems: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + ")", re.IGNORECASE)


@cache
def _rules() -> _Rules:
    data = json.loads(data_text("consistency.json"))
    return _Rules(
        tuple(
            _SizeLimit(tuple(row["stems"]), float(row["max_mm"]), row["what"])
            for row in data["size_limits"]
        ),
        re.compile(data["negation"], re.IGNORECASE),
        _stems_re(data["lesion_stems"]),
        _stems_re(data["malignancy_stems"]),
        data["categories"],
    )


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_RE.split(text) if s.strip()]


def _describes_something(sentence: str) -> bool:
    return not NORMAL_RE.search(sentence) and not _rules().negation.search(sentence)


def _single_side(named: set[str]) -> str | None:
    return next(iter(named)) if len(named) == 1 and named <= _SIDE_NAMES.keys() else None


def laterality_conflicts(report: StructuredReport) -> list[ReportWarning]:
    concluded = _single_side(sides(report.conclusion))
    if concluded is None:
        return []
    described: set[str] = set()
    for sentence in _sentences(report.findings):
        if _describes_something(sentence):
            described |= sides(sentence)
    warnings: list[ReportWarning] = []
    for where, named in (
        ("в названии исследования", sides(report.title)),
        ("в описании", described),
    ):
        other = _single_side(named)
        if other is not None and other != concluded:
            warnings.append(
                ReportWarning(
                    code="laterality_conflict",
                    field="laterality",
                    message=f"В заключении сторона «{_SIDE_NAMES[concluded]}», а {where} — "
                    f"«{_SIDE_NAMES[other]}». Проверьте сторону.",
                )
            )
    return warnings


def implausible_sizes(report: StructuredReport) -> list[ReportWarning]:
    warnings: list[ReportWarning] = []
    for sentence in _sentences(f"{report.findings} {report.conclusion}"):
        sizes = extract_measurements(sentence)
        if not sizes:
            continue
        lowered = sentence.lower()
        limit = next(
            rule for rule in _rules().size_limits if any(stem in lowered for stem in rule.stems)
        )
        largest = max(max(size) for size in sizes)
        if largest > limit.max_mm or min(min(size) for size in sizes) <= 0:
            warnings.append(
                ReportWarning(
                    code="implausible_size",
                    field="measurements_mm",
                    message=f"Размер {largest:g} мм неправдоподобен для {limit.what} "
                    f"(обычно не более {limit.max_mm:g} мм): проверьте число и единицы "
                    f"в «{sentence.strip()[:80]}».",
                )
            )
    return warnings


def category_conflicts(report: StructuredReport) -> list[ReportWarning]:
    rules = _rules()
    described = [s for s in _sentences(report.findings) if _describes_something(s)]
    has_lesion = any(rules.lesion.search(s) for s in described) or bool(
        rules.lesion.search(report.conclusion) and _describes_something(report.conclusion)
    )
    suspects_cancer = bool(rules.malignancy.search(report.conclusion))
    warnings: list[ReportWarning] = []
    for name, category in rules.categories.items():
        value = getattr(report, name)
        if value is None:
            continue
        label = f"{category['label']} {value}"
        problem = None
        if value in category["no_finding"] and has_lesion:
            problem = f"{label} означает отсутствие находок, а в описании есть образование"
        elif value in category["needs_lesion"] and not has_lesion:
            problem = f"{label} предполагает находку, а образование не описано"
        if value in category["benign"] and suspects_cancer:
            problem = (
                f"{label} — доброкачественная категория, а заключение говорит о злокачественности"
            )
        if problem:
            warnings.append(
                ReportWarning(code="category_conflict", field=name, message=f"{problem}.")
            )
    return warnings


def _is_empty(value: object) -> bool:
    return value is None or value in ("", [])


def missing_required(report: StructuredReport, template: Template) -> list[ReportWarning]:
    values = report.profile_fields([f.id for f in template.fields])
    return [
        ReportWarning(
            code="missing_required",
            field=spec.id,
            message=f"Обязательное поле «{spec.title}» не заполнено.",
        )
        for spec in template.fields
        if spec.required and spec.id not in _CONTEXT_FIELDS and _is_empty(values.get(spec.id))
    ]


def check(report: StructuredReport, template: Template) -> list[ReportWarning]:
    """Every consistency warning for ``report`` structured with ``template``."""
    return [
        *laterality_conflicts(report),
        *implausible_sizes(report),
        *category_conflicts(report),
        *missing_required(report, template),
    ]
