"""Word classes shared by every correction stage (negations, prefixes), read from
``data/word_rules.json``: rules are data, kept in one place."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

RULES = Path(__file__).resolve().parent / "data" / "word_rules.json"


@lru_cache(maxsize=1)
def word_rules() -> dict[str, tuple[str, ...]]:
    raw = json.loads(RULES.read_text(encoding="utf-8"))
    return {key: tuple(value) for key, value in raw.items() if isinstance(value, list)}


def preposition_cases() -> dict[str, tuple[str, ...]]:
    """Each preposition → the cases it governs (pymorphy3 grammemes)."""
    raw = json.loads(RULES.read_text(encoding="utf-8"))["preposition_cases"]
    return {preposition: tuple(cases) for preposition, cases in raw.items()}


@lru_cache(maxsize=1)
def numeral_stems() -> dict[str, tuple[str, ...]]:
    """A figure → the stems it stands for at the start of a compound («2» → «дву», «двух»)."""
    raw = json.loads(RULES.read_text(encoding="utf-8"))["numeral_stems"]
    return {figure: tuple(stems) for figure, stems in raw.items()}
