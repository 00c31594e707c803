"""``POST /v1/text/postprocess``: normalisation, dictionary correction and voice commands on
text, for МИС integrations and tests."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
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


class HeardWord(SafeModel):
    w: str = Field(max_length=200)
    p: float = Field(ge=0.0, le=1.0)
    """The recogniser's probability for the word."""


class PostprocessRequest(SafeModel):
    text: str = Field(max_length=100_000)
    specialty: str | None = None
    template_id: str | None = None
    options: PostprocessOptions = Field(default_factory=PostprocessOptions)
    words: list[HeardWord] | None = Field(
        default=None,
        max_length=20_000,
        description="The recogniser's words with probabilities, when the text was recognised "
        "speech: then a valid word the recogniser was unsure of may be corrected. Without "
        "them the text is taken as written and only non-words are corrected, as typos.",
    )


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


class WithheldOut(BaseModel):
    raw: str
    suggested: str
    dictionary: str
    reason: str
    """Why the evidence did not allow the change (docs/corrections.md)."""


class PostprocessResponse(BaseModel):
    text: str
    corrections: list[CorrectionOut]
    commands: list[CommandOut]
    withheld: list[WithheldOut] = []


def _data_dir(request: Request) -> Path | None:
    """The service's data folder (site dictionaries); None in an app without settings."""
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "data_dir", None)


@router.post("/v1/text/postprocess", response_model=PostprocessResponse)
def postprocess_text(body: PostprocessRequest, request: Request) -> dict[str, Any]:
    words = [(w.w, w.p) for w in body.words] if body.words else None
    try:
        result = postprocess(
            body.text,
            specialty=body.specialty,
            template_id=body.template_id,
            correct=body.options.correct,
            normalise=body.options.normalise,
            commands=body.options.commands,
            data_dir=_data_dir(request),
            words=words,
        )
    except ValueError as exc:  # an unknown specialty: say which ones exist
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return {
        "text": result.text,
        "corrections": [asdict(c) for c in result.corrections],
        "commands": [asdict(c) for c in result.commands],
        "withheld": [asdict(w) for w in result.withheld],
    }
