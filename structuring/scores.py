"""Category scores dictated in the conclusion: BI-RADS (mammography), TI-RADS (thyroid)."""

from __future__ import annotations

import re

_SCORE_RE = {
    "birads": re.compile(r"BI-?RADS\s*(?P<value>[0-6])", re.IGNORECASE),
    "tirads": re.compile(r"TI-?RADS\s*(?P<value>[1-5])", re.IGNORECASE),
}


def extract_score(name: str, text: str) -> int | None:
    """The score ``name`` ("birads" | "tirads") found in ``text``, or None."""
    match = _SCORE_RE[name].search(text)
    return int(match.group("value")) if match else None
