"""PNG plots: WER per voice and pipeline, and the latency CDF (``--plots DIR``).

matplotlib is an optional extra (``pip install 'semdict[bench]'``): a dictation server does
not need a plotting stack, so it is imported only when plots are asked for.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from semdict.errors import UsageError

MISSING = (
    "--plots needs matplotlib, which is not installed: pip install 'semdict[bench]' "
    "(or run without --plots)"
)


def require_matplotlib() -> None:
    """Fail before a long run, not after it."""
    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError(MISSING)


def wer_per_voice(report: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 - optional dependency, see the module docstring

    matplotlib.use("Agg")  # files only: no display on servers and in CI
    import matplotlib.pyplot as plt  # noqa: PLC0415

    pipelines: dict[str, Any] = report["pipelines"]
    voices = sorted({v for s in pipelines.values() for v in s["voices"]})
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(len(pipelines), 1)
    x = np.arange(len(voices))
    for i, (name, s) in enumerate(pipelines.items()):
        values = [s["voices"][v]["wer"] * 100 for v in voices]
        bars = ax.bar(x + i * width, values, width, label=name)
        ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_xticks(x + width * (len(pipelines) - 1) / 2, voices)
    ax.set_ylabel("WER vs written, %")
    ax.set_title(f"WER per voice ({report['mode']}, {report['corpus']['name']})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def latency_cdf(report: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    files: list[dict[str, Any]] = report["files"]
    if report["mode"] == "offline":
        series = {"time per file": [f["elapsed_s"] for f in files]}
    else:
        series = {
            "partial": [x for f in files for x in f["partial_latencies"]],
            "final": [x for f in files for x in f["final_latencies"]],
        }
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, values in series.items():
        if values:
            xs = np.sort(np.asarray(values))
            ax.step(xs, np.arange(1, xs.size + 1) / xs.size, where="post", label=label)
    ax.set_xlabel("seconds")
    ax.set_ylabel("share of events")
    ax.set_title(f"Latency CDF ({report['mode']})")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_plots(report: dict[str, Any], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "wer_per_voice.png", folder / "latency_cdf.png"]
    wer_per_voice(report, paths[0])
    latency_cdf(report, paths[1])
    return paths
