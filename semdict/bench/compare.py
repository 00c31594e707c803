"""``--compare previous.json``: what changed since an earlier run, metric by metric."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from semdict.errors import UsageError

RATE_METRICS = ("wer", "cer", "wer_spoken", "term_accuracy", "field_accuracy")
PERFORMANCE_METRICS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("real-time factor", ("rtf",), ""),
    ("partial latency p95", ("partial_latency_s", "p95"), "s"),
    ("final latency p50", ("final_latency_s", "p50"), "s"),
    ("final latency p95", ("final_latency_s", "p95"), "s"),
    ("throughput", ("throughput_x",), "×"),
    ("peak memory", ("peak_rss_mb",), "MB"),
)


def load_report(path: Path) -> dict[str, Any]:
    try:
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"--compare {path}: cannot read a bench report ({exc})") from exc
    if "pipelines" not in report or "performance" not in report:
        raise UsageError(f"--compare {path}: not a JSON report written by semdict bench --json")
    return report


def _dig(data: Any, keys: tuple[str, ...]) -> float | None:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return float(data) if isinstance(data, int | float) else None


def _row(label: str, old: float | None, new: float | None, unit: str, scale: float) -> str:
    if old is None or new is None:
        return ""
    fmt = "{:.1f}" if scale == 100 or unit == "MB" else "{:.3f}"
    delta = (new - old) * scale
    sign = "+" if delta > 0 else ""
    return (
        f"| {label} | {fmt.format(old * scale)} {unit} | {fmt.format(new * scale)} {unit} | "
        f"{sign}{fmt.format(delta)} |"
    )


def deltas(previous: dict[str, Any], current: dict[str, Any]) -> str:
    """A markdown table: previous → current and the difference (rates in points)."""
    lines = ["| metric | previous | now | Δ |", "|---|---|---|---|"]
    notes = []
    for key in ("mode",):
        if previous.get(key) != current.get(key):
            notes.append(f"note: {key} differs ({previous.get(key)} → {current.get(key)})")
    if previous.get("corpus", {}).get("recordings") != current["corpus"]["recordings"]:
        notes.append("note: the runs scored different recordings; deltas mix corpus and system")
    for pipeline, now in current["pipelines"].items():
        before = previous["pipelines"].get(pipeline)
        if before is None:
            continue
        for metric in RATE_METRICS:
            label = f"{pipeline} {metric.replace('_', ' ')}"
            lines.append(_row(label, _dig(before, (metric,)), _dig(now, (metric,)), "%", 100))
    for label, keys, unit in PERFORMANCE_METRICS:
        old, new = _dig(previous["performance"], keys), _dig(current["performance"], keys)
        lines.append(_row(label, old, new, unit, 1))
    return "\n".join([*notes, *(line for line in lines if line)]) + "\n"
