"""The conclusion as the МКБ-10 retrieval reads it: typing errors spelled right.

A typed «пилонефрит» or «аневризмма» matches no classification name, and two such slips in a
conclusion's longest words cost the retrieval a quarter of its right codes (`python -m
benchmarks.bench_icd10_typos`). The text stage's typing corrections (only non-words, a typist's
few edits, never a meaning-carrying prefix: `vocabularies.evidence`) are applied word for word
to the conclusion the retrieval reads; the report's own text is left as written.
"""

from __future__ import annotations

import re
from functools import lru_cache

from structuring.postprocess import postprocess


@lru_cache(maxsize=1024)
def spelled(text: str) -> str:
    """``text`` with the typing errors the text stage would correct corrected, everything
    else (case, punctuation, abbreviations) as written. The general vocabulary (medical
    lexicon, МКБ-10 and FNSI terms) is used, which the server loads at start: a specialty's
    own would load at a report's first structuring and cost it most of a second."""
    result = postprocess(text, commands=False, normalise=False)
    for correction in result.corrections:
        pattern = r"(?<![\w-])" + re.escape(correction.raw) + r"(?![\w-])"
        text = re.sub(pattern, correction.corrected, text, count=1)
    return text
