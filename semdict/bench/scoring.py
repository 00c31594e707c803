"""Per-recording scores: error counts (not rates) so that corpus rates are sums of counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from semdict.bench.fields import field_matches, structured
from semdict.bench.pipelines import Pipeline, apply, spoken_form
from semdict.bench.results import Recognised
from semdict.bench.terms import medical_terms, term_hits
from semdict.metrics import char_errors, word_errors


@dataclass(frozen=True)
class Counts:
    errors: int
    """Edits for WER/CER; for terms, the terms found (hits)."""
    total: int


@dataclass
class PipelineScore:
    text: str
    wer: Counts
    cer: Counts
    wer_spoken: Counts
    terms: Counts
    fields: dict[str, bool] | None = None
    report: dict[str, Any] | None = None


@dataclass
class FileScore:
    id: str
    voice: str
    template: str | None
    audio_s: float
    elapsed_s: float
    raw: str
    partial_latencies: list[float]
    final_latencies: list[float]
    reconnects: int = 0
    pipelines: dict[str, PipelineScore] = field(default_factory=dict)


def score(result: Recognised, pipelines: tuple[Pipeline, ...], specialty: str | None) -> FileScore:
    d = result.recording.dictation
    terms = medical_terms(d.written, d.terms)
    spoken_ref = spoken_form(d.spoken, corrected=False, template_id=d.template, specialty=specialty)
    out = FileScore(
        id=d.id,
        voice=result.recording.voice,
        template=d.template,
        audio_s=result.audio_s,
        elapsed_s=result.elapsed_s,
        raw=result.raw,
        partial_latencies=result.partial_latencies,
        final_latencies=result.final_latencies,
        reconnects=result.reconnects,
    )
    for pipeline in pipelines:
        text = result.server_text if pipeline == "full" and result.server_text is not None else None
        if text is None:
            text = apply(pipeline, result.raw, d.template, specialty, result.words)
        spoken_hyp = spoken_form(
            result.raw, corrected=pipeline != "raw", template_id=d.template, specialty=specialty
        )
        ps = PipelineScore(
            text=text,
            wer=Counts(*word_errors(d.written, text)),
            cer=Counts(*char_errors(d.written, text)),
            wer_spoken=Counts(*word_errors(spoken_ref, spoken_hyp)),
            terms=Counts(term_hits(terms, text), len(terms)),
        )
        if pipeline == "full" and d.fields:
            ps.report = structured(text, d.template)
            ps.fields = field_matches(d.fields, ps.report)
        out.pipelines[pipeline] = ps
    return out
