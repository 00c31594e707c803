"""Fields from reports another author wrote: the template is found and the fields are right."""

from benchmarks.bench_fields import evaluate


def test_blind_reports_are_structured() -> None:
    for split in ("tune", "holdout"):
        right, total, undetected = evaluate(split)
        assert sum(total.values()) == 100
        assert undetected <= 1, split
        assert sum(right.values()) >= 85, (split, right)
