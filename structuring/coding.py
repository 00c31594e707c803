"""Pathology codes (11.1473) found in the conclusion, by whole-name word match.

A name word matches a dictated word when the dictated word starts with the name word minus
its case ending and is at most a few letters longer — enough for Russian inflection
(«гидроторакс» / «гидроторакса») without matching unrelated words sharing a prefix.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

from semd_templates import nsi

_WORD_RE = re.compile(r"[а-яё]+", re.IGNORECASE)
_MAX_EXTRA = 4  # letters an inflected form may add after the stem
_INDEX_PREFIX = 4


def _words(text: str) -> list[str]:
    return [w.lower().replace("ё", "е") for w in _WORD_RE.findall(text) if len(w) > 2]


def _stem(word: str) -> str:
    if len(word) > 6:
        return word[:-2]
    return word[:-1] if len(word) > 4 else word


def _matches(stem: str, dictated: list[str]) -> bool:
    return any(w.startswith(stem) and len(w) - len(stem) <= _MAX_EXTRA for w in dictated)


@cache
def _pathology_index() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """First 4 letters of the first name word → (code, stems of the name words)."""
    index: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for code, entry in nsi.pathologies().items():
        stems = tuple(_stem(w) for w in _words(entry.name))
        if stems:
            index[stems[0][:_INDEX_PREFIX]].append((code, stems))
    return dict(index)


def match_pathologies(conclusion: str, limit: int = 3) -> list[nsi.Entry]:
    """Pathologies whose every name word occurs in the conclusion, most specific first."""
    dictated = _words(conclusion)
    index = _pathology_index()
    hits: dict[str, int] = {}
    for prefix in {w[:_INDEX_PREFIX] for w in dictated}:
        for code, stems in index.get(prefix, []):
            if all(_matches(stem, dictated) for stem in stems):
                hits[code] = len(stems)
    ranked = sorted(hits, key=lambda code: (-hits[code], int(code)))
    entries = nsi.pathologies()
    chosen: list[nsi.Entry] = []
    for code in ranked:
        entry = entries[code]
        # A generic name covered by a more specific one adds nothing («Гемангиома»).
        if any(entry.name.lower() in c.name.lower() for c in chosen):
            continue
        chosen.append(entry)
        if len(chosen) == limit:
            break
    return chosen
