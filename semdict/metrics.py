"""Word and character error rates on the corpus' tokenisation (benchmarks, ``semdict bench``).

Tokens: lower case, «ё» → «е», runs of ``[a-zа-я0-9]`` with a decimal comma kept inside
numbers («1,5»); all other punctuation and symbols are dropped. CER is measured on the same
tokens joined by single spaces, so both rates ignore the same formatting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

TOKENISATION = (
    "lower case, «ё» → «е», words matching [a-zа-я0-9]+ with a decimal comma kept inside "
    "numbers («1,5»); all other punctuation and symbols (×, %, –) dropped; CER on the same "
    "tokens joined by spaces."
)
"""How the text is compared, stated in every report."""

_TOKEN = re.compile(r"\d+(?:,\d+)+|[a-zа-я0-9]+")


def wer_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("ё", "е"))


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Levenshtein distance on token sequences (tokens mapped to code points)."""
    vocabulary: dict[str, str] = {}
    for token in (*reference, *hypothesis):
        vocabulary.setdefault(token, chr(0xE000 + len(vocabulary)))
    return int(
        Levenshtein.distance(
            "".join(vocabulary[t] for t in reference), "".join(vocabulary[t] for t in hypothesis)
        )
    )


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference length) for one pair; sum both over a corpus for its WER."""
    ref = wer_tokens(reference)
    return edit_distance(ref, wer_tokens(hypothesis)), len(ref)


def char_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(character edits, reference characters) on the normalised, space-joined tokens."""
    ref = " ".join(wer_tokens(reference))
    return int(Levenshtein.distance(ref, " ".join(wer_tokens(hypothesis)))), len(ref)


def wer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    edits = total = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        errors, length = word_errors(reference, hypothesis)
        edits, total = edits + errors, total + length
    return edits / total if total else 0.0
