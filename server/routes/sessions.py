"""``/v1/sessions/{id}``: a dictation's transcript so far, and its document."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ValidationError

from server.audit import AuditLog
from server.auth import PrincipalDep
from server.routes.documents import render_document
from server.sessions import SessionManager
from structuring.api import SemdContext

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


class FinalOut(BaseModel):
    seq: int
    utterance: int
    text: str
    start_s: float
    end_s: float


class SessionOut(BaseModel):
    session_id: str
    status: str
    live: bool
    template_id: str | None
    specialty: str | None
    text: str
    finals: list[FinalOut]
    last_seq: int


async def _load(
    request: Request, session_id: str, principal: PrincipalDep, what: str
) -> tuple[SessionOut, dict[str, Any] | None]:
    """The session if it is the principal's tenant's (else 404, as for an unknown id);
    every read, allowed or not, goes to the audit log."""
    manager: SessionManager = request.app.state.sessions
    audit: AuditLog = request.app.state.audit
    record = await manager.services.store.get(session_id)
    found = record is not None and record.tenant == principal.tenant
    client = request.client.host if request.client else None
    event = "document.read" if what != "transcript" else "session.read"
    outcome = "ok" if found else "not_found"
    audit.record(event, principal, session_id=session_id, outcome=outcome, client=client, what=what)
    if record is None or not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no session {session_id}")
    messages = await manager.services.store.messages(session_id)
    live = manager.live.get(session_id)
    text = await live.current_text() if live else record.text
    if not text:  # an interrupted session restored from the store
        text = " ".join(str(m["text"]) for m in messages if m["type"] == "final")
    finals = [FinalOut.model_validate(m) for m in messages if m["type"] == "final"]
    out = SessionOut(
        session_id=session_id,
        status=record.status,
        live=live is not None,
        template_id=record.template_id,
        specialty=record.specialty,
        text=text,
        finals=finals,
        last_seq=live.seq if live else record.last_seq,
    )
    context = record.options.get("context")
    return out, context if isinstance(context, dict) else None


@router.get("/{session_id}", response_model=SessionOut, summary="Transcript of a dictation")
async def get_session(request: Request, session_id: str, principal: PrincipalDep) -> SessionOut:
    out, _ = await _load(request, session_id, principal, "transcript")
    return out


@router.get(
    "/{session_id}/document",
    summary="The dictation as structured JSON, СЭМД XML or FHIR R4",
    responses={
        200: {"content": {"application/json": {}, "application/xml": {}}},
        404: {"description": "Unknown session or template"},
        422: {"description": "No or invalid МИС context for a СЭМД, or empty sections"},
    },
)
async def get_document(
    request: Request,
    session_id: str,
    principal: PrincipalDep,
    fmt: Annotated[Literal["json", "semd", "fhir"], Query(alias="format")] = "json",
) -> Response:
    out, raw_context = await _load(request, session_id, principal, fmt)
    context = None
    if raw_context is not None:
        try:
            context = SemdContext.model_validate(raw_context)
        except ValidationError as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=[{**e, "loc": ["context", *e["loc"]]} for e in exc.errors()],
            ) from exc
    # XSD and schematron take a while: off the event loop, like the text work.
    doc = await asyncio.to_thread(render_document, out.text, out.template_id, context, fmt)
    if fmt == "semd":
        assert doc.semd_xml is not None
        headers = {"X-Semd-Valid": str(bool(doc.validation and doc.validation.valid)).lower()}
        return Response(doc.semd_xml, media_type="application/xml", headers=headers)
    body: dict[str, Any] = doc.fhir or {} if fmt == "fhir" else doc.fields
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")
