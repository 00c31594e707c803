"""``POST /v1/audio/transcriptions``: OpenAI's transcription API on semdict's recognition.

Works with the official ``openai`` client and ``curl -F file=@…``. Errors have OpenAI's shape
(``{"error": {"message", "type", "param", "code"}}``) so that its clients show the message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from asr.audio import Samples
from semd_templates import TemplateNotFoundError, get_template
from server import transcript_formats as formats
from server.routes.models import model_ids
from server.settings import Settings
from server.transcriber import RecognisedSegment, RecognitionOptions, RecordedTranscriber
from server.uploads import Upload, UploadRefusedError, decode, receive_upload
from vocabularies.specialties import resolve_specialty

router = APIRouter(prefix="/v1/audio", tags=["transcriptions"])

CLIENT_CLOSED_REQUEST = 499
"""The client left before its transcription was done (nginx's status; nobody reads it)."""
LIST_FIELDS = {"timestamp_granularities[]": "timestamp_granularities"}
"""Form fields sent once per value (the ``openai`` client's spelling) → model fields."""


class OpenAIError(Exception):
    """Answered as OpenAI's error object."""

    def __init__(self, status_code: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.param = param

    @classmethod
    def from_upload(cls, exc: UploadRefusedError) -> OpenAIError:
        return cls(exc.status_code, exc.message, exc.param)


def openai_error_response(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, OpenAIError)
    kind = "invalid_request_error" if exc.status_code < 500 else "server_error"
    body = {"error": {"message": exc.message, "type": kind, "param": exc.param, "code": None}}
    return JSONResponse(body, status_code=exc.status_code)


class TranscriptionForm(BaseModel):
    """The fields besides ``file``: OpenAI's, then semdict's own."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="semdict", description="`GET /v1/models`; `whisper-1` works too")
    language: Literal["ru"] = Field(default="ru", description="only Russian")
    prompt: str = Field(
        default="", max_length=2000, description="text the recording continues (terms, names)"
    )
    response_format: formats.ResponseFormat = "json"
    temperature: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        default=0.0, description="0: beam search; above 0: sampling at this temperature"
    )
    timestamp_granularities: list[formats.Granularity] = Field(
        default_factory=lambda: list[formats.Granularity](["segment"]),
        description="verbose_json only: `segment` and/or `word` (sent as "
        "`timestamp_granularities[]`)",
    )
    stream: bool = Field(default=False, description="server-sent events of the text so far")
    template: str | None = Field(default=None, description="a study template (`/v1/profiles`)")
    specialty: str | None = Field(default=None, description="a dictionary set, e.g. `ct`")
    pipeline: Literal["raw", "full"] = Field(
        default="full",
        description="full: normalisation, dictionaries and voice commands, as a live final; "
        "raw: the model's text",
    )


def _form(upload: Upload) -> TranscriptionForm:
    data: dict[str, Any] = {}
    for name, values in upload.fields.items():
        if name in LIST_FIELDS:
            data.setdefault(LIST_FIELDS[name], []).extend(values)
        else:
            data[name] = values if name == "timestamp_granularities" else values[-1]
    try:
        return TranscriptionForm.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        param = str(error["loc"][0]) if error["loc"] else None
        accepted = ", ".join(["file", *TranscriptionForm.model_fields])
        hint = f" (fields: {accepted})" if error["type"] == "extra_forbidden" else ""
        raise OpenAIError(
            status.HTTP_400_BAD_REQUEST, f"{param}: {error['msg']}{hint}", param
        ) from exc


def _checked(form: TranscriptionForm, request: Request) -> RecognitionOptions:
    """The form's choices checked against what the service has, before any audio work."""
    known = [*model_ids(request.app.state.engine), "whisper-1"]
    if form.model not in known:
        raise OpenAIError(
            status.HTTP_400_BAD_REQUEST,
            f"unknown model {form.model!r}; use one of: {', '.join(known)}",
            "model",
        )
    try:
        if form.template is not None:
            get_template(form.template)
        resolve_specialty(form.specialty, form.template)
    except TemplateNotFoundError as exc:
        raise OpenAIError(status.HTTP_400_BAD_REQUEST, str(exc), "template") from exc
    except ValueError as exc:
        raise OpenAIError(status.HTTP_400_BAD_REQUEST, str(exc), "specialty") from exc
    return RecognitionOptions(
        prompt=form.prompt,
        template_id=form.template,
        specialty=form.specialty,
        full=form.pipeline == "full",
        temperature=form.temperature,
    )


_FORM_SCHEMA = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the recording"},
        **TranscriptionForm.model_json_schema()["properties"],
    },
}


@router.post(
    "/transcriptions",
    summary="Transcribe a recorded dictation (OpenAI-compatible)",
    description="Multipart `file` (wav, flac, ogg/opus, mp3, webm, m4a/mp4, aac) and OpenAI's "
    "fields; `response_format` json, text, srt, vtt or verbose_json (segments, and words with "
    "`timestamp_granularities[]=word`); `stream=true` sends `transcript.text.delta` events as "
    "utterances are recognised, then `transcript.text.done`. The text is a live final's: "
    "normalised, corrected and with voice commands carried out (`pipeline=raw`: the model's).",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": _FORM_SCHEMA}},
        }
    },
    responses={
        200: {"content": {"application/json": {}, "text/plain": {}, "text/event-stream": {}}},
        400: {"description": "A bad field, or unreadable audio"},
        413: {"description": "Larger or longer than the upload limits"},
        415: {"description": "Not a supported audio format (the message lists them)"},
    },
)
async def create_transcription(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    transcriber: RecordedTranscriber = request.app.state.transcriber
    try:
        upload = await receive_upload(request, settings.uploads)
    except UploadRefusedError as exc:
        raise OpenAIError.from_upload(exc) from exc
    try:
        form = _form(upload)
        options = _checked(form, request)
        samples = await decode(upload, settings.uploads)
    except UploadRefusedError as exc:
        raise OpenAIError.from_upload(exc) from exc
    finally:
        await upload.file.close()
    if form.stream:
        return StreamingResponse(
            _events(transcriber, samples, options), media_type="text/event-stream"
        )
    recognition = await transcriber.recognise(samples, options, abandoned=request.is_disconnected)
    if recognition is None:
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    if form.response_format == "text":
        return PlainTextResponse(recognition.text)
    if form.response_format == "srt":
        return PlainTextResponse(formats.srt(recognition))
    if form.response_format == "vtt":
        return PlainTextResponse(formats.vtt(recognition), media_type="text/vtt")
    if form.response_format == "verbose_json":
        body = formats.verbose_json(
            recognition,
            language=form.language,
            temperature=form.temperature,
            granularities=form.timestamp_granularities,
        )
        return JSONResponse(body)
    return JSONResponse({"text": recognition.text})


async def _events(
    transcriber: RecordedTranscriber, samples: Samples, options: RecognitionOptions
) -> AsyncIterator[str]:
    """Deltas add up to the text so far; ``done`` carries the dictation's text, in which
    voice commands may have acted across utterances («удалить последнее предложение»)."""
    segments: list[RecognisedSegment] = []
    async for segment in transcriber.segments(samples, options):
        glue = " " if any(s.text.strip() for s in segments) else ""
        segments.append(segment)
        if segment.text.strip():
            yield formats.stream_event("delta", glue + segment.text.strip())
    yield formats.stream_event("done", transcriber.document(segments, options))
