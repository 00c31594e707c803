"""Where the benchmark ran: every figure in a report is only meaningful with this beside it."""

from __future__ import annotations

import platform
import resource
import sys

from asr.engine import Engine, available_cores


def peak_rss_mb() -> float:
    """Peak resident memory of this process (the model and, when started here, the server)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def describe(engine: Engine | None, url: str | None) -> dict[str, object]:
    out: dict[str, object] = {
        "cpu_count": available_cores(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    if engine is None:
        out.update(model=f"remote server {url}", device="remote", compute_type="?", cpu_threads=0)
        return out
    out.update(
        model=engine.options.model_dir.name,
        device=engine.device,
        compute_type=engine.compute_type,
        cpu_threads=engine.threads,
        workers=engine.workers,
        beam_size=engine.options.beam_size,
    )
    return out
