"""Text fit for a document: no control characters, no lone surrogates (docs/threat-model.md).

JSON may carry ``"\\u0001"`` or a lone ``"\\ud800"``; neither can go into XML (a СЭМД) or UTF-8,
and both used to end as HTTP 500 deep in the pipeline. Models that take text from outside
inherit ``SafeModel``, so such input is refused where it enters, with the field's name
(422 on the REST API, ``bad_start`` on the WebSocket).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, field_validator

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""C0 controls but tab, line feed and carriage return; DEL and C1 controls; surrogates; and
the two non-characters XML 1.0 forbids."""


def unsafe_text(value: str) -> str | None:
    """Why ``value`` cannot be used, or None."""
    found = _UNSAFE.search(value)
    if found is None:
        return None
    code = ord(found.group())
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"{kind} (U+{code:04X}) at position {found.start()}: send plain UTF-8 text"


def check_text(value: Any, where: str = "") -> Any:
    """``value`` unchanged when every string in it is safe, else ``ValueError``; nested dicts
    and lists (a free-form context) name the path inside the field."""
    if isinstance(value, str):
        problem = unsafe_text(value)
        if problem:
            raise ValueError(f"{where + ': ' if where else ''}{problem}")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, where)
            check_text(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_text(item, f"{where}[{i}]" if where else f"[{i}]")
    return value


class SafeModel(BaseModel):
    """Every string field, and every string in a dict or list field, is checked once it has
    been validated (nested models check their own fields: the error names the inner field)."""

    @field_validator("*", mode="after")
    @classmethod
    def _safe_text(cls, value: Any) -> Any:
        return check_text(value)
