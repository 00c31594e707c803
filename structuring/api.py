"""The structuring stage's public entry points, for the server and the CLI."""

from __future__ import annotations

from semd_templates import get_template
from structuring.context import SemdContext
from structuring.fhir import to_fhir
from structuring.icd10_index import icd10_index
from structuring.icd10_spelling import spelled
from structuring.pipeline import TemplateUndetectedError, live_fields, structure
from structuring.report import StructuredReport
from structuring.semd_builder import SemdContentError, build_semd
from structuring.validation import ValidationReport, validate_semd
from structuring.validation import warm_up as _warm_up_validation

__all__ = [
    "SemdContentError",
    "SemdContext",
    "StructuredReport",
    "TemplateUndetectedError",
    "ValidationReport",
    "build_semd",
    "live_fields",
    "report_json",
    "structure",
    "to_fhir",
    "validate_semd",
    "warm_up",
]


def warm_up() -> None:
    """Build what the first document would otherwise wait for (e.g. at server start): the
    XSD and schematron, the МКБ-10 index (about a second of lemmatising) and the general
    vocabulary its spelled reading uses."""
    _warm_up_validation()
    icd10_index()
    spelled("Заключение: без патологии.")


def report_json(report: StructuredReport) -> dict[str, object]:
    """The JSON output: profile fields by id plus the fixed keys every МИС can rely on."""
    template = get_template(report.template_id)
    values = report.profile_fields([f.id for f in template.fields])
    values.update(report.model_dump(mode="json"))
    return values
