"""Whether a contrast agent was used in the study (not merely recommended).

Only the title and the findings count: recommendations («МРТ печени с контрастированием»)
describe a future study. «без контрастного усиления» in the title decides «no».
"""

from __future__ import annotations

import re

_NEGATED_RE = re.compile(
    # «бесконтрастная КТ», and recognised speech fusing «без» with the word («бесконтрастного
    # усиления», «безконтрастного»)
    r"\bбез\s+(?:\w+\s+){0,2}контраст\w*|\bбе[сз]-?контраст\w*",
    re.IGNORECASE,
)
_USED_RE = re.compile(
    r"контраст\w*|\bболюсн\w*|артериальн\w* фаз\w*|венозн\w* фаз\w*|портальн\w* фаз\w*|"
    r"отсроченн\w* фаз\w*|ангиограф\w*|ангиопульмонограф\w*|гадолини\w*",
    re.IGNORECASE,
)


def contrast_used(title: str, findings: str) -> bool:
    """True when the title or findings show that a contrast agent was given."""
    if _NEGATED_RE.search(title):
        return False
    if _USED_RE.search(title):
        return True
    without_negations = _NEGATED_RE.sub(" ", findings)
    return bool(_USED_RE.search(without_negations))
