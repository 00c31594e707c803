"""The browser side: the dictation workstation at ``/``, the embeddable widget and its demo.

These pages are static and hold no patient data, so they are served without a token; every API
call they make carries the token the page was opened with (``?token=``).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(str(resources.files("server").joinpath("static")))

router = APIRouter(include_in_schema=False)


@router.get("/")
def workstation() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


@router.get("/demo/mis-form")
def demo_mis_form() -> FileResponse:
    return FileResponse(STATIC_DIR / "demo-mis-form.html", media_type="text/html")


@router.get("/demo/context.json")
def demo_context() -> JSONResponse:
    """The fictitious patient of ``semd_templates/example_context.json``: a МИС sends its own."""
    text = resources.files("semd_templates").joinpath("example_context.json").read_text("utf-8")
    return JSONResponse(content=json.loads(text))


def mount(app: FastAPI) -> None:
    """Add the pages and ``/static`` (the workstation, the widget and their AudioWorklet)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
