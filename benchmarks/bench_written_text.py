"""Correct radiology text typed into the text stage: every word that comes out different.

Three sets of correctly written radiology text, each reported apart:
``blind`` (80 conclusions another author wrote for the МКБ-10 blind set, never seen by the
engine's authors before it was measured), ``held-out`` (the 24 dictations of
``benchmarks/unseen/``) and ``dev`` (the 28 dev dictations' written text, read in place).
Text without audio, as ``semdict postprocess`` and ``POST /v1/text/postprocess`` see it: all
stages run (normalisation, commands, dictionaries, grammar), and any word of the output that
differs from the input counts (case and punctuation aside).

    python -m benchmarks.bench_written_text [--verbose]
"""

from __future__ import annotations

import argparse
import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.metrics import wer_tokens
from structuring.postprocess import postprocess

HERE = Path(__file__).resolve().parent
SETS = {
    "blind": (HERE / "data" / "icd10_blind.jsonl", "conclusion"),
    "held-out": (HERE / "unseen" / "dictations.jsonl", "written"),
    "dev": (HERE.parents[1] / "shared" / "corpus" / "dev" / "dictations.jsonl", "written"),
}


@dataclass
class Result:
    words: int = 0
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    """(row id, written words, words that came out)."""

    @property
    def per_thousand(self) -> float:
        return 1000 * len(self.changes) / max(self.words, 1)


def measure(path: Path, key: str) -> Result:
    result = Result()
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        written = wer_tokens(row[key])
        produced = wer_tokens(postprocess(row[key], template_id=row.get("template")).text)
        result.words += len(written)
        matcher = difflib.SequenceMatcher(a=written, b=produced, autojunk=False)
        result.changes += [
            (str(row["id"]), " ".join(written[a1:a2]), " ".join(produced[b1:b2]))
            for op, a1, a2, b1, b2 in matcher.get_opcodes()
            if op != "equal"
        ]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="list every change")
    args = parser.parse_args()
    for name, (path, key) in SETS.items():
        if not path.exists():
            print(f"{name:9s} skipped: {path} not found")
            continue
        result = measure(path, key)
        print(
            f"{name:9s} {result.words:6d} words, {len(result.changes)} changed "
            f"({result.per_thousand:.2f} per 1,000)"
        )
        if args.verbose:
            for row, written, produced in result.changes:
                print(f"    {row}: «{written}» → «{produced}»")


if __name__ == "__main__":
    main()
