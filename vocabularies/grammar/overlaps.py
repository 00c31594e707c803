"""Findings of several repairs in order, none overlapping an earlier one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from vocabularies.corrector import Replacement


class _Finder(Protocol):
    def find(self, words: Sequence[str | None]) -> list[Replacement]: ...


def without_overlaps(repairs: Sequence[_Finder], words: Sequence[str | None]) -> list[Replacement]:
    """Each repair's findings, in order, except those overlapping an earlier one."""
    found: list[Replacement] = []
    covered: set[int] = set()
    for repair in repairs:
        for replacement in repair.find(words):
            span = set(range(replacement.start, replacement.end))
            if not span & covered:
                found.append(replacement)
                covered |= span
    return sorted(found, key=lambda r: r.start)
