"""Liveness (``/healthz``: the model is loaded) and readiness (``/readyz``: the session store
answers too — a front or an orchestrator stops sending new work to a node that fails it)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from server.sessions import SessionManager
from server.store import StoreError
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


class Ready(BaseModel):
    status: str
    store: str
    sessions: int
    """Live sessions on this node."""


@router.get("/readyz", response_model=Ready, summary="Ready for work: the store answers")
async def readyz(request: Request, response: Response) -> Ready:
    manager: SessionManager = request.app.state.sessions
    try:
        await manager.services.store.ping()
    except StoreError as exc:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Ready(status="unavailable", store=str(exc), sessions=len(manager.live))
    return Ready(status="ok", store="ok", sessions=len(manager.live))
