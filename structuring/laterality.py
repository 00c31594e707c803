"""Side of the main finding: «слева», «справа», «с двух сторон» or "".

The main finding is the first clause of the conclusion; when it names no side, every side
mention in the conclusion, the findings (normal statements left out) and the title is
pooled. Side words that name a part of an unpaired organ («правого желудочка», «правой доле
печени») or a direction («смещены вправо») are not laterality.
"""

from __future__ import annotations

import re
from typing import Final

from structuring.report import Laterality

LEFT: Final = "слева"
RIGHT: Final = "справа"
BOTH: Final = "с двух сторон"
NONE: Final = ""

_ENDINGS = r"(?:ый|ая|ое|ого|ой|ому|ом|ую|ые|ых|ым|ыми|ою)"
_SIDE_RE = re.compile(
    rf"\b(?P<left>лев{_ENDINGS}|левосторонн\w*|слева)\b"
    rf"|\b(?P<right>прав{_ENDINGS}|правосторонн\w*|справа)\b"
    r"|\b(?P<both>двусторонн\w*|обо(?:их|им|ими)|обе(?:их|им|ими)?|"
    r"с (?:обеих|двух) сторон)\b",
    re.IGNORECASE,
)
# Parts of unpaired organs named with a side word.
_UNPAIRED_PART_RE = re.compile(
    r"^\s*(?:\w+\s+){0,1}?(?:желудоч\w*|предсерд\w*|венечн\w*|коронарн\w*|"
    r"ветв\w* воротной|полови\w* печени)",
    re.IGNORECASE,
)
# «доле», and «долер» as the recogniser writes it at a window's end
_LOBE_RE = re.compile(r"^\s*дол(?:я|и|е|ю|ей|ям|ях|ями|ер)\b", re.IGNORECASE)
NORMAL_RE = re.compile(
    r"без (?:особенностей|очаговых|патологическ|изменений|признаков)|не изменен|свобод\w*|"
    r"\bцел\w*\b|не смещен|не расширен|не увеличен|прослеживаются|обычн\w+ (?:формы|размеров)",
    re.IGNORECASE,
)
_CLAUSE_RE = re.compile(r"[,;.]\s+(?=[А-ЯЁA-Zа-яё])")


def sides(text: str, before: str = "") -> set[str]:
    """Sides named in ``text``: a subset of {"left", "right", "both"}. ``before``: the text
    preceding it, read only to tell whose lobe a «правая доля» is."""
    found: set[str] = set()
    context = f"{before} {text}" if before else text
    shift = len(context) - len(text)
    for match in _SIDE_RE.finditer(text):
        after = text[match.end() : match.end() + 60]
        if _UNPAIRED_PART_RE.match(after):
            continue
        around = _sentence_around(context, match.start() + shift)
        if _LOBE_RE.match(after) and re.search(r"печен", around):
            continue
        found.add(match.lastgroup or "")
    return found


def _sentence_around(text: str, position: int) -> str:
    """The sentence holding ``position`` and the one before it («Печень увеличена. Размер
    правой доли 168 мм»: the lobe is the liver's)."""
    end_of_previous = text.rfind(".", 0, position)
    start = max(text.rfind(".", 0, max(end_of_previous, 0)), 0)
    end = text.find(".", position)
    return text[start : end if end != -1 else len(text)].lower()


def _verdict(named: set[str]) -> Laterality | None:
    if not named:
        return None
    if "both" in named or {"left", "right"} <= named:
        return BOTH
    return LEFT if "left" in named else RIGHT


def extract_laterality(title: str, findings: str, conclusion: str) -> Laterality:
    """Laterality of the main finding, or "" when no side applies."""
    clauses = _CLAUSE_RE.split(conclusion.strip(), maxsplit=1)
    first = _verdict(sides(clauses[0])) if clauses and clauses[0] else None
    if first is not None:
        return first
    pooled = sides(conclusion)
    previous = ""
    for sentence in re.split(r"(?<=[.!?])\s+", findings):
        if not NORMAL_RE.search(sentence):
            pooled |= sides(sentence, previous)
        previous = sentence
    pooled |= sides(title)
    return _verdict(pooled) or NONE
