"""Template fields from written reports nobody tuned to, with the template detected.

``benchmarks/data/fields_blind.jsonl``: 40 radiology reports written by a separate author who
saw neither this engine nor the dev corpus (other areas: sinuses, temporal bones, orbits, leg
veins, aorta, feet…; careless typing in a quarter of them), each with its modality, area,
contrast, laterality and sizes. Odd ids are ``tune`` (their misses were read while fixing
template detection and the area phrase, 2026-12-01), even ids ``holdout`` (never listed).
No template id is passed: detection is part of what is measured.

    python -m benchmarks.bench_fields [--verbose]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from semdict.bench.fields import field_matches, structured

BLIND = Path(__file__).resolve().parent / "data" / "fields_blind.jsonl"


def evaluate(split: str, verbose: bool = False) -> tuple[Counter[str], Counter[str], int]:
    """(right per field, rows per field, reports whose template was not detected)."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    undetected = 0
    for line in BLIND.read_text("utf-8").splitlines():
        row = json.loads(line)
        if row["split"] != split:
            continue
        report = structured(row["written"], None)
        undetected += report is None
        for name, ok in field_matches(row["fields"], report).items():
            total[name] += 1
            right[name] += ok
            if verbose and split == "tune" and not ok:
                got = report.get(name) if report else "no template"
                print(f"  {row['id']} {name}: want {row['fields'][name]!r}, got {got!r}")
    return right, total, undetected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="list the tune half's misses")
    args = parser.parse_args()
    for split in ("tune", "holdout"):
        right, total, undetected = evaluate(split, args.verbose)
        share = sum(right.values()) / max(sum(total.values()), 1)
        fields = "  ".join(f"{name} {right[name]}/{total[name]}" for name in total)
        print(f"{split:8s} exact {share:.1%}  {fields}  template undetected {undetected}")


if __name__ == "__main__":
    main()
