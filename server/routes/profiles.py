"""Open integration profiles: the template of each study kind, served as JSON."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from semd_templates import Template, TemplateNotFoundError, get_template, list_templates

router = APIRouter(prefix="/v1/profiles", tags=["profiles"])


@router.get(
    "",
    response_model=list[Template],
    summary="All integration profiles",
    description="One template per study kind: its fields (id, Russian title, type, required, "
    "value-set OID) and where each lands in the СЭМД «Протокол инструментального "
    "исследования» (РЭМД 174, Ред.4).",
)
def read_profiles() -> list[Template]:
    return list_templates()


@router.get(
    "/{template_id}",
    response_model=Template,
    summary="One integration profile",
    responses={404: {"description": "Unknown template id; the message lists the known ones"}},
)
def read_profile(template_id: str) -> Template:
    try:
        return get_template(template_id)
    except TemplateNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
