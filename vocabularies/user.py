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
    """A doctor's own corrections: raw → corrected phrases they accepted (applied before
    dictionary matching), and changes they rejected (never made again for them)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, str] = {}
        self.rejected: set[tuple[str, str]] = set()
        if path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
            if "accepted" in stored or "rejected" in stored:
                self.entries = dict(stored.get("accepted", {}))
                self.rejected = {(str(r), str(c)) for r, c in stored.get("rejected", [])}
            else:  # the first format: accepted corrections only
                self.entries = dict(stored)

    @classmethod
    def for_user(cls, data_dir: Path, user_id: str, tenant: str = "") -> UserLexicon:
        """The lexicon of ``user_id`` (within ``tenant``: another clinic's doctor of the same
        id has another one)."""
        safe = _safe(user_id) or "default"
        folder = data_dir / "lexicon" / _safe(tenant) if tenant else data_dir / "lexicon"
        return cls(folder / f"{safe}.json")

    def learn(self, raw: str, corrected: str) -> None:
        """Remember an accepted correction and save atomically."""
        key = _key(raw)
        self.entries[key] = corrected
        self.rejected.discard((key, _key(corrected)))
        self._save()

    def reject(self, raw: str, corrected: str) -> None:
        """Remember that the doctor said ``raw`` and refused ``corrected``: the text pipeline
        never makes that change for them again (and forgets it if it was learnt)."""
        key = _key(raw)
        self.rejected.add((key, _key(corrected)))
        if self.entries.get(key, "").lower() == corrected.lower():
            del self.entries[key]
        self._save()

    def refuses(self, raw: str, corrected: str) -> bool:
        return (_key(raw), _key(corrected)) in self.rejected

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        stored = {"accepted": self.entries, "rejected": sorted(self.rejected)}
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(stored, out, ensure_ascii=False, indent=1)
        os.replace(temporary, self.path)

    def find(self, words: Sequence[str | None]) -> list[Replacement]:
        found: list[Replacement] = []
        lowered = [_key(w) if w is not None else None for w in words]
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


def _key(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum() or ch in "-_")
