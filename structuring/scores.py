"""Category scores dictated in the conclusion: BI-RADS (mammography), TI-RADS (thyroid).

Written reports spell them «BI-RADS 4»; recognised speech writes what it heard — «Бай Рэдз-5»,
«Байрэд с 2» — so a score's name is also recognised by sound (the spoken forms live in
``data/score_names.json``), always right before a number in the score's range.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from vocabularies.phonetic import phonetic_key

DATA = Path(__file__).resolve().parent / "data" / "score_names.json"
_MIN_SOUND = 75.0
"""How alike a heard name must sound to a spoken form (reduced vowels, voicing, a final
consonant misheard: «Байрэб с 2»). Only the words right before a number in the score's range,
in a template that has the score, are compared."""
_MAX_NAME_WORDS = 3
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@lru_cache(maxsize=1)
def _names() -> dict[str, dict[str, object]]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return {key: value for key, value in raw.items() if not key.startswith("_")}


@lru_cache(maxsize=8)
def _written(name: str) -> re.Pattern[str]:
    spelling = str(_names()[name]["written"]).replace("-", "-?")
    return re.compile(rf"{spelling}\s*(?P<value>\d)", re.IGNORECASE)


@lru_cache(maxsize=8)
def _spoken_keys(name: str) -> tuple[str, ...]:
    spoken = _names()[name]["spoken"]
    assert isinstance(spoken, list)
    return tuple(phonetic_key(str(form)) for form in spoken)


def _best_name(key: str) -> str | None:
    """The score whose spoken forms sound most like ``key`` (above the threshold): «ти радс»
    is TI-RADS, not BI-RADS one sound away."""
    scored = [
        (max(fuzz.ratio(key, spoken) for spoken in _spoken_keys(name)), name) for name in _names()
    ]
    score, best = max(scored)
    return best if score >= _MIN_SOUND else None


def _in_range(name: str, value: int) -> bool:
    bounds = _names()[name]["values"]
    assert isinstance(bounds, list)
    return int(bounds[0]) <= value <= int(bounds[1])


def extract_score(name: str, text: str) -> int | None:
    """The score ``name`` ("birads" | "tirads") found in ``text``, or None."""
    match = _written(name).search(text)
    if match and _in_range(name, int(match.group("value"))):
        return int(match.group("value"))
    return _heard_score(name, text)


def _heard_score(name: str, text: str) -> int | None:
    """A score whose name was recognised as other words: the one to three words right before
    a one-digit number sound like one of the name's spoken forms."""
    for number in re.finditer(r"(?<![\d,.])(\d)(?!\d|[.,]\d)", text):
        value = int(number.group(1))
        if not _in_range(name, value):
            continue
        before = _WORD.findall(text[max(0, number.start() - 40) : number.start()])
        for size in range(1, _MAX_NAME_WORDS + 1):
            heard = "".join(before[-size:]) if len(before) >= size else ""
            if len(heard) < 4:
                continue
            key = phonetic_key(heard.lower().replace("-", ""))
            if _best_name(key) == name:
                return value
    return None
