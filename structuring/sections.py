"""Split final dictation text into title, findings, conclusion and recommendations.

Sections come from the spoken markers («Описание.», «Заключение.», «Рекомендации.») or the
headers voice commands write on their own line (``Описание: …``). When the doctor names no
section, sentences are classified: conclusion phrasing («КТ признаки …», «… картина …») and
recommendation phrasing («Консультация …», «Рекомендовано …») at the end of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from structuring.events import CommandEvent
from vocabularies.rules import preposition_cases

SECTION_IDS = ("findings", "conclusion", "recommendations")

# Marker word → section id. Synonyms radiologists use in place of the canonical words.
_MARKERS: dict[str, str] = {
    "описание": "findings",
    "протокол": "findings",
    "заключение": "conclusion",
    "выводы": "conclusion",
    "вывод": "conclusion",
    "рекомендации": "recommendations",
    "рекомендация": "recommendations",
}
# A marker is a whole sentence («Описание.») or a header («Описание:») at a sentence or line
# start; «Описание» inside a sentence is ordinary text.
_MARKER_RE = re.compile(
    r"(?:^|(?<=[.!?…])|(?<=\n))[ \t]*(" + "|".join(_MARKERS) + r")[ \t]*[.:][ \t]*",
    re.IGNORECASE,
)
_SENTENCE_RE = re.compile(r"[^.!?…\n]+(?:[.!?…]+|$)")
_STUDY_TITLE_RE = re.compile(
    r"томо|компьютерн|магнитно|ультразвук|рентгенограф|флюорограф|маммограф|ультразвуков|\bУЗИ\b|\bКТ\b|\bМРТ\b|"
    r"исследовани|сонограф|рентгеноскоп",
    re.IGNORECASE,
)
_CONCLUSION_RE = re.compile(
    r"\bпризнак\w*|\bкартин\w*|\bданных за\b|\bпатологи\w* не выявлен|\bв пределах нормы|"
    r"\bне выявлено\b|\bсоответству\w*|\bподозрени\w* на\b",
    re.IGNORECASE,
)
_RECOMMENDATION_RE = re.compile(
    r"^\s*(консультаци\w*|рекомендова\w*|рекомендуется|контрол\w*|дообследовани\w*|"
    r"повторн\w* исследовани\w*|наблюдени\w*|динамическ\w* наблюдени\w*|биопси\w*|"
    r"трепан-биопси\w*|пункци\w*|плевральн\w* пункци\w*|экстренн\w* консультаци\w*|"
    r"плановая \w+|мрт\b|кт\b|узи\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sections:
    title: str
    findings: str
    conclusion: str
    recommendations: str
    named: bool
    """True when the doctor named the sections (markers or commands)."""


def _clean(text: str) -> str:
    return " ".join(text.split())


# A marker the recogniser heard with another ending or ran into the sentence before it
# («… без очаговых изменений заключения КТ-картина …»): in a report, «заключение» in any form
# is the marker unless something governs it («для заключения», «согласно рекомендациям»).
_HEARD_MARKER_RE = re.compile(
    r"(\w+)([ \t]*,?[ \t]+)(заключени[еяию]|заключением|заключений|рекомендаци[ийя]|"
    r"рекомендациям|описани[еяю])\b[ \t]*[.,:;]?",
    re.IGNORECASE,
)
_GOVERNING = frozenset(preposition_cases()) | {"согласно"}
_HEARD_SECTION = (("заключ", "Заключение"), ("рекоменд", "Рекомендации"), ("описан", "Описание"))


def _heard_section(word: str) -> str:
    """The marker a heard form stands for («заключения» → «Заключение»)."""
    return next(name for stem, name in _HEARD_SECTION if word.lower().startswith(stem))


def _heard_markers(text: str) -> str:
    """``text`` with the first heard form of a marker made the marker, for each section the
    text names nowhere else. Only the split sees it; the document's text is not changed."""
    named = {_MARKERS[m.group(1).lower()] for m in _MARKER_RE.finditer(text)}

    def marker(found: re.Match[str]) -> str:
        section = _heard_section(found.group(3))
        key = _MARKERS[section.lower()]
        if key in named or found.group(1).lower() in _GOVERNING:
            return found.group(0)
        named.add(key)  # the first heard form only
        return f"{found.group(1)}. {section}. "

    return _HEARD_MARKER_RE.sub(marker, text)


def split_sections(text: str, commands: list[CommandEvent] | None = None) -> Sections:
    """Sections of ``text``; markers in the text win, then section commands, then guessing."""
    text = _heard_markers(text)
    matches = list(_MARKER_RE.finditer(text))
    if matches:
        return _from_markers(text, matches)
    ordered = _sections_from_commands(commands or [])
    lines = [line for line in text.split("\n") if line.strip()]
    if ordered and len(lines) > 1:
        return _from_command_lines(lines, ordered)
    return _classify(text)


def _from_markers(text: str, matches: list[re.Match[str]]) -> Sections:
    parts: dict[str, list[str]] = {key: [] for key in SECTION_IDS}
    title = _clean(text[: matches[0].start()])
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        parts[_MARKERS[match.group(1).lower()]].append(_clean(text[match.end() : end]))
    joined = {key: " ".join(p for p in parts[key] if p) for key in SECTION_IDS}
    return Sections(
        title, joined["findings"], joined["conclusion"], joined["recommendations"], True
    )


def _sections_from_commands(commands: list[CommandEvent]) -> list[str]:
    """Section order as the doctor opened them by voice («заключение», «следующее поле»)."""
    order: list[str] = []
    for command in commands:
        if command.name == "section" and command.arg in SECTION_IDS:
            order.append(command.arg)
        elif command.name == "next_field":
            current = order[-1] if order else None
            following = (
                SECTION_IDS[SECTION_IDS.index(current) + 1]
                if current in SECTION_IDS and current != SECTION_IDS[-1]
                else None
            )
            if current is None:
                order.append(SECTION_IDS[0])
            elif following:
                order.append(following)
    return order


def _from_command_lines(lines: list[str], order: list[str]) -> Sections:
    """First line is the title; each following line belongs to the next opened section."""
    parts: dict[str, list[str]] = {key: [] for key in SECTION_IDS}
    for line, section in zip(lines[1:], order, strict=False):
        parts[section].append(_clean(line))
    leftover = lines[1 + len(order) :]
    if leftover:
        parts[order[-1]].extend(_clean(line) for line in leftover)
    joined = {key: " ".join(parts[key]) for key in SECTION_IDS}
    return Sections(
        _clean(lines[0]), joined["findings"], joined["conclusion"], joined["recommendations"], True
    )


def split_sentences(text: str) -> list[str]:
    """Sentences of final text: up to and with «.!?…», or a line."""
    return [_clean(s) for s in _SENTENCE_RE.findall(text) if _clean(s)]


def _classify(text: str, split: Callable[[str], list[str]] = split_sentences) -> Sections:
    sentences = [s for s in split(text) if s]
    if not sentences:
        return Sections("", "", "", "", False)
    title = ""
    first = sentences[0]
    if _STUDY_TITLE_RE.search(first) and (len(sentences) > 1 or not _CONCLUSION_RE.search(first)):
        title = sentences.pop(0)
    recommendations: list[str] = []
    while sentences and _RECOMMENDATION_RE.search(sentences[-1]) and len(sentences) > 1:
        recommendations.insert(0, sentences.pop())
    conclusion_start = len(sentences)
    for index in range(len(sentences) - 1, 0, -1):
        if _CONCLUSION_RE.search(sentences[index]):
            conclusion_start = index
        elif conclusion_start != len(sentences):
            break
    findings = sentences[:conclusion_start]
    conclusion = sentences[conclusion_start:]
    return Sections(
        title, " ".join(findings), " ".join(conclusion), " ".join(recommendations), False
    )
