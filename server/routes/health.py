"""Liveness/readiness: is the model loaded, which device, how busy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from server.version import __version__

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str
    version: str
    model: str
    device: str
    compute_type: str


@router.get("/healthz", response_model=Health, summary="Service health")
def healthz(request: Request) -> Health:
    engine = request.app.state.engine
    return Health(
        status="ok",
        version=__version__,
        model=engine.options.model_dir.name,
        device=engine.device,
        compute_type=engine.compute_type,
    )
