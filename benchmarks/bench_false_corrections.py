"""False corrections on real clinical text: what the text pipeline changes in sentences doctors
wrote correctly (``../shared/corpus/clinical_text/``, read in place).

Every change the correction stage makes is looked up in the hand labels
(``benchmarks/data/clinical_text_labels.tsv``): ``typo_fix`` (a misspelling set right),
``wrong_fix`` (a misspelling made into another wrong word), ``false`` (a correct word changed);
an unlabeled change counts as false. The sentences are split in two halves (even / odd lines)
reported apart. Text without audio, as ``semdict postprocess`` sees it.

    python -m benchmarks.bench_false_corrections [--limit N] [--max-false-per-1000 X]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from structuring.postprocess import postprocess
from vocabularies.evidence import changes_meaning
from vocabularies.loader import load_vocabulary

CORPUS = (
    Path(os.environ.get("SEMDICT_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    / "corpus"
    / "clinical_text"
    / "anamnesis_sentences.txt"
)
LABELS = Path(__file__).resolve().parent / "data" / "clinical_text_labels.tsv"


def load_labels(path: Path = LABELS) -> dict[tuple[str, str], str]:
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("raw\t") or not line.strip():
            continue
        raw, corrected, label = line.split("\t")
        labels[(raw, corrected)] = label
    return labels


@dataclass
class Tally:
    sentences: int = 0
    words: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, label: str, example: str) -> None:
        self.changes[label] += 1
        self.examples.setdefault(label, [])
        if example not in self.examples[label]:
            self.examples[label].append(example)

    @property
    def false(self) -> int:
        return self.changes["false"] + self.changes["unlabeled"] + self.changes["meaning"]

    def per_1000(self, count: int) -> float:
        return 1000.0 * count / max(self.words, 1)


def run(sentences: list[str], labels: dict[tuple[str, str], str]) -> Tally:
    tally = Tally()
    is_word = load_vocabulary("general").is_valid
    for sentence in sentences:
        result = postprocess(sentence, normalise=False, commands=False)
        tally.sentences += 1
        tally.words += len(sentence.split())
        for correction in result.corrections:
            key = (correction.raw.lower(), correction.corrected.lower())
            example = f"{correction.raw} → {correction.corrected}"
            if changes_meaning(correction.raw, correction.corrected, is_word=is_word):
                tally.add("meaning", example)
            else:
                tally.add(labels.get(key, "unlabeled"), example)
    return tally


def _report(name: str, tally: Tally) -> None:
    print(f"## {name}: {tally.sentences} sentences, {tally.words} words")
    changed = sum(tally.changes.values())
    print(f"changed words: {changed} ({tally.per_1000(changed):.2f} per 1,000 words)")
    print(
        f"false corrections (false + unlabeled + meaning): {tally.false} "
        f"({tally.per_1000(tally.false):.2f} per 1,000 words = "
        f"{tally.per_1000(tally.false) / 10:.3f} %)"
    )
    for label, count in tally.changes.most_common():
        shown = "; ".join(tally.examples[label][:8])
        print(f"  {label}: {count}  e.g. {shown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="first N sentences only")
    parser.add_argument(
        "--max-false-per-1000",
        type=float,
        default=None,
        help="exit 1 if false corrections exceed this many per 1,000 words",
    )
    args = parser.parse_args(argv)
    sentences = args.corpus.read_text(encoding="utf-8").splitlines()
    if args.limit:
        sentences = sentences[: args.limit]
    labels = load_labels()
    started = time.perf_counter()
    halves = {"even lines": sentences[0::2], "odd lines": sentences[1::2]}
    tallies = {name: run(part, labels) for name, part in halves.items()}
    total = Tally()
    for name, tally in tallies.items():
        _report(name, tally)
        total.sentences += tally.sentences
        total.words += tally.words
        total.changes.update(tally.changes)
    print(
        f"## all: {total.words} words, false {total.false} "
        f"({total.per_1000(total.false):.2f} per 1,000), "
        f"{time.perf_counter() - started:.1f} s"
    )
    limit = args.max_false_per_1000
    if limit is not None and total.per_1000(total.false) > limit:
        print(f"FAIL: more than {limit} false corrections per 1,000 words", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
