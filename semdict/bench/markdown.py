"""The report as markdown tables (stdout and ``--markdown FILE``)."""

from __future__ import annotations

from typing import Any

from semdict.metrics import TOKENISATION


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _with_ci(summary: dict[str, Any], metric: str) -> str:
    low, high = summary[f"{metric}_ci95"]
    return f"{_pct(summary[metric])} [{low * 100:.1f}–{high * 100:.1f}]"


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def accuracy_table(report: dict[str, Any]) -> list[str]:
    pipelines: dict[str, Any] = report["pipelines"]
    has_fields = any("field_accuracy" in s for s in pipelines.values())
    head = "| pipeline | WER vs written | CER vs written | WER vs spoken | medical terms |"
    rule = "|---|---|---|---|---|"
    if has_fields:
        head, rule = head + " fields |", rule + "---|"
    lines = [head, rule]
    for name, s in pipelines.items():
        row = (
            f"| {name} | {_with_ci(s, 'wer')} | {_with_ci(s, 'cer')} | "
            f"{_with_ci(s, 'wer_spoken')} | {_with_ci(s, 'term_accuracy')} |"
        )
        if has_fields:
            row += f" {_pct(s.get('field_accuracy'))} |"
        lines.append(row)
    return lines


def voice_table(report: dict[str, Any]) -> list[str]:
    pipelines: dict[str, Any] = report["pipelines"]
    voices = sorted({v for s in pipelines.values() for v in s["voices"]})
    lines = [
        "| pipeline | " + " | ".join(f"WER {v}" for v in voices) + " | spread (max − min) |",
        "|---|" + "---|" * (len(voices) + 1),
    ]
    for name, s in pipelines.items():
        cells = " | ".join(_pct(s["voices"][v]["wer"]) for v in voices)
        lines.append(f"| {name} | {cells} | {s['voice_spread_wer'] * 100:.1f} points |")
    return lines


def field_table(report: dict[str, Any]) -> list[str]:
    fields = report["pipelines"].get("full", {}).get("fields")
    if not fields:
        return []
    lines = ["| field | accuracy (full pipeline) |", "|---|---|"]
    lines += [f"| {name} | {_pct(value)} |" for name, value in fields.items()]
    return lines


def performance_table(report: dict[str, Any]) -> list[str]:
    perf: dict[str, Any] = report["performance"]
    rows = [
        ("audio", f"{perf['audio_s'] / 60:.1f} min in {report['corpus']['recordings']} files"),
        ("wall time", _seconds(perf["wall_s"])),
        ("model load", _seconds(perf["model_load_s"])),
        ("peak memory (RSS)", f"{perf['peak_rss_mb']:.0f} MB"),
    ]
    if report["mode"] == "offline":
        rows.append(("real-time factor (model time / audio)", f"{perf['rtf']:.3f}"))
        per = perf["per_file_s"]
        rows.append(("time per file p50 / p95", f"{_seconds(per['p50'])} / {_seconds(per['p95'])}"))
    else:
        part, final = perf["partial_latency_s"], perf["final_latency_s"]
        speed = "max" if perf["speed"] is None else f"{perf['speed']:g}× real time"
        rows += [
            ("streams × pacing", f"{perf['streams']} × {speed}"),
            ("partial latency p50 / p95", f"{_seconds(part['p50'])} / {_seconds(part['p95'])}"),
            ("final latency p50 / p95", f"{_seconds(final['p50'])} / {_seconds(final['p95'])}"),
            ("throughput (audio / wall time)", f"{perf['throughput_x']:.2f}×"),
            (
                f"{perf['streams']} real-time streams, p95 final ≤ {perf['latency_bound_s']:g} s",
                "yes" if perf["realtime_streams_ok"] else "no",
            ),
        ]
    return ["| performance | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]


def render(report: dict[str, Any]) -> str:
    corpus, machine = report["corpus"], report["machine"]
    parts = [
        f"## semdict bench: {report['mode']}, {corpus['name']}",
        "",
        f"{corpus['dictations']} dictations, {corpus['recordings']} recordings, voices: "
        f"{', '.join(corpus['voices'])}. Model {machine['model']} on {machine['device']}/"
        f"{machine['compute_type']} ({machine.get('workers', 1)} workers × "
        f"{machine['cpu_threads']} threads, "
        f"{machine['cpu_count']} cores{', ' + machine['gpu'] if machine.get('gpu') else ''}).",
        f"Tokens: {TOKENISATION} Brackets: bootstrap 95 % CI over dictations.",
        "",
        *accuracy_table(report),
        "",
        *voice_table(report),
    ]
    if fields := field_table(report):
        parts += ["", *fields]
    parts += ["", *performance_table(report)]
    return "\n".join(parts) + "\n"
