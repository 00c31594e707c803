"""Readers for the dictionary sources: curated seed files and FNSI directory dumps."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vocabularies.model import Dictionary, DictionaryMeta, Entry

SEED_LICENCE = "Apache-2.0 (semdict project)"
FNSI_LICENCE = "Open data of the Ministry of Health of the Russian Federation (nsi.rosminzdrav.ru)"


def read_seed(path: Path) -> Dictionary:
    """A seed file: a ``# title`` line, then ``term<TAB>spoken;…<TAB>abbr;…<TAB>weight``."""
    title, entries = path.stem, list[Entry]()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = title if entries else line.lstrip("# ").strip()
            continue
        if not line.strip():
            continue
        columns = [*line.split("\t"), "", "", ""]
        entries.append(
            Entry(
                term=columns[0].strip(),
                spoken=_split(columns[1]),
                abbreviations=_split(columns[2]),
                weight=float(columns[3]) if columns[3].strip() else 1.0,
            )
        )
    meta = DictionaryMeta(path.stem, title, f"vocabularies/seeds/{path.name}", SEED_LICENCE)
    return Dictionary(meta, tuple(entries))


def _split(column: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in column.split(";") if part.strip())


def _fnsi_rows(paths: list[Path]) -> Iterator[dict[str, Any]]:
    for path in sorted(paths):
        page = json.loads(path.read_text(encoding="utf-8"))
        for row in page["list"]:
            yield {cell["column"]: cell["value"] for cell in row}


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip()


def read_anatomy(nsi: Path) -> Dictionary:
    """FNSI 1.2.643.5.1.13.13.11.1477 «Анатомические локализации»: names and synonyms."""
    paths = list(nsi.glob("1.2.643.5.1.13.13.11.1477_*.json"))
    entries: dict[str, Entry] = {}
    for row in _fnsi_rows(paths):
        name = _clean(row.get("NAME") or "")
        if not name:
            continue
        synonyms = _split(row.get("SYNONYMS") or "")
        entries.setdefault(name.lower(), Entry(term=name, spoken=synonyms, code=str(row["ID"])))
    return Dictionary(
        DictionaryMeta(
            "anatomy", "Анатомические локализации (ФНСИ 11.1477)", _source(paths), FNSI_LICENCE
        ),
        tuple(entries.values()),
    )


def read_pathology(nsi: Path) -> Dictionary:
    """FNSI 11.1473 «Патологии по результатам инструментальных исследований», tagged by method."""
    paths = list(nsi.glob("1.2.643.5.1.13.13.11.1473_*.json"))
    entries: dict[str, Entry] = {}
    for row in _fnsi_rows(paths):
        name = _clean(row.get("FULLNAME") or "")
        if not name:
            continue
        methods = _split(row.get("METHOD") or "")
        key = name.lower()
        if key in entries:
            methods = tuple(sorted(set(entries[key].tags) | set(methods)))
        entries[key] = Entry(term=name, tags=methods, code=str(row["ID"]))
    return Dictionary(
        DictionaryMeta(
            "pathology",
            "Патологии по методам исследования (ФНСИ 11.1473)",
            _source(paths),
            FNSI_LICENCE,
        ),
        tuple(entries.values()),
    )


def read_icd10(nsi: Path) -> Dictionary:
    """FNSI 11.1005 МКБ-10: names of the actual codes (chapters and blocks left out)."""
    paths = list(nsi.glob("1.2.643.5.1.13.13.11.1005_*.csv"))
    entries: list[Entry] = []
    with paths[0].open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            code, name = row["MKB_CODE"].strip(), _clean(row["MKB_NAME"])
            if row.get("ACTUAL", "1") != "1" or "-" in code or not re.match(r"[A-Z]\d", code):
                continue
            entries.append(Entry(term=name, code=code, weight=0.5))
    return Dictionary(
        DictionaryMeta("icd10", "МКБ-10 (ФНСИ 11.1005)", _source(paths), FNSI_LICENCE),
        tuple(entries),
    )


def _source(paths: list[Path]) -> str:
    return "FNSI dump: " + ", ".join(sorted(path.name for path in paths))
