"""Load the packaged dictionaries (once), add user/site drop-ins, build the correction index."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from vocabularies.corrector import FormIndex, KeyTable, NearMissCorrector, SuffixIndex
from vocabularies.grammar import GrammarRepair, governs, takes_case
from vocabularies.lexicon import is_ordinary_word, is_valid_form, morphology
from vocabularies.model import Dictionary, read_dictionary
from vocabularies.phrases import PhraseMatcher
from vocabularies.specialties import dictionary_names, pathology_methods, resolve_specialty

DATA = Path(__file__).resolve().parent / "data"
BROAD = frozenset({"icd10"})
"""Dictionaries whose thousands of rare names are matched more strictly."""
_WORD = re.compile(r"[а-яё]{3,}")


@cache
def packaged_dictionary(name: str) -> Dictionary:
    for suffix in (".jsonl", ".jsonl.gz"):
        path = DATA / f"{name}{suffix}"
        if path.exists():
            return read_dictionary(path)
    raise FileNotFoundError(f"no dictionary {name!r} in {DATA}; run python -m vocabularies.build")


@lru_cache(maxsize=1)
def packaged_forms() -> dict[str, str]:
    with gzip.open(DATA / "forms.tsv.gz", "rt", encoding="utf-8") as handle:
        return dict(line.rstrip("\n").split("\t", 1) for line in handle if "\t" in line)


FALLBACK_STRICTNESS = 4.0
"""Extra similarity demanded of a form from a dictionary the specialty does not activate."""


@lru_cache(maxsize=1)
def _fallback_table() -> KeyTable:
    """Every packaged form but МКБ-10 names, for words the active dictionaries miss."""
    return KeyTable(
        {form: source for form, source in packaged_forms().items() if source not in BROAD},
        FALLBACK_STRICTNESS,
    )


@lru_cache(maxsize=1)
def _suffix_index() -> SuffixIndex:
    """Every packaged form by its ending, shared by all vocabularies."""
    return SuffixIndex(form.replace("ё", "е") for form in packaged_forms())


def user_dictionaries(folder: Path | None) -> tuple[Dictionary, ...]:
    """Every ``*.jsonl`` / ``*.jsonl.gz`` dropped into ``folder`` (site or user terms)."""
    if folder is None or not folder.is_dir():
        return ()
    paths = sorted([*folder.glob("*.jsonl"), *folder.glob("*.jsonl.gz")])
    return tuple(read_dictionary(path) for path in paths)


def _inflect(dictionaries: tuple[Dictionary, ...]) -> dict[str, str]:
    morph = morphology()
    forms: dict[str, str] = {}
    for dictionary in dictionaries:
        for entry in dictionary.entries:
            for word in _WORD.findall(" ".join((entry.term, *entry.spoken)).lower()):
                forms.setdefault(word, dictionary.name)
                for parse in morph.parse(word)[:1]:
                    for form in parse.lexeme:
                        forms.setdefault(form.word, dictionary.name)
    return forms


@dataclass(frozen=True)
class Vocabulary:
    """The dictionaries active for one specialty, with their correction index."""

    specialty: str
    dictionaries: tuple[Dictionary, ...]
    index: FormIndex
    corrector: NearMissCorrector
    phrases: PhraseMatcher
    """Multi-word terms in context and spoken abbreviations (see vocabularies.phrases)."""
    grammar: GrammarRepair
    """Case endings and agreement in dictionary phrases (see vocabularies.grammar)."""

    def is_valid(self, word: str) -> bool:
        """A valid word form: morphology, the medical lexicon, any dictionary, or a known
        prefix before one of those (the evidence gate's lexical test)."""
        return is_valid_form(word, self._known)

    def _known(self, word: str) -> bool:
        return word in self.index or is_ordinary_word(word)

    def terms(self) -> list[str]:
        return [entry.term for dictionary in self.dictionaries for entry in dictionary.entries]


def _pathology_for(methods: tuple[str, ...]) -> Dictionary:
    pathology = packaged_dictionary("pathology")
    if not methods:
        return pathology
    kept = tuple(e for e in pathology.entries if set(e.tags) & set(methods) or not e.tags)
    return Dictionary(pathology.meta, kept)


def active_dictionaries(key: str, extra: tuple[Dictionary, ...]) -> tuple[Dictionary, ...]:
    """The site/user dictionaries ``extra`` and the packaged ones specialty ``key`` uses."""
    packaged = tuple(
        _pathology_for(pathology_methods(key)) if name == "pathology" else packaged_dictionary(name)
        for name in dictionary_names(key)
    )
    return (*extra, *packaged)


def active_forms(key: str, extra: tuple[Dictionary, ...]) -> dict[str, str]:
    """Word form → dictionary for specialty ``key`` with the site/user dictionaries ``extra``:
    what the corrector matches against."""
    active = set(dictionary_names(key)) | {"pathology", "anatomy", "icd10"}
    forms = {form: source for form, source in packaged_forms().items() if source in active}
    for form, source in _inflect(extra).items():
        forms.setdefault(form, source)
    return forms


@lru_cache(maxsize=16)
def load_vocabulary(specialty: str | None = None, user_folder: Path | None = None) -> Vocabulary:
    """Active dictionaries for ``specialty`` (cached: call it freely on every final)."""
    key = resolve_specialty(specialty)
    extra = user_dictionaries(user_folder)
    forms = active_forms(key, extra)
    index = FormIndex(
        forms,
        broad=BROAD,
        known=frozenset(form.replace("ё", "е") for form in packaged_forms()),
        fallback=_fallback_table(),
        spoken=frozenset(f for f, source in packaged_forms().items() if source == "abbreviations"),
        suffixes=_suffix_index(),
    )
    dictionaries = active_dictionaries(key, extra)
    phrases = PhraseMatcher(
        (
            (entry.term, dictionary.name)
            for dictionary in dictionaries
            if dictionary.name not in BROAD
            for entry in dictionary.entries
        ),
        (
            (entry.term, entry.spoken)
            for dictionary in dictionaries
            for entry in dictionary.entries
            if entry.spoken and entry.term.isupper() and entry.term.isalpha()
        ),
        index.__contains__,
    )
    # Any packaged radiology form (not only the active specialty's), МКБ-10 names excepted.
    core = {f.replace("ё", "е") for f, source in packaged_forms().items() if source not in BROAD}
    core |= {folded for folded, (_, source) in index.forms.items() if source not in BROAD}
    return Vocabulary(
        key,
        dictionaries,
        index,
        NearMissCorrector(index, is_ordinary_word, takes_case, governs),
        phrases,
        GrammarRepair(lambda word: word.lower().replace("ё", "е") in core),
    )
