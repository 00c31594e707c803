"""Effective dose (мЗв) dictated for ionising studies."""

from __future__ import annotations

import re

_DOSE_RE = re.compile(
    r"(?P<value>\d+(?:[.,]\d+)?)\s*(?:мЗв|mSv|миллизиверт\w*)(?![А-Яа-яЁёA-Za-z])", re.IGNORECASE
)


def extract_dose_msv(text: str) -> float | None:
    """The first dose in мЗв, or None when none was dictated."""
    match = _DOSE_RE.search(text)
    return float(match.group("value").replace(",", ".")) if match else None
