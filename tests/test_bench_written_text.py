"""Correct radiology text keeps its words through the text stage (benchmark's own sets)."""

from benchmarks.bench_written_text import SETS, measure


def test_held_out_dictations_written_text_is_left_as_written() -> None:
    path, key = SETS["held-out"]
    result = measure(path, key)
    assert result.words > 1000
    assert result.changes == []
