"""The corpus folder: ``dictations.jsonl`` plus ``audio/{id}_{voice}.flac|wav``.

``audio/manifest.tsv`` (id, voice, file, duration_s), when present, says which file is which.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semdict.errors import UsageError

AUDIO_SUFFIXES = (".flac", ".wav")


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


@dataclass(frozen=True)
class Skipped:
    """An audio file (or manifest row) that the corpus does not use, and why."""

    name: str
    reason: str


MANIFEST = "manifest.tsv"
_MANIFEST_COLUMNS = ("id", "voice", "file")


def _from_manifest(
    audio: Path, by_id: dict[str, Dictation], skipped: list[Skipped]
) -> list[tuple[str, str, Path]]:
    """``(id, voice, path)`` from ``audio/manifest.tsv``: the voice is whatever it says."""
    manifest = audio / MANIFEST
    lines = manifest.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t") if lines else []
    missing = [c for c in _MANIFEST_COLUMNS if c not in header]
    if missing:
        raise UsageError(f"{manifest}: header lacks column(s) {', '.join(missing)}")
    found: list[tuple[str, str, Path]] = []
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        row = dict(zip(header, line.split("\t"), strict=False))
        item, voice, name = (row.get(c, "").strip() for c in _MANIFEST_COLUMNS)
        where = f"{MANIFEST}:{n} {name or '(no file)'}"
        if not (item and voice and name):
            skipped.append(Skipped(where, "id, voice or file is empty"))
        elif not (audio / name).is_file():
            skipped.append(Skipped(where, "listed but not in audio/"))
        elif Path(name).suffix not in AUDIO_SUFFIXES:
            skipped.append(Skipped(name, f"not {'|'.join(AUDIO_SUFFIXES)}"))
        elif item not in by_id:
            skipped.append(Skipped(name, f"id {item!r} is not in dictations.jsonl"))
        else:
            found.append((item, voice, audio / name))
    listed = {path.name for _, _, path in found} | {
        s.name for s in skipped if not s.name.startswith(MANIFEST)
    }
    for path in sorted(audio.glob("*")):
        if path.name not in listed and path.name != MANIFEST and path.suffix in AUDIO_SUFFIXES:
            skipped.append(Skipped(path.name, f"not listed in {MANIFEST}"))
    return found


def _from_names(
    audio: Path, by_id: dict[str, Dictation], skipped: list[Skipped]
) -> list[tuple[str, str, Path]]:
    """``(id, voice, path)`` from names ``{id}_{voice}``: the longest known id wins."""
    ids = sorted(by_id, key=len, reverse=True)
    found: list[tuple[str, str, Path]] = []
    for path in sorted(audio.glob("*")):
        if not path.is_file():
            continue
        if path.suffix not in AUDIO_SUFFIXES:
            skipped.append(Skipped(path.name, f"not {'|'.join(AUDIO_SUFFIXES)}"))
            continue
        item = next(
            (i for i in ids if path.stem.startswith(f"{i}_") and path.stem != f"{i}_"), None
        )
        if item is None:
            skipped.append(Skipped(path.name, "no id of dictations.jsonl matches {id}_{voice}"))
            continue
        found.append((item, path.stem[len(item) + 1 :], path))
    return found


def scan_audio(
    folder: Path, dictations: Sequence[Dictation]
) -> tuple[list[Recording], list[Skipped]]:
    """Every usable recording in corpus order, and every audio file left out with its reason.

    With ``audio/manifest.tsv`` (columns id, voice, file, …) the manifest decides; without it
    a file ``{id}_{voice}.flac|wav`` belongs to the longest dictation id it starts with, so ids
    and voices may both contain underscores.
    """
    audio = folder / "audio"
    by_id = {d.id: d for d in dictations}
    skipped: list[Skipped] = []
    if not audio.is_dir():
        return [], skipped
    if (audio / MANIFEST).is_file():
        rows = _from_manifest(audio, by_id, skipped)
    else:
        rows = _from_names(audio, by_id, skipped)
    groups: dict[str, list[Recording]] = {}
    seen: dict[tuple[str, str], Path] = {}
    for item, voice, path in rows:
        if (item, voice) in seen:
            skipped.append(Skipped(path.name, f"same id and voice as {seen[item, voice].name}"))
            continue
        seen[item, voice] = path
        groups.setdefault(item, []).append(Recording(by_id[item], voice, path))
    recordings = [r for d in dictations for r in groups.pop(d.id, [])]
    return recordings, skipped


def find_recordings(
    folder: Path,
    dictations: Sequence[Dictation],
    *,
    voices: Sequence[str] | None = None,
    limit: int | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
) -> list[Recording]:
    """Recordings in corpus order; ``limit`` keeps the first N dictations (all their voices).

    ``on_skip`` hears of every audio file that is not used (voices left out by ``voices``
    excepted).
    """
    found, skipped = scan_audio(folder, dictations)
    if on_skip is not None:
        for item in skipped:
            on_skip(item)
    if voices:
        found = [r for r in found if r.voice in voices]
    kept_ids = list(dict.fromkeys(r.dictation.id for r in found))[:limit]
    recordings = [r for r in found if r.dictation.id in set(kept_ids)]
    if not recordings:
        wanted = f" for voices {', '.join(voices)}" if voices else ""
        raise UsageError(
            f"no audio{wanted} in {folder / 'audio'} named {{id}}_{{voice}}.flac|wav "
            f"or listed in {MANIFEST}"
        )
    return recordings
