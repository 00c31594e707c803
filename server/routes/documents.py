"""Dictation text → structured fields, СЭМД XML with its validation report, FHIR JSON."""

from __future__ import annotations

import json
from importlib import resources
from typing import Annotated, Literal

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import BaseModel, Field

from semd_templates import TemplateNotFoundError
from structuring.api import (
    SemdContentError,
    SemdContext,
    StructuredReport,
    TemplateUndetectedError,
    ValidationReport,
    build_semd,
    report_json,
    structure,
    to_fhir,
    validate_semd,
)

router = APIRouter(prefix="/v1/documents", tags=["documents"])

MAX_TEXT_CHARS = 2_000_000

_EXAMPLE_TEXT = (
    "Компьютерная томография органов грудной клетки без контрастного усиления. Описание. "
    "В левой плевральной полости определяется жидкость толщиной слоя до 46 мм. "
    "Заключение. Левосторонний гидроторакс. Рекомендации. Плевральная пункция."
)
_EXAMPLE_CONTEXT = json.loads(
    resources.files("semd_templates").joinpath("example_context.json").read_text("utf-8")
)


class DocumentRequest(BaseModel):
    text: str = Field(max_length=MAX_TEXT_CHARS, description="final dictation text")
    template_id: str | None = Field(
        default=None, description="template id; detected from the text when omitted"
    )
    context: SemdContext | None = Field(
        default=None, description="МИС context; required for the СЭМД (format semd or all)"
    )
    format: Literal["json", "semd", "fhir", "all"] = Field(
        default="all", description="what to return besides the structured fields"
    )


class DocumentResponse(BaseModel):
    template_id: str
    fields: dict[str, object] = Field(description="values by profile field id plus fixed keys")
    report: StructuredReport
    semd_xml: str | None = Field(default=None, description="СЭМД (UTF-8 XML) when requested")
    validation: ValidationReport | None = None
    fhir: dict[str, object] | None = None


def _unprocessable(message: str, field: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": ["body", field], "msg": message, "type": "value_error"}],
    )


@router.post(
    "",
    response_model=DocumentResponse,
    summary="Structure a dictation and build its СЭМД",
    description="Returns the structured fields, and on request the СЭМД XML with its XSD + "
    "schematron validation report and a FHIR R4 DiagnosticReport. An invalid context is "
    "refused with 422 naming the field (e.g. `context.patient.snils`).",
    responses={
        404: {"description": "Unknown template id"},
        422: {"description": "Invalid context, no context for a СЭМД, or missing sections"},
    },
)
def create_document(
    request: Annotated[
        DocumentRequest,
        Body(
            openapi_examples={
                "fields only": {"value": {"text": _EXAMPLE_TEXT, "format": "json"}},
                "СЭМД": {
                    "value": {
                        "text": _EXAMPLE_TEXT,
                        "template_id": "ct_chest",
                        "context": _EXAMPLE_CONTEXT,
                        "format": "all",
                    }
                },
            }
        ),
    ],
) -> DocumentResponse:
    return render_document(request.text, request.template_id, request.context, request.format)


def render_document(
    text: str,
    template_id: str | None,
    context: SemdContext | None,
    fmt: Literal["json", "semd", "fhir", "all"],
) -> DocumentResponse:
    """Shared by ``POST /v1/documents`` and a dictation session's document."""
    wants_semd = fmt in ("semd", "all")
    if wants_semd and context is None:
        raise _unprocessable(
            "a СЭМД needs the МИС context (patient, author, organisation); send `context` or "
            "ask for format json/fhir",
            "context",
        )
    try:
        report = structure(text, template_id)
    except TemplateNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except TemplateUndetectedError as exc:
        raise _unprocessable(str(exc), "template_id") from exc
    response = DocumentResponse(
        template_id=report.template_id, fields=report_json(report), report=report
    )
    if wants_semd and context is not None:
        try:
            xml = build_semd(report, context)
        except SemdContentError as exc:
            raise _unprocessable(str(exc), "text") from exc
        response.semd_xml = xml.decode("utf-8")
        response.validation = validate_semd(xml)
    if fmt in ("fhir", "all"):
        response.fhir = to_fhir(report, context)
    return response
