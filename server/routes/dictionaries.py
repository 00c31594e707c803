"""Specialty dictionaries: what is active (``GET``), and a hospital's own terms (``POST``)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field, field_validator

from vocabularies.catalogue import describe, describe_all
from vocabularies.specialties import resolve_specialty
from vocabularies.user import add_terms, dictionaries_folder

router = APIRouter(prefix="/v1/dictionaries", tags=["dictionaries"])
admin_router = APIRouter(prefix="/v1/admin/dictionaries", tags=["dictionaries"])
"""Changes to what every dictation uses: the ``admin`` scope (server/auth.py)."""


def _site_folder(request: Request) -> Path:
    return dictionaries_folder(request.app.state.settings.data_dir)


@router.get(
    "",
    summary="Every specialty's active dictionaries",
    description="Per specialty: each dictionary's title, source, licence and entry count, and "
    "the number of inflected word forms the corrector matches. Site dictionaries added through "
    "`POST /v1/admin/dictionaries/{name}/terms` or dropped into `$SEMDICT_DATA_DIR/dictionaries/` "
    "are included.",
)
def read_dictionaries(request: Request) -> list[dict[str, Any]]:
    return [asdict(item) for item in describe_all(_site_folder(request))]


@router.get(
    "/{specialty}",
    summary="One specialty's active dictionaries",
    responses={404: {"description": "Unknown specialty; the message lists the known ones"}},
)
def read_dictionary(specialty: str, request: Request) -> dict[str, Any]:
    try:
        key = resolve_specialty(specialty)
    except ValueError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    return asdict(describe(key, _site_folder(request)))


class NewTerms(BaseModel):
    terms: list[str] = Field(min_length=1, max_length=5000)

    @field_validator("terms")
    @classmethod
    def _plain_terms(cls, terms: list[str]) -> list[str]:
        for term in terms:
            if not term.strip() or len(term) > 200 or not term.isprintable():
                raise ValueError(f"terms must be printable text of 1–200 characters: {term!r}")
        return [" ".join(term.split()) for term in terms]


@admin_router.post(
    "/{name}/terms",
    status_code=status.HTTP_201_CREATED,
    summary="Add a hospital's own terms to a site dictionary",
    description="Creates the site dictionary `name` (letters, digits, underscores) under the "
    "data folder if needed and adds the terms; every specialty's next final uses them. Their "
    "word forms join the valid words the corrector never rewrites without evidence.",
)
def add_site_terms(name: str, body: NewTerms, request: Request) -> dict[str, Any]:
    try:
        path = add_terms(request.app.state.settings.data_dir, name, body.terms)
    except ValueError as exc:  # the name: a 422 naming the field, as every validation error
        detail = [{"type": "value_error", "loc": ["path", "name"], "msg": str(exc)}]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail) from exc
    return {"dictionary": name, "file": path.name, "added": len(body.terms)}
