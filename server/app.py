"""FastAPI application factory: wires settings, the engine, routers and their lifecycle."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

from fastapi import Depends, FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response

from asr.decoder import DecodeOptions, WindowDecoder
from asr.engine import Engine
from asr.guards import GuardOptions
from asr.scheduler import InferenceScheduler
from asr.segmenter import SegmenterOptions
from asr.stream_policy import PolicyOptions
from asr.warm_up import warm_up
from server.audit import AuditLog
from server.auth import Access, AccessControl, RateLimiter, SessionSlots, current_principal
from server.engine_factory import build_engine
from server.metrics import Metrics
from server.routes import (
    dictation,
    dictionaries,
    documents,
    health,
    metrics,
    models,
    profiles,
    sessions,
    text,
    transcriptions,
    ui,
)
from server.services import SessionServices
from server.sessions import SessionManager
from server.settings import Settings
from server.store import SessionStore, StoreError, open_store
from server.text_pipeline import TextPipeline
from server.tokens import TokenStore
from server.transcriber import RecordedTranscriber
from server.version import __version__

log = logging.getLogger(__name__)


T = TypeVar("T")
_CPU = SegmenterOptions()
"""The segmenter's own defaults are the CPU's; CUDA's differ where measured (docs/streaming.md)."""


def _per_device(configured: T | None, device: str, *, cuda: T, cpu: T) -> T:
    """A setting left at None takes its device's default."""
    if configured is not None:
        return configured
    return cuda if device == "cuda" else cpu


def cut_lookback_s(settings: Settings, device: str) -> float:
    configured = settings.streaming.cut_lookback_s
    return _per_device(configured, device, cuda=1.0, cpu=_CPU.cut_lookback_s)


def soft_max_s(settings: Settings, device: str) -> float:
    return _per_device(settings.streaming.soft_max_s, device, cuda=5.0, cpu=_CPU.soft_max_s)


def should_warm_up(settings: Settings, device: str) -> bool:
    return _per_device(settings.model.warm_up, device, cuda=True, cpu=False)


def session_services(
    settings: Settings,
    device: str,
    *,
    scheduler: InferenceScheduler,
    store: SessionStore,
    metrics_: Metrics,
    text_pipeline: TextPipeline,
) -> SessionServices:
    streaming = settings.streaming
    cap = streaming.max_tokens_per_s
    return SessionServices(
        scheduler=scheduler,
        store=store,
        metrics=metrics_,
        text=text_pipeline,
        final_options=DecodeOptions(
            beam_size=settings.model.beam_size, word_timestamps=True, max_tokens_per_s=cap
        ),
        partial_options=DecodeOptions(beam_size=1, max_tokens_per_s=cap),
        policy=PolicyOptions(
            segmenter=SegmenterOptions(
                cut_lookback_s=cut_lookback_s(settings, device),
                cut_tolerance=streaming.cut_tolerance,
                soft_max_s=soft_max_s(settings, device),
            ),
            partial_interval_s=streaming.partial_interval_s,
            speculate_after_ms=streaming.speculate_after_ms,
            guards=GuardOptions(enabled=streaming.guards),
        ),
        context_prompt=streaming.context_prompt,
    )


def validation_error_response(_: Request, exc: Exception) -> Response:
    """422 naming the fields, without echoing their values: they may be patient data, and a
    lone surrogate among them cannot even be encoded as UTF-8 (it used to give 500)."""
    assert isinstance(exc, RequestValidationError)
    detail = [{"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()]
    body = json.dumps({"detail": detail}, ensure_ascii=True, default=str)
    return Response(body, status.HTTP_422_UNPROCESSABLE_CONTENT, media_type="application/json")


def store_error_response(_: Request, exc: Exception) -> Response:
    """503: the store is down (or the session moved); the client may retry."""
    body = json.dumps({"detail": str(exc)}, ensure_ascii=False)
    headers = {"Retry-After": "2"}
    return Response(body, 503, headers=headers, media_type="application/json")


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
            workers=loaded.workers,
            observer=metrics_.observe_batch,
            bulk_patience_s=settings.uploads.bulk_patience_s,
        )
        store = await open_store(
            settings.store_url(),
            node_id=settings.store.node(),
            pool_max_size=settings.store.pool_max_size,
        )
        # Compile schemas and load dictionaries now, not in the first doctor's first sentence.
        text_pipeline = TextPipeline(settings.data_dir)
        await asyncio.to_thread(text_pipeline.warm_up)
        services = session_services(
            settings,
            loaded.device,
            scheduler=scheduler,
            store=store,
            metrics_=metrics_,
            text_pipeline=text_pipeline,
        )
        if should_warm_up(settings, loaded.device):
            options = [services.final_options, services.partial_options]
            await asyncio.to_thread(warm_up, decoder, options, settings.streaming.max_batch)
        app.state.metrics = metrics_
        app.state.scheduler = scheduler
        app.state.transcriber = RecordedTranscriber(services)
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
            tokens.close()

    app = FastAPI(
        title="semdict",
        version=__version__,
        summary="Real-time Russian radiology dictation and СЭМД documents for МИС",
        description="Open integration profile API: study templates (profiles), documents "
        "(structured JSON, СЭМД XML, FHIR R4) and the live dictation WebSocket "
        "`/v1/dictation` (see docs/protocol.md), and OpenAI's transcription API for recorded "
        "dictations (`/v1/audio/transcriptions`, docs/openai-api.md). Every endpoint but "
        "`/healthz` needs a bearer token with its scope when tokens exist (`semdict token`).",
        lifespan=lifespan,
    )
    app.state.settings = settings
    # Access is checked before any route runs, static pages included: it needs no model.
    tokens = TokenStore.for_settings(settings)
    app.state.access = Access(settings, tokens, RateLimiter(), SessionSlots())
    app.state.audit = AuditLog(settings.server.audit_log or settings.data_dir / "audit.log")
    # Tokens, scopes, rate and body limits are checked by AccessControl before a route runs;
    # the dependency puts the bearer scheme in the OpenAPI description.
    auth = [Depends(current_principal)]
    app.include_router(health.router)  # open to liveness probes
    for router in (
        metrics.router,
        profiles.router,
        documents.router,
        text.router,
        dictionaries.router,
        dictionaries.admin_router,
        sessions.router,
        models.router,
        transcriptions.router,
    ):
        app.include_router(router, dependencies=auth)
    app.add_exception_handler(transcriptions.OpenAIError, transcriptions.openai_error_response)
    app.add_exception_handler(RequestValidationError, validation_error_response)
    app.add_exception_handler(StoreError, store_error_response)
    app.include_router(dictation.router)  # browsers may send the token as ?token=
    ui.mount(app)  # the workstation at /, the widget under /static: no patient data, no token
    app.add_middleware(AccessControl)
    if settings.server.cors_origins:  # outside AccessControl: preflights carry no token
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["X-Semd-Valid"],
        )
    return app
