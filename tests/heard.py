"""Text as the recogniser would give it: every word with a probability (acoustic evidence)."""

from __future__ import annotations


def heard(text: str, p: float = 0.5) -> list[tuple[str, float]]:
    """(word, p) for every word of ``text``: what a final carries, so that a valid word the
    recogniser was unsure of may be corrected."""
    return [(word, p) for word in text.split()]
