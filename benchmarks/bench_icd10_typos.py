"""МКБ-10 from conclusions with typing errors: how much a typist's slip costs, and how much
the spelled reading (`structuring.icd10_spelling`) wins back.

Every conclusion of the evaluation sets (`bench_icd10`) gets one typing error in each of its
two longest words of seven letters or more — a dropped, doubled, swapped or replaced letter,
drawn with a fixed seed — and is coded as written, with typos, and with typos read through
the text stage's typing corrections. Top-1 is counted as in `bench_icd10`.

    .venv/bin/python -m benchmarks.bench_icd10_typos [--seed N]
"""

from __future__ import annotations

import argparse
import random
import re

from benchmarks.bench_icd10 import (
    ABSTAIN,
    BLIND2_SET,
    BLIND3_SET,
    BLIND4_SET,
    BLIND5_SET,
    BLIND6_SET,
    BLIND_SET,
    EVAL_SET,
    Case,
    load_eval,
)
from structuring.icd10 import suggest_icd10
from structuring.icd10_spelling import spelled

_LONG_WORD = re.compile(r"[А-Яа-яЁё]{7,}")
_VOWELS = "аеиоуыя"


def with_typos(text: str, rng: random.Random, count: int = 2) -> str:
    """``text`` with one typing error in each of its ``count`` longest long words."""
    words = sorted(set(_LONG_WORD.findall(text)), key=lambda w: (-len(w), w))[:count]
    for word in words:
        at = rng.randrange(1, len(word) - 1)
        kind = rng.choice(("drop", "double", "swap", "replace"))
        if kind == "drop":
            slip = word[:at] + word[at + 1 :]
        elif kind == "double":
            slip = word[:at] + word[at] + word[at:]
        elif kind == "swap":
            slip = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        else:
            slip = word[:at] + rng.choice(_VOWELS) + word[at + 1 :]
        text = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", slip, text, count=1)
    return text


def right(case: Case, text: str) -> bool:
    top = suggest_icd10(text, case.modality).top
    if top is None:
        return not case.expected or ABSTAIN in case.expected
    return top.code in case.expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sets = (EVAL_SET, BLIND_SET, BLIND2_SET, BLIND3_SET, BLIND4_SET, BLIND5_SET, BLIND6_SET)
    cases = [
        case for path in sets for split in ("tune", "holdout") for case in load_eval(split, path)
    ]
    slipped = [with_typos(case.conclusion, rng) for case in cases]
    counts = {
        "as written": sum(right(c, c.conclusion) for c in cases),
        "as written, spelled": sum(right(c, spelled(c.conclusion)) for c in cases),
        "with typos": sum(right(c, t) for c, t in zip(cases, slipped, strict=True)),
        "with typos, spelled": sum(
            right(c, spelled(t)) for c, t in zip(cases, slipped, strict=True)
        ),
    }
    n = len(cases)
    base = counts["as written"]
    for label, value in counts.items():
        print(
            f"{label:22} top-1 {value / n:6.1%}  ({value} of {n}; {value / base:.2f} × as written)"
        )


if __name__ == "__main__":
    main()
