"""Text → ``StructuredReport``: sections, study kind, extractors and coding in one pass."""

from __future__ import annotations

from semd_templates import Template, get_template, nsi
from semd_templates.registry import TemplateNotFoundError
from structuring.area_phrase import title_area
from structuring.coding import match_pathologies
from structuring.consistency import check
from structuring.contrast import contrast_used
from structuring.dose import extract_dose_msv
from structuring.events import CommandEvent
from structuring.icd10 import suggest_icd10
from structuring.icd10_spelling import spelled
from structuring.laterality import extract_laterality
from structuring.measurements import extract_measurements
from structuring.report import Coded, Icd10, Icd10Candidate, StructuredReport
from structuring.scores import extract_score
from structuring.sections import Sections, split_sections
from structuring.study_kind import (
    AreaTerm,
    area_name,
    detect_area,
    detect_modality,
    detect_template,
)

# Used when neither the caller nor the text says which study this is.
FALLBACK_TEMPLATE = "ct_chest"


class TemplateUndetectedError(ValueError):
    """No template given and none recognisable from the text."""


def _resolve_template(
    template_id: str | None, modality: str | None, area: AreaTerm | None, head: str = ""
) -> tuple[Template, bool]:
    if template_id:
        return get_template(template_id), False
    detected = detect_template(modality, area, area_named=title_area(head) is not None)
    if detected is None:
        raise TemplateUndetectedError(
            "cannot tell the study kind from the text: name the modality and area in the "
            "first sentence (e.g. «Компьютерная томография органов грудной клетки») or pass "
            "a template id"
        )
    return detected, True


def _anatomy(area: AreaTerm | None, template: Template) -> Coded | None:
    code = area.anatomy_code if area and area.anatomy_code else None
    if code is None and template.anatomy is not None:
        code = template.anatomy.code
    entry = nsi.anatomy().get(code) if code else None
    return Coded(code=entry.code, name=entry.name, code_system=nsi.ANATOMY_OID) if entry else None


def structure(
    text: str, template_id: str | None = None, commands: list[CommandEvent] | None = None
) -> StructuredReport:
    """Structure the final dictation ``text``.

    ``template_id`` None means: detect it from the text (``TemplateUndetectedError`` when
    impossible). Unknown ids raise ``semd_templates.TemplateNotFoundError``.
    """
    sections = split_sections(text, commands)
    head = sections.title or _first_sentence(text)
    modality = detect_modality(head) or detect_modality(text)
    area = detect_area(head)
    template, detected = _resolve_template(template_id, modality, area, head)
    if modality not in template.detect.modalities:
        modality = template.default_modality
    if area is not None and area.region not in template.detect.regions:
        area = None
    return _build_report(sections, template, detected, modality, area, head=head)


def _first_sentence(text: str) -> str:
    return text.split(".", 1)[0][:300]


def _build_report(
    sections: Sections,
    template: Template,
    detected: bool,
    modality: str,
    area: AreaTerm | None,
    *,
    head: str,
) -> StructuredReport:
    suggestion = suggest_icd10(spelled(sections.conclusion), modality)
    icd = suggestion.top
    report = StructuredReport(
        template_id=template.id,
        template_detected=detected,
        title=sections.title,
        modality=modality,
        area=area_name(head, area, template.default_area),
        contrast=contrast_used(sections.title, sections.findings),
        laterality=extract_laterality(sections.title, sections.findings, sections.conclusion),
        findings=sections.findings,
        conclusion=sections.conclusion,
        recommendations=sections.recommendations,
        measurements_mm=extract_measurements(sections.findings),
        dose_msv=extract_dose_msv(f"{sections.title} {sections.findings}"),
        icd10=Icd10(
            code=icd.code,
            name=icd.name,
            confidence=icd.confidence,
            matched=icd.matched,
            source=icd.source,
            suspected=icd.suspected,
        )
        if icd
        else None,
        icd10_candidates=[
            Icd10Candidate(code=c.code, name=c.name, confidence=c.confidence)
            for c in suggestion.candidates
        ],
        anatomy=_anatomy(area, template),
        pathologies=[
            Coded(code=e.code, name=e.name, code_system=nsi.PATHOLOGY_OID)
            for e in match_pathologies(sections.conclusion)
        ],
        birads=extract_score("birads", sections.conclusion) if template.field("birads") else None,
        tirads=extract_score("tirads", sections.conclusion) if template.field("tirads") else None,
        sections_named=sections.named,
    )
    return report.model_copy(update={"warnings": check(report, template)})


def live_fields(text_so_far: str, template_id: str | None = None) -> dict[str, object]:
    """Cheap field values for live ``field`` events while the doctor is still speaking.

    No МКБ-10 or pathology matching (those wait for the final text); never raises on
    partial text: an unknown or undetectable template gives only the section texts.
    """
    sections = split_sections(text_so_far)
    head = sections.title or _first_sentence(text_so_far)
    modality = detect_modality(head)
    area = detect_area(head)
    values: dict[str, object] = {
        "findings": sections.findings,
        "conclusion": sections.conclusion,
        "recommendations": sections.recommendations,
        "measurements_mm": extract_measurements(sections.findings),
        "contrast": contrast_used(sections.title, sections.findings),
        "laterality": extract_laterality(sections.title, sections.findings, sections.conclusion),
    }
    try:
        template, _ = _resolve_template(template_id, modality, area, head)
    except (TemplateUndetectedError, TemplateNotFoundError):
        return values
    values["modality"] = (
        modality if modality in template.detect.modalities else (template.default_modality)
    )
    fitting = area if area and area.region in template.detect.regions else None
    values["area"] = area_name(head, fitting, template.default_area)
    return values
