"""User and site additions: a dictionary drop-in folder and a lexicon learned from accepted
corrections. Both live under a data directory the caller passes (no global paths)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from vocabularies.corrector import Replacement
from vocabularies.loader import load_vocabulary
from vocabularies.model import Dictionary, DictionaryMeta, Entry, read_dictionary, write_dictionary


def dictionaries_folder(data_dir: Path) -> Path:
    return data_dir / "dictionaries"


def add_terms(data_dir: Path, name: str, terms: Iterable[Entry | str]) -> Path:
    """Add terms to the drop-in dictionary ``name`` (created if missing); returns its path."""
    if not name.isidentifier():
        raise ValueError(f"dictionary name {name!r} must be letters, digits and underscores")
    path = dictionaries_folder(data_dir) / f"{name}.jsonl"
    existing = (
        read_dictionary(path)
        if path.exists()
        else Dictionary(DictionaryMeta(name, name, "added through the API", "user-supplied"))
    )
    known = {entry.term for entry in existing.entries}
    added = [Entry(term=t) if isinstance(t, str) else t for t in terms]
    entries = (*existing.entries, *(e for e in added if e.term not in known))
    write_dictionary(Dictionary(existing.meta, entries), path)
    load_vocabulary.cache_clear()  # the next postprocess sees the new terms
    return path


class UserLexicon:
    """Raw → corrected phrases a user accepted, applied before dictionary matching."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, str] = {}
        if path.exists():
            self.entries = dict(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def for_user(cls, data_dir: Path, user_id: str) -> UserLexicon:
        safe = "".join(ch for ch in user_id if ch.isalnum() or ch in "-_") or "default"
        return cls(data_dir / "lexicon" / f"{safe}.json")

    def learn(self, raw: str, corrected: str) -> None:
        """Remember an accepted correction and save atomically."""
        self.entries[" ".join(raw.lower().split())] = corrected
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self.entries, out, ensure_ascii=False, indent=1)
        os.replace(temporary, self.path)

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        lowered = [w.lower() if w is not None else None for w in words]
        start = 0
        while start < len(words):
            match = None
            for raw, corrected in self.entries.items():
                size = raw.count(" ") + 1
                if " ".join(str(w) for w in lowered[start : start + size]) == raw and all(
                    w is not None for w in lowered[start : start + size]
                ):
                    match = Replacement(
                        start,
                        start + size,
                        " ".join(str(w) for w in words[start : start + size]),
                        corrected,
                        1.0,
                        "user",
                    )
                    break
            if match is None:
                start += 1
            else:
                found.append(match)
                start = match.end
        return found
