"""The corpus folder: ``dictations.jsonl`` plus ``audio/{id}_{voice}.flac|wav``."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semdict.errors import UsageError

AUDIO_SUFFIXES = (".flac", ".wav")
_AUDIO_NAME = re.compile(r"^(?P<id>.+)_(?P<voice>[^_]+)$")


@dataclass(frozen=True)
class Dictation:
    id: str
    spoken: str
    written: str
    template: str | None = None
    terms: list[str] | None = None
    fields: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Other keys of the line (``style`` …), kept for the report."""


@dataclass(frozen=True)
class Recording:
    """One audio file: a dictation read by one voice."""

    dictation: Dictation
    voice: str
    path: Path

    @property
    def key(self) -> str:
        return f"{self.dictation.id}_{self.voice}"


def _dictation(line: str, where: str) -> Dictation:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: not JSON ({exc.msg})") from exc
    missing = [k for k in ("id", "spoken", "written") if not isinstance(item.get(k), str)]
    if missing:
        raise UsageError(f"{where}: missing string field(s) {', '.join(missing)}")
    known = {"id", "spoken", "written", "template", "terms", "fields"}
    return Dictation(
        id=item["id"],
        spoken=item["spoken"],
        written=item["written"],
        template=item.get("template"),
        terms=item.get("terms"),
        fields=item.get("fields"),
        extra={k: v for k, v in item.items() if k not in known},
    )


def read_dictations(folder: Path) -> list[Dictation]:
    path = folder / "dictations.jsonl"
    if not path.is_file():
        raise UsageError(
            f"{folder} is not a corpus folder: expected {path} "
            "(one JSON object per line with id, spoken, written)"
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    return [_dictation(line, f"{path}:{n}") for n, line in enumerate(lines, 1) if line.strip()]


def find_recordings(
    folder: Path,
    dictations: Sequence[Dictation],
    *,
    voices: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Recording]:
    """Recordings in corpus order; ``limit`` keeps the first N dictations (all their voices)."""
    by_id = {d.id: d for d in dictations}
    found: dict[str, list[Recording]] = {}
    for path in sorted((folder / "audio").glob("*")):
        match = _AUDIO_NAME.match(path.stem)
        if path.suffix not in AUDIO_SUFFIXES or not match or match["id"] not in by_id:
            continue
        if voices and match["voice"] not in voices:
            continue
        found.setdefault(match["id"], []).append(
            Recording(by_id[match["id"]], match["voice"], path)
        )
    ordered = [found[d.id] for d in dictations if d.id in found][:limit]
    recordings = [r for group in ordered for r in group]
    if not recordings:
        wanted = f" for voices {', '.join(voices)}" if voices else ""
        raise UsageError(f"no audio{wanted} in {folder / 'audio'} named {{id}}_{{voice}}.flac|wav")
    return recordings
