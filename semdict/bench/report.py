"""The JSON report: options, corpus, summaries, and every hypothesis so others can re-score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from semdict import __version__
from semdict.bench.corpus import Recording
from semdict.bench.scoring import FileScore
from semdict.bench.summary import RunInfo, performance_summary, pipeline_summary
from semdict.metrics import TOKENISATION

SCHEMA_VERSION = 1


def build_report(
    *,
    corpus: Path,
    recordings: Sequence[Recording],
    files: Sequence[FileScore],
    pipelines: Sequence[str],
    info: RunInfo,
    machine: dict[str, object],
    options: dict[str, object],
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "semdict_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": info.mode,
        "options": options,
        "corpus": {
            "name": corpus.resolve().name,
            "path": str(corpus),
            "dictations": len({r.dictation.id for r in recordings}),
            "recordings": len(recordings),
            "voices": sorted({r.voice for r in recordings}),
        },
        "machine": machine,
        "method": {
            "tokenisation": TOKENISATION,
            "wer_spoken": "the pipeline's words before commands, numbers normalised, against "
            "the spoken text normalised the same way",
            "ci": "bootstrap 95 % percentile interval, 2000 resamples of dictations, seed 0",
        },
        "pipelines": {p: pipeline_summary(files, p) for p in pipelines},
        "performance": performance_summary(files, info),
        "files": [asdict(f) for f in files],
    }
