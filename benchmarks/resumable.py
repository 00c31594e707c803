"""Resumable passes over the dev corpus: which (dictation, voice) pairs a cache still lacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"
VOICES = ("anna", "aleksandr")


def pending_jobs(
    out_path: Path, limit: int | None, corpus: Path = CORPUS_DIR
) -> list[tuple[dict[str, Any], str]]:
    """Dictation × voice pairs (first ``limit``) not yet written to the JSONL ``out_path``."""
    done = set()
    if out_path.exists():
        for line in out_path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            done.add((item["id"], item["voice"]))
    items = [
        json.loads(line)
        for line in (corpus / "dictations.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    jobs = [(item, voice) for item in items for voice in VOICES][:limit]
    return [(item, voice) for item, voice in jobs if (item["id"], voice) not in done]
