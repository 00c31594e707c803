"""FastAPI application factory: wires settings, the engine, routers and their lifecycle."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from asr.decoder import WindowDecoder
from asr.engine import Engine
from asr.scheduler import InferenceScheduler
from semdict import __version__
from semdict.engine_factory import build_engine
from semdict.settings import Settings
from server.auth import require_token
from server.metrics import Metrics
from server.routes import dictation, documents, health, metrics, profiles, sessions, text
from server.session import SessionServices
from server.sessions import SessionManager
from server.store import SQLiteStore
from server.text_pipeline import TextPipeline

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the service. ``engine`` lets tests and benchmarks share one loaded model."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = engine if engine is not None else await asyncio.to_thread(build_engine, settings)
        app.state.engine = loaded
        decoder = WindowDecoder(loaded)
        metrics_ = Metrics()
        scheduler = InferenceScheduler(
            decoder.decode,
            batch_key=decoder.batch_key,
            max_batch=settings.streaming.max_batch,
            max_queue=settings.streaming.max_queue,
            observer=metrics_.observe_batch,
        )
        store = SQLiteStore.from_url(settings.store_url())
        # Compile schemas and load dictionaries now, not in the first doctor's first sentence.
        text_pipeline = TextPipeline(settings.data_dir)
        await asyncio.to_thread(text_pipeline.warm_up)
        services = SessionServices(
            scheduler=scheduler,
            store=store,
            metrics=metrics_,
            text=text_pipeline,
            context_prompt=settings.streaming.context_prompt,
        )
        app.state.metrics = metrics_
        app.state.scheduler = scheduler
        app.state.sessions = SessionManager(
            services,
            max_sessions=settings.streaming.max_sessions,
            resume_grace_s=settings.streaming.resume_grace_s,
        )
        scheduler.start()
        try:
            yield
        finally:
            await app.state.sessions.shutdown()  # finalise what was spoken before stopping
            await scheduler.stop()
            await store.close()

    app = FastAPI(
        title="semdict",
        version=__version__,
        summary="Real-time Russian radiology dictation and СЭМД documents for МИС",
        description="Open integration profile API: study templates (profiles), documents "
        "(structured JSON, СЭМД XML, FHIR R4) and the live dictation WebSocket "
        "`/v1/dictation` (see docs/protocol.md). Every endpoint needs a bearer token when "
        "tokens are configured.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    auth = [Depends(require_token)]
    for router in (
        health.router,
        metrics.router,
        profiles.router,
        documents.router,
        text.router,
        sessions.router,
    ):
        app.include_router(router, dependencies=auth)
    app.include_router(dictation.router)  # checks its token itself (browsers: ?token=)
    return app
