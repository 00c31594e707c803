"""``POST /v1/text/postprocess``: normalisation, dictionary correction and voice commands on
text, for МИС integrations and tests."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from structuring.postprocess import postprocess
from structuring.safe_text import SafeModel

router = APIRouter()


class PostprocessOptions(BaseModel):
    correct: bool = True
    """Dictionary near-miss correction."""
    normalise: bool = True
    """Numbers, units, codes and dictated punctuation."""
    commands: bool = True
    """Execute voice commands and report them."""


class PostprocessRequest(SafeModel):
    text: str = Field(max_length=100_000)
    specialty: str | None = None
    template_id: str | None = None
    options: PostprocessOptions = Field(default_factory=PostprocessOptions)


class CorrectionOut(BaseModel):
    raw: str
    corrected: str
    dictionary: str
    score: float


class CommandOut(BaseModel):
    name: str
    arg: str | None = None
    value: str | None = None
    spoken: str = ""


class PostprocessResponse(BaseModel):
    text: str
    corrections: list[CorrectionOut]
    commands: list[CommandOut]


@router.post("/v1/text/postprocess", response_model=PostprocessResponse)
def postprocess_text(request: PostprocessRequest) -> dict[str, Any]:
    try:
        result = postprocess(
            request.text,
            specialty=request.specialty,
            template_id=request.template_id,
            correct=request.options.correct,
            normalise=request.options.normalise,
            commands=request.options.commands,
        )
    except ValueError as exc:  # an unknown specialty: say which ones exist
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return {
        "text": result.text,
        "corrections": [asdict(c) for c in result.corrections],
        "commands": [asdict(c) for c in result.commands],
    }
