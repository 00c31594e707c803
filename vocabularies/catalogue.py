"""What each specialty's vocabulary holds: its dictionaries with sources, licences and sizes
(``GET /v1/dictionaries``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vocabularies.loader import BROAD, active_dictionaries, active_forms, user_dictionaries
from vocabularies.specialties import SPECIALTIES, resolve_specialty


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
    """What ``specialty`` holds, without building its correction index (a listing of every
    specialty took 10 s on a fresh server when it built all twelve)."""
    key = resolve_specialty(specialty)
    extra = user_dictionaries(user_folder)
    infos = [
        DictionaryInfo(
            name=d.name,
            title=d.meta.title,
            source=d.meta.source,
            licence=d.meta.licence,
            entries=len(d.entries),
            matching="strict" if d.name in BROAD else "normal",
        )
        for d in active_dictionaries(key, extra)
    ]
    forms = {form.replace("ё", "е") for form in active_forms(key, extra)}
    return SpecialtyVocabulary(
        specialty=key,
        dictionaries=infos,
        entries=sum(i.entries for i in infos),
        word_forms=len(forms),
    )


def describe_all(user_folder: Path | None = None) -> list[SpecialtyVocabulary]:
    return [describe(specialty, user_folder) for specialty in SPECIALTIES]
