"""Linear measurements in millimetres, in order of appearance.

Corpus rules: «28 × 24 × 21 мм» is one measurement with three dimensions; a range «от 2 до
4 мм» or «2–4 мм» gives two entries; «см» is converted to mm; density (HU), volume (мл),
indices and image numbers carry no length unit and are therefore never matched.
"""

from __future__ import annotations

import re

Number = int | float

_NUM = r"\d+(?:[.,]\d+)?"
_TIMES = r"\s*[×xх*]\s*"
_UNIT = r"(?P<unit>мм|см|mm|cm)(?![А-Яа-яЁёA-Za-z])"
_RANGE_RE = re.compile(
    rf"(?:\bот\s+)?(?P<low>{_NUM})\s*(?:до|[-–—])\s*(?P<high>{_NUM})\s*{_UNIT}", re.IGNORECASE
)
_SIZE_RE = re.compile(
    rf"(?<![\d,.])(?P<dims>{_NUM}(?:{_TIMES}{_NUM}){{0,2}})\s*{_UNIT}", re.IGNORECASE
)
_SCALE = {"мм": 1, "mm": 1, "см": 10, "cm": 10}


def _to_mm(value: str, unit: str) -> Number:
    number = float(value.replace(",", ".")) * _SCALE[unit.lower()]
    number = round(number, 2)
    return int(number) if number.is_integer() else number


def extract_measurements(text: str) -> list[list[Number]]:
    """Every linear size in ``text`` as a list of 1–3 dimensions in mm."""
    found: list[tuple[int, list[Number]]] = []
    taken: list[tuple[int, int]] = []
    for match in _RANGE_RE.finditer(text):
        # «от 2 до 4 мм», «2–4 мм» but not «до 4 мм» alone (handled as a size).
        unit = match.group("unit")
        found.append((match.start("low"), [_to_mm(match.group("low"), unit)]))
        found.append((match.start("high"), [_to_mm(match.group("high"), unit)]))
        taken.append(match.span())
    for match in _SIZE_RE.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        unit = match.group("unit")
        dims = re.split(_TIMES, match.group("dims"))
        found.append((match.start(), [_to_mm(d, unit) for d in dims]))
    return [dims for _, dims in sorted(found, key=lambda item: item[0])]
