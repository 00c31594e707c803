"""The dictation WebSocket protocol: client messages and their validation (docs/protocol.md)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from asr.audio import MAX_PCM_RATE, MIN_PCM_RATE
from structuring.safe_text import SafeModel


class ProtocolError(Exception):
    """A client mistake: answered with ``error {code, message}``."""

    def __init__(self, code: str, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fatal = fatal
        """Fatal errors end the connection (the session, if any, stays resumable)."""


class AudioFormat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    encoding: Literal["pcm_s16le"] = "pcm_s16le"
    sample_rate: Annotated[int, Field(ge=MIN_PCM_RATE, le=MAX_PCM_RATE)] = 16_000


class SessionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    raw: bool = False
    """Send the model's text without normalisation, dictionaries and commands."""
    partials: bool = True
    fields: bool = True
    """Send live ``field`` events for the template's fields."""


class Start(SafeModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["start"]
    audio: AudioFormat = Field(default_factory=AudioFormat)
    language: Literal["ru"] = "ru"
    template_id: str | None = None
    specialty: str | None = None
    session_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")] | None = None
    resume_from_seq: Annotated[int, Field(ge=0)] | None = None
    context: dict[str, Any] | None = None
    """МИС context (patient, author, organisation) kept for the СЭМД of this session."""
    options: SessionOptions = Field(default_factory=SessionOptions)


class Eou(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["eou"]


class Keepalive(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["keepalive"]


class End(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["end"]


ControlMessage = Annotated[Eou | Keepalive | End, Field(discriminator="type")]
_control = TypeAdapter(ControlMessage)


def _load(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError("bad_json", f"text frame is not JSON: {exc.msg} at {exc.pos}") from exc
    if not isinstance(data, dict):
        raise ProtocolError("bad_message", "text frame must be a JSON object with a 'type'")
    return data


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "message"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse_start(text: str) -> Start:
    data = _load(text)
    if data.get("type") != "start":
        raise ProtocolError(
            "expected_start", 'the first message must be {"type": "start", ...}', fatal=True
        )
    rate = data.get("audio", {}).get("sample_rate") if isinstance(data.get("audio"), dict) else None
    if isinstance(rate, int) and not MIN_PCM_RATE <= rate <= MAX_PCM_RATE:
        raise ProtocolError(
            "unsupported_sample_rate",
            f"sample_rate {rate} Hz is not supported: send {MIN_PCM_RATE}–{MAX_PCM_RATE} Hz "
            "mono PCM16 (it is resampled to 16 kHz)",
            fatal=True,
        )
    try:
        return Start.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(
            "bad_start", f"invalid start message: {_describe(exc)}", fatal=True
        ) from exc


def parse_control(text: str) -> Eou | Keepalive | End:
    data = _load(text)
    try:
        return _control.validate_python(data)
    except ValidationError as exc:
        raise ProtocolError(
            "bad_message",
            f"unknown or invalid message (expected eou, keepalive or end): {_describe(exc)}",
        ) from exc
