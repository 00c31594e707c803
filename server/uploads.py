"""Recorded dictations received as ``multipart/form-data``, under the configured limits.

The body is parsed as it streams in, and refused (413) as soon as it runs past the size limit
— before the rest is read — or at once when its ``Content-Length`` says it will. The
recording is decoded off the event loop, from the accepted formats only (415 lists them), and
refused (413) as soon as it runs past the duration limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

from fastapi import Request, status
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from asr.audio import (
    AudioError,
    AudioTooLongError,
    Samples,
    UnsupportedAudioFormatError,
    decode_upload,
)
from server.settings import UploadSettings

MAX_FIELDS = 32
"""Text fields one upload may carry (the OpenAI API has about a dozen)."""


class UploadRefusedError(Exception):
    """The upload cannot be used: an HTTP status and a message that says how to fix it."""

    def __init__(self, status_code: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.param = param


@dataclass
class Upload:
    fields: dict[str, list[str]]
    """Text fields by name; a repeated name (``timestamp_granularities[]``) keeps every value."""
    file: UploadFile

    @property
    def name(self) -> str:
        return self.file.filename or "file"

    def field(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[-1] if values else None


def _too_large(limit: int) -> UploadRefusedError:
    return UploadRefusedError(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"the upload is larger than {limit} bytes (SEMDICT_UPLOADS__MAX_BYTES); "
        "send a shorter or more compressed recording (e.g. ogg/opus, mp3)",
        "file",
    )


async def _limited(chunks: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        yield chunk


async def receive_upload(request: Request, settings: UploadSettings) -> Upload:
    """The multipart body's fields and its one ``file``, or ``UploadRefusedError``."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UploadRefusedError(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"expected multipart/form-data with the recording in `file`, got "
            f"{content_type or 'no content type'} (curl: -F file=@dictation.wav)",
            "file",
        )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > settings.max_bytes:
        raise _too_large(settings.max_bytes)
    parser = MultiPartParser(
        request.headers,
        _limited(request.stream(), settings.max_bytes),
        max_files=1,
        max_fields=MAX_FIELDS,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise UploadRefusedError(
            status.HTTP_400_BAD_REQUEST, f"malformed multipart body: {exc.message}"
        ) from exc
    fields: dict[str, list[str]] = {}
    file: UploadFile | None = None
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
        elif key == "file":
            file = value
        else:
            await value.close()
    if file is None:
        await form.close()
        raise UploadRefusedError(
            status.HTTP_400_BAD_REQUEST,
            "no `file` part: send the recording as the multipart field `file` "
            "(curl: -F file=@dictation.wav)",
            "file",
        )
    return Upload(fields, file)


async def decode(upload: Upload, settings: UploadSettings) -> Samples:
    """The upload's audio at 16 kHz mono, decoded in a worker thread."""
    if not upload.file.size:
        raise UploadRefusedError(
            status.HTTP_400_BAD_REQUEST, f"{upload.name}: the file is empty", "file"
        )
    upload.file.file.seek(0)
    try:
        return await asyncio.to_thread(
            decode_upload,
            upload.file.file,
            name=upload.name,
            max_seconds=settings.max_duration_s,
        )
    except UnsupportedAudioFormatError as exc:
        raise UploadRefusedError(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(exc), "file") from exc
    except AudioTooLongError as exc:
        raise UploadRefusedError(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"{exc} (SEMDICT_UPLOADS__MAX_DURATION_S)",
            "file",
        ) from exc
    except AudioError as exc:
        raise UploadRefusedError(status.HTTP_400_BAD_REQUEST, str(exc), "file") from exc
