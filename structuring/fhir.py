"""StructuredReport → FHIR R4 ``DiagnosticReport`` JSON for international МИС."""

from __future__ import annotations

import base64
from html import escape

from structuring.context import SemdContext
from structuring.report import StructuredReport

ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
FSIDI_SYSTEM = "urn:oid:1.2.643.5.1.13.13.11.1471"
SNILS_SYSTEM = "urn:oid:1.2.643.100.3"
# LOINC codes of the IHE MRRT report sections.
LOINC_FINDINGS, LOINC_IMPRESSION = "59776-5", "19005-8"


def _plain_text(report: StructuredReport) -> str:
    parts = [report.title, f"Описание: {report.findings}", f"Заключение: {report.conclusion}"]
    if report.recommendations:
        parts.append(f"Рекомендации: {report.recommendations}")
    return "\n".join(p for p in parts if p)


def to_fhir(report: StructuredReport, context: SemdContext | None = None) -> dict[str, object]:
    """A ``DiagnosticReport`` (status ``preliminary`` until a МИС context signs it off)."""
    text = _plain_text(report)
    resource: dict[str, object] = {
        "resourceType": "DiagnosticReport",
        "status": "final" if context is not None else "preliminary",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                        "code": "RAD",
                        "display": "Radiology",
                    }
                ]
            }
        ],
        "code": {"text": report.title or f"{report.modality}: {report.area}"},
        "conclusion": report.conclusion,
        "presentedForm": [
            {
                "contentType": "text/plain; charset=utf-8",
                "language": "ru",
                "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
                "title": "Протокол инструментального исследования",
            }
        ],
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml">'
            + "".join(f"<p>{escape(line)}</p>" for line in text.split("\n"))
            + "</div>",
        },
    }
    if report.icd10 is not None:
        resource["conclusionCode"] = [
            {
                "coding": [
                    {
                        "system": ICD10_SYSTEM,
                        "code": report.icd10.code,
                        "display": report.icd10.name,
                    }
                ],
                "text": report.conclusion,
            }
        ]
    if context is not None:
        study = context.study
        if study.code is not None:
            resource["code"] = {
                "coding": [
                    {"system": FSIDI_SYSTEM, "code": study.code.code, "display": study.code.name}
                ],
                "text": report.title or study.code.name,
            }
        resource["identifier"] = [
            {"system": f"urn:oid:{context.organization.oid}", "value": context.document_id}
        ]
        resource["subject"] = {
            "identifier": {"system": SNILS_SYSTEM, "value": context.patient.snils}
        }
        resource["effectiveDateTime"] = study.performed_at.isoformat()
        resource["issued"] = context.created_at.isoformat()
        resource["performer"] = [
            {
                "identifier": {"system": SNILS_SYSTEM, "value": context.author.snils},
                "display": " ".join(
                    filter(
                        None,
                        (
                            context.author.name.family,
                            context.author.name.given,
                            context.author.name.patronymic,
                        ),
                    )
                ),
            }
        ]
    return resource
