"""What each specialty's vocabulary holds: its dictionaries with sources, licences and sizes
(``GET /v1/dictionaries``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vocabularies.loader import BROAD, load_vocabulary
from vocabularies.specialties import SPECIALTIES


@dataclass(frozen=True)
class DictionaryInfo:
    name: str
    title: str
    source: str
    licence: str
    entries: int
    matching: str
    """How its words are matched: ``strict`` for the thousands of rare МКБ-10 names."""


@dataclass(frozen=True)
class SpecialtyVocabulary:
    specialty: str
    dictionaries: list[DictionaryInfo]
    entries: int
    word_forms: int
    """Inflected forms the corrector matches against (pymorphy3 / OpenCorpora)."""


def describe(specialty: str, user_folder: Path | None = None) -> SpecialtyVocabulary:
    vocabulary = load_vocabulary(specialty, user_folder)
    infos = [
        DictionaryInfo(
            name=d.name,
            title=d.meta.title,
            source=d.meta.source,
            licence=d.meta.licence,
            entries=len(d.entries),
            matching="strict" if d.name in BROAD else "normal",
        )
        for d in vocabulary.dictionaries
    ]
    return SpecialtyVocabulary(
        specialty=vocabulary.specialty,
        dictionaries=infos,
        entries=sum(i.entries for i in infos),
        word_forms=len(vocabulary.index.forms),
    )


def describe_all(user_folder: Path | None = None) -> list[SpecialtyVocabulary]:
    return [describe(specialty, user_folder) for specialty in SPECIALTIES]
