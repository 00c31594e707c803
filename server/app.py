"""FastAPI application factory: wires settings, the engine, routers and their lifecycle."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from asr.engine import Engine
from semdict import __version__
from semdict.engine_factory import build_engine
from semdict.settings import Settings
from server.routes import health

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the service. ``engine`` lets tests and benchmarks share one loaded model."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = engine or build_engine(settings)
        yield

    app = FastAPI(
        title="semdict",
        version=__version__,
        summary="Real-time Russian radiology dictation and СЭМД documents for МИС",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.include_router(health.router)
    return app
