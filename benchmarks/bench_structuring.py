"""Structuring + СЭМД benchmark on the dev corpus ``written`` texts.

Reports: share of СЭМД passing XSD + schematron, field exactness per field, МКБ-10 top-1 and
p50/p95 time of structuring + XML + validation per document (after a warm-up).

    .venv/bin/python -m benchmarks.bench_structuring [--corpus PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from semd_templates import resources_path
from structuring.api import SemdContext, build_semd, structure, validate_semd, warm_up

DEFAULT_CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev" / ("dictations.jsonl")
)
FIELDS = (
    "conclusion",
    "recommendations",
    "modality",
    "area",
    "contrast",
    "laterality",
    "measurements_mm",
)
TARGETS = {"valid": 1.0, "fields": 0.95, "icd10": 0.80, "p95_ms": 100.0}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(corpus: Path) -> dict[str, object]:
    items = [json.loads(line) for line in corpus.read_text("utf-8").splitlines() if line]
    context = SemdContext.model_validate_json(
        resources_path("example_context.json").read_text("utf-8")
    )
    warm_up()
    # A long-running server is warm: load the FNSI directories and let Saxon's JIT settle.
    for item in items[:5]:
        validate_semd(build_semd(structure(item["written"]), context))
    exact = dict.fromkeys(FIELDS, 0)
    valid = icd_hits = 0
    timings: list[float] = []
    misses: list[str] = []
    for item in items:
        start = time.perf_counter()
        report = structure(item["written"])
        validation = validate_semd(build_semd(report, context))
        timings.append((time.perf_counter() - start) * 1000)
        valid += validation.valid
        values = report.model_dump(mode="json")
        for name in FIELDS:
            if values[name] == item["fields"][name]:
                exact[name] += 1
            else:
                misses.append(f"{item['id']} {name}: {values[name]!r} != {item['fields'][name]!r}")
        suggested = report.icd10.code if report.icd10 else None
        icd_hits += suggested == item["fields"]["icd10"]
        if suggested != item["fields"]["icd10"]:
            misses.append(f"{item['id']} icd10: {suggested} != {item['fields']['icd10']}")
    n = len(items)
    return {
        "documents": n,
        "valid_share": valid / n,
        "field_exact": {name: exact[name] / n for name in FIELDS},
        "fields_exact_overall": sum(exact.values()) / (n * len(FIELDS)),
        "icd10_top1": icd_hits / n,
        "p50_ms": statistics.median(timings),
        "p95_ms": _percentile(timings, 0.95),
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = parser.parse_args()
    result = run(args.corpus)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    field_exact = result["field_exact"]
    assert isinstance(field_exact, dict)
    print(f"documents: {result['documents']}")
    print(f"valid СЭМД (XSD + schematron): {result['valid_share']:.1%}  (target 100 %)")
    for name, share in field_exact.items():
        print(f"  {name:16s} exact: {share:.1%}")
    print(f"fields exact overall: {result['fields_exact_overall']:.1%}  (target ≥ 95 %)")
    print(f"МКБ-10 top-1: {result['icd10_top1']:.1%}  (target ≥ 80 %)")
    print(f"p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms  (target p95 ≤ 100 ms)")
    misses = result["misses"]
    assert isinstance(misses, list)
    for miss in misses:
        print(f"  miss {miss}")


if __name__ == "__main__":
    main()
