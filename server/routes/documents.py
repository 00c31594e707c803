"""Dictation text → structured fields, СЭМД XML with its validation report, FHIR JSON."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from typing import Annotated, Any, Literal, cast, get_args

from fastapi import APIRouter, Body, HTTPException, Request, status
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError
from starlette.routing import Match
from starlette.types import Scope

from semd_templates import TemplateNotFoundError, get_template
from server.settings import Settings
from server.transcriber import RecognitionOptions, RecordedTranscriber
from server.uploads import UploadRefusedError, decode, receive_upload
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
from structuring.safe_text import SafeModel, unsafe_text
from vocabularies.specialties import resolve_specialty


class MultipartRoute(APIRoute):
    """Matches multipart requests only, so that one path takes both a dictation's text (JSON,
    the next route) and its recording (multipart)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
        if match is Match.FULL and not content_type.lower().startswith(b"multipart/form-data"):
            return Match.NONE, {}
        return match, child


router = APIRouter(prefix="/v1/documents", tags=["documents"])

MAX_TEXT_CHARS = 100_000
"""A long radiology report is about 10,000 characters; more is not a dictation."""

_EXAMPLE_TEXT = (
    "Компьютерная томография органов грудной клетки без контрастного усиления. Описание. "
    "В левой плевральной полости определяется жидкость толщиной слоя до 46 мм. "
    "Заключение. Левосторонний гидроторакс. Рекомендации. Плевральная пункция."
)
_EXAMPLE_CONTEXT = json.loads(
    resources.files("semd_templates").joinpath("example_context.json").read_text("utf-8")
)


class DocumentRequest(SafeModel):
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
    edited: dict[str, str] | None = Field(
        default=None,
        description="text fields the doctor corrected by hand, by profile field id (e.g. "
        "`conclusion`); they replace what was structured from the text",
        examples=[{"conclusion": "Левосторонний гидроторакс."}],
    )


class DocumentResponse(BaseModel):
    template_id: str
    fields: dict[str, object] = Field(description="values by profile field id plus fixed keys")
    report: StructuredReport
    semd_xml: str | None = Field(default=None, description="СЭМД (UTF-8 XML) when requested")
    validation: ValidationReport | None = None
    fhir: dict[str, object] | None = None
    text: str | None = Field(
        default=None, description="the recognised dictation (multipart uploads only)"
    )


def _unprocessable(message: str, field: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": ["body", field], "msg": message, "type": "value_error"}],
    )


_UPLOAD_SCHEMA = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the recording"},
        "template": {"type": "string", "description": "template id; detected when omitted"},
        "specialty": {"type": "string", "description": "dictionary set; from the template"},
        "context": {"type": "string", "description": "the МИС context as JSON (SemdContext)"},
        "format": {"type": "string", "enum": ["json", "semd", "fhir", "all"], "default": "all"},
    },
}


async def create_document_from_recording(request: Request) -> DocumentResponse:
    """A recorded dictation → its text (as a live dictation's) → the document."""
    settings: Settings = request.app.state.settings
    transcriber: RecordedTranscriber = request.app.state.transcriber
    try:
        upload = await receive_upload(request, settings.uploads)
    except UploadRefusedError as exc:
        raise HTTPException(exc.status_code, exc.message) from exc
    try:
        for name, values in upload.fields.items():
            problem = next(filter(None, map(unsafe_text, values)), None)
            if problem:
                raise _unprocessable(problem, name)
        template_id = upload.field("template") or upload.field("template_id")
        fmt = _format(upload.field("format"))
        context = _context(upload.field("context"))
        options = RecognitionOptions(template_id=template_id, specialty=upload.field("specialty"))
        if template_id is not None:
            get_template(template_id)
        resolve_specialty(options.specialty, template_id)
        samples = await decode(upload, settings.uploads)
    except UploadRefusedError as exc:
        raise HTTPException(exc.status_code, exc.message) from exc
    except TemplateNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except ValueError as exc:  # an unknown specialty: the message lists the known ones
        raise _unprocessable(str(exc), "specialty") from exc
    finally:
        await upload.file.close()
    recognition = await transcriber.recognise(samples, options)
    assert recognition is not None
    document = await asyncio.to_thread(render_document, recognition.text, template_id, context, fmt)
    document.text = recognition.text
    return document


router.add_api_route(
    "",
    create_document_from_recording,
    methods=["POST"],
    response_model=DocumentResponse,
    include_in_schema=False,  # documented with the JSON route, which names both bodies
    route_class_override=MultipartRoute,
)

Format = Literal["json", "semd", "fhir", "all"]


def _format(raw: str | None) -> Format:
    if raw is None:
        return "all"
    if raw not in get_args(Format):
        raise _unprocessable("format must be one of json, semd, fhir, all", "format")
    return cast(Format, raw)


def _context(raw: str | None) -> SemdContext | None:
    if raw is None:
        return None
    try:
        return SemdContext.model_validate_json(raw)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [
            {"loc": ["body", "context", *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=errors) from exc


@router.post(
    "",
    response_model=DocumentResponse,
    summary="Structure a dictation and build its СЭМД",
    description="Returns the structured fields, and on request the СЭМД XML with its XSD + "
    "schematron validation report and a FHIR R4 DiagnosticReport. An invalid context is "
    "refused with 422 naming the field (e.g. `context.patient.snils`). Instead of the text, "
    "a recorded dictation may be sent as multipart `file` (with `template`, `specialty`, "
    "`context` as JSON and `format`): it is recognised as a live dictation would be, and "
    "`text` carries what was recognised; the upload limits and formats of "
    "`/v1/audio/transcriptions` apply (413, 415).",
    openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": _UPLOAD_SCHEMA}}}},
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
    return render_document(
        request.text, request.template_id, request.context, request.format, request.edited
    )


def render_document(
    text: str,
    template_id: str | None,
    context: SemdContext | None,
    fmt: Literal["json", "semd", "fhir", "all"],
    edited: dict[str, str] | None = None,
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
    if edited:
        report = _apply_edits(report, edited)
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


def _apply_edits(report: StructuredReport, edited: dict[str, str]) -> StructuredReport:
    """The doctor's corrections of text fields; coded values (МКБ-10, …) are dictated."""
    values = report.model_dump()
    for field_id, value in edited.items():
        if field_id == "template_id" or not isinstance(values.get(field_id), str):
            raise _unprocessable(
                f"field {field_id!r} cannot be edited as text: only the text fields "
                f"({_text_fields(values)}) can",
                f"edited.{field_id}",
            )
        values[field_id] = value.strip()
    try:
        return StructuredReport.model_validate(values)
    except ValidationError as exc:
        raise _unprocessable(f"invalid edited value: {exc.errors()[0]['msg']}", "edited") from exc


def _text_fields(values: dict[str, object]) -> str:
    return ", ".join(k for k, v in values.items() if isinstance(v, str) and k != "template_id")
