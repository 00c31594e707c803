"""Dictionary records: an entry (term, spoken variants, abbreviations, weight) and a dictionary
with its source and licence. Data files are JSON lines: a ``{"meta": …}`` header, then entries.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Entry:
    term: str
    spoken: tuple[str, ...] = ()
    """How the term may be dictated when that differs from its spelling («тэ два»)."""
    abbreviations: tuple[str, ...] = ()
    weight: float = 1.0
    tags: tuple[str, ...] = ()
    """Free labels, e.g. the methods (КТ, МРТ, УЗД, Рентген) FNSI 11.1473 gives a pathology."""
    code: str = ""

    def to_json(self) -> dict[str, Any]:
        record = {key: value for key, value in asdict(self).items() if value not in ((), "")}
        for key in ("spoken", "abbreviations", "tags"):
            if key in record:
                record[key] = list(record[key])
        return record

    @staticmethod
    def from_json(record: dict[str, Any]) -> Entry:
        return Entry(
            term=str(record["term"]),
            spoken=tuple(record.get("spoken", ())),
            abbreviations=tuple(record.get("abbreviations", ())),
            weight=float(record.get("weight", 1.0)),
            tags=tuple(record.get("tags", ())),
            code=str(record.get("code", "")),
        )


@dataclass(frozen=True)
class DictionaryMeta:
    name: str
    title: str
    source: str
    licence: str


@dataclass(frozen=True)
class Dictionary:
    meta: DictionaryMeta
    entries: tuple[Entry, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return self.meta.name


def write_dictionary(dictionary: Dictionary, path: Path) -> None:
    """Write JSON lines; a ``.gz`` path is gzipped without a timestamp (reproducible)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"meta": asdict(dictionary.meta)}, ensure_ascii=False)]
    lines += [json.dumps(entry.to_json(), ensure_ascii=False) for entry in dictionary.entries]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)


def read_dictionary(path: Path) -> Dictionary:
    """Read a dictionary file; a file without a header is named after itself."""
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    lines = _records(text.splitlines(), path)
    first = next(lines, None)
    if first is not None and "meta" in first:
        meta = DictionaryMeta(**first["meta"])
        entries = [Entry.from_json(record) for record in lines]
    else:
        name = path.name.split(".")[0]
        meta = DictionaryMeta(name, name, path.name, "user-supplied")
        entries = [Entry.from_json(record) for record in ([first] if first else [])]
        entries += [Entry.from_json(record) for record in lines]
    return Dictionary(meta, tuple(entries))


def _records(lines: Iterable[str], path: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{path}:{number}: not a JSON object ({exc.msg}); "
                'expected {"term": "…", "weight": 1}'
            ) from exc
        if not isinstance(record, dict) or not ("term" in record or "meta" in record):
            raise ValueError(f'{path}:{number}: each line needs a "term" (or a "meta" header)')
        yield record
