"""The dictation WebSocket protocol (docs/protocol.md): every message shape in one place.

Client messages are parsed into models whose fields are checked where they enter — a
``start`` naming an unknown ``specialty`` or ``template_id`` is a ``bad_start`` here, never a
failure three layers down. Server messages are models too; ``body()`` is what is sent (the
session adds ``seq``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from asr.audio import MAX_PCM_RATE, MIN_PCM_RATE
from semd_templates import get_template
from semd_templates.registry import TemplateNotFoundError
from structuring.safe_text import SafeModel
from vocabularies.specialties import resolve_specialty

SESSION_ID_PATTERN = r"[A-Za-z0-9_-]{8,64}"
"""A client-chosen session id (and the front's routing key a new session may take)."""
CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_TRY_AGAIN = 1013
"""Come back later: over capacity, or the session is (for now) driven elsewhere."""
CLOSE_SUPERSEDED = 4000
"""The session was resumed on another connection."""


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
    warnings: bool = True
    """Send live ``warning`` events (clinical consistency of the text so far)."""


class Start(SafeModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["start"]
    audio: AudioFormat = Field(default_factory=AudioFormat)
    language: Literal["ru"] = "ru"
    template_id: str | None = None
    specialty: str | None = None
    session_id: Annotated[str, Field(pattern=f"^{SESSION_ID_PATTERN}$")] | None = None
    resume_from_seq: Annotated[int, Field(ge=0)] | None = None
    context: dict[str, Any] | None = None
    """МИС context (patient, author, organisation) kept for the СЭМД of this session."""
    options: SessionOptions = Field(default_factory=SessionOptions)
    user: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")] | None = None
    """The doctor's id in the МИС: their own lexicon, taught by ``feedback`` messages."""

    @field_validator("specialty")
    @classmethod
    def _known_specialty(cls, value: str | None) -> str | None:
        """The canonical key of a known specialty (aliases such as «кт» are accepted)."""
        return None if value is None else resolve_specialty(value)

    @field_validator("template_id")
    @classmethod
    def _known_template(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                get_template(value)
            except TemplateNotFoundError as exc:
                raise ValueError(f"{exc.args[0]} (GET /v1/profiles lists them)") from None
        return value


class Eou(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["eou"]


class Keepalive(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["keepalive"]


class End(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["end"]


class Feedback(SafeModel):
    """The doctor accepted or rejected a correction (``raw`` → ``corrected``) shown in a
    final: their lexicon applies or refuses it in every later final of theirs."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["feedback"]
    raw: str = Field(min_length=1, max_length=500)
    corrected: str = Field(min_length=1, max_length=500)
    accepted: bool


ControlMessage = Annotated[Eou | Keepalive | End | Feedback, Field(discriminator="type")]
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


def parse_control(text: str) -> Eou | Keepalive | End | Feedback:
    data = _load(text)
    try:
        return _control.validate_python(data)
    except ValidationError as exc:
        raise ProtocolError(
            "bad_message",
            "unknown or invalid message (expected eou, keepalive, feedback or end): "
            f"{_describe(exc)}",
        ) from exc


# -- server → client ---------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ReadyMsg(_Out):
    type: Literal["ready"] = "ready"
    session_id: str
    resumed: bool
    audio_received_s: float
    audio_received_bytes: int
    """Send the audio from this byte offset of the stream: everything before it is final or
    being finalised."""


class PartialMsg(_Out):
    type: Literal["partial"] = "partial"
    utterance: int
    text: str
    stable_words: int
    end_s: float


class FinalMsg(_Out):
    type: Literal["final"] = "final"
    utterance: int
    text: str
    raw: str
    start_s: float
    end_s: float
    words: list[dict[str, Any]]
    corrections: list[dict[str, Any]]


class CommandMsg(_Out):
    type: Literal["command"] = "command"
    utterance: int
    name: str
    arg: str | None = None
    value: str | None = None
    spoken: str = ""


class FieldMsg(_Out):
    type: Literal["field"] = "field"
    field: str
    value: Any


class WarningMsg(_Out):
    type: Literal["warning"] = "warning"
    code: str
    field: str
    message: str


class ErrorMsg(_Out):
    type: Literal["error"] = "error"
    code: str
    message: str


class BusyMsg(_Out):
    type: Literal["busy"] = "busy"
    retry_after_s: float


class CompletedMsg(_Out):
    type: Literal["completed"] = "completed"
    session_id: str
    text: str


ServerMessage = (
    ReadyMsg
    | PartialMsg
    | FinalMsg
    | CommandMsg
    | FieldMsg
    | WarningMsg
    | ErrorMsg
    | BusyMsg
    | CompletedMsg
)

PERSISTED = frozenset({"final", "command", "field", "warning", "completed"})
"""Message types a document depends on: written to the store before they are sent, and
replayed on resume after a restart."""
