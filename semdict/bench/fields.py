"""Field accuracy: the structured report of the full pipeline against the corpus' ``fields``."""

from __future__ import annotations

from typing import Any

from semd_templates import TemplateNotFoundError
from semdict.metrics import wer_tokens
from structuring.api import TemplateUndetectedError, report_json, structure

SCORED_FIELDS = (
    "modality",
    "area",
    "contrast",
    "laterality",
    "measurements_mm",
    "conclusion",
    "recommendations",
    "icd10",
    "birads",
)
TEXT_FIELDS = {"conclusion", "recommendations"}
"""Compared on WER tokens: punctuation and case are the document's business, not the field's."""


def structured(text: str, template_id: str | None) -> dict[str, Any] | None:
    """The report JSON, or None when no template fits the text."""
    try:
        return report_json(structure(text, template_id))
    except (TemplateUndetectedError, TemplateNotFoundError):
        return None


def _canonical(name: str, value: Any) -> Any:
    if name == "icd10":
        value = value.get("code") if isinstance(value, dict) else value
        return (value or "").upper()
    if name in TEXT_FIELDS:
        return wer_tokens(str(value or ""))
    if name == "measurements_mm":
        return [[float(x) for x in m] for m in value or []]
    if isinstance(value, str):
        return value.strip().lower().replace("ё", "е")
    return value


def field_matches(expected: dict[str, Any], report: dict[str, Any] | None) -> dict[str, bool]:
    """Per scored field present in ``expected``: does the report give the same value?"""
    names = [n for n in SCORED_FIELDS if n in expected]
    if report is None:
        return dict.fromkeys(names, False)
    return {n: _canonical(n, expected[n]) == _canonical(n, report.get(n)) for n in names}
