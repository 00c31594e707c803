"""Medical-term accuracy: which terms of the reference survive in the hypothesis."""

from __future__ import annotations

from collections import Counter
from functools import cache

from semdict.metrics import wer_tokens
from vocabularies.loader import packaged_forms

MIN_TERM_LENGTH = 7
"""Shorter dictionary words («доля», «правой») are everyday words, not terms under test."""


@cache
def _dictionary_forms() -> frozenset[str]:
    # ICD-10 names are whole diagnoses, not terms a recogniser must spell.
    return frozenset(f.replace("ё", "е") for f, src in packaged_forms().items() if src != "icd10")


def medical_terms(written: str, listed: list[str] | None = None) -> list[str]:
    """The entry's ``terms`` if given, else reference tokens that are dictionary word forms."""
    if listed is not None:
        return [token for term in listed for token in wer_tokens(str(term))]
    forms = _dictionary_forms()
    return [t for t in wer_tokens(written) if len(t) >= MIN_TERM_LENGTH and t in forms]


def term_hits(terms: list[str], hypothesis: str) -> int:
    """Terms found in the hypothesis, each hypothesis token matching at most one term."""
    available = Counter(wer_tokens(hypothesis))
    hits = 0
    for term in terms:
        if available[term] > 0:
            available[term] -= 1
            hits += 1
    return hits
