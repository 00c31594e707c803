"""``GET /v1/models``: the loaded model, in OpenAI's list shape (clients check it first)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from asr.engine import Engine

router = APIRouter(prefix="/v1/models", tags=["transcriptions"])


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    """When the model's files were written (Unix seconds)."""
    owned_by: str = "semdict"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


def model_ids(engine: Engine) -> list[str]:
    """``semdict`` (what clients should ask for) and the loaded model folder's name."""
    return ["semdict", engine.options.model_dir.name]


@router.get("", response_model=ModelList, summary="The loaded model (OpenAI-compatible)")
def list_models(request: Request) -> ModelList:
    engine: Engine = request.app.state.engine
    created = int(engine.options.model_dir.stat().st_mtime)
    return ModelList(data=[ModelOut(id=i, created=created) for i in model_ids(engine)])
