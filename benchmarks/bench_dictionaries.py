"""Dictionary + normalisation benchmark on the dev corpus.

Compares the transcripts of one recognition configuration (no prompt: ``offline_raw.jsonl``;
with the session prompt: ``prompt_template.jsonl`` / ``prompt_generic.jsonl`` written by
``benchmarks.bench_recognition``) as recognised (``asr``), + dictionary correction, + correction
and normalisation, and — where the file carries n-best windows — the window decoding's first
hypotheses vs the hypotheses chosen by dictionary rescoring:
document WER against ``written``, medical-term accuracy, false corrections of ordinary words,
per voice; plus false corrections on general Russian text with no medicine.

    python -m benchmarks.bench_dictionaries [--raw /tmp/semdict_raw/offline_raw.jsonl]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from benchmarks.metrics import wer_tokens, word_errors
from semdict.bench.terms import medical_terms, term_hits
from structuring.events import Correction
from structuring.postprocess import postprocess, warm_up
from vocabularies.loader import load_vocabulary
from vocabularies.rescore import rescore
from vocabularies.specialties import resolve_specialty

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev" / "dictations.jsonl"
RAW = Path("/tmp/semdict_raw/offline_raw.jsonl")
GENERAL = Path(__file__).resolve().parent / "data" / "general_ru.txt"


def _false_corrections(corrections: list[Correction], reference_tokens: Counter[str]) -> int:
    """Corrections that replaced words the reference has by words it has not."""
    false = 0
    for correction in corrections:
        raw = wer_tokens(correction.raw)
        fixed = wer_tokens(correction.corrected)
        if all(reference_tokens[t] for t in raw) and not all(reference_tokens[t] for t in fixed):
            false += len(raw)
    return false


def evaluate(raw_path: Path) -> dict[str, dict[str, dict[str, float]]]:
    references = {}
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        references[item["id"]] = item
    stats: dict[str, dict[str, Counter[str]]] = {}
    for line in raw_path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        reference = references[item["id"]]
        written, template = str(reference["written"]), str(reference["template"])
        listed = reference.get("terms")
        terms = medical_terms(written, listed if isinstance(listed, list) else None)
        reference_tokens = Counter(wer_tokens(written))
        ordinary_words = sum(1 for t in wer_tokens(item["text"]) if t not in set(terms))
        outputs = {
            "asr": postprocess(item["text"], correct=False, normalise=False, commands=False),
            "dicts": postprocess(
                item["text"], template_id=template, normalise=False, commands=False
            ),
            "dicts+itn": postprocess(item["text"], template_id=template),
        }
        if "nbest" in item:
            vocabulary = load_vocabulary(resolve_specialty(None, template))
            windows = [w for w in item["nbest"] if w]
            top1 = " ".join(w[0][0] for w in windows)
            chosen = " ".join(w[rescore([(t, s) for t, s in w], vocabulary)][0] for w in windows)
            outputs["win+dicts+itn"] = postprocess(top1, template_id=template)
            outputs["win+rescore+dicts+itn"] = postprocess(chosen, template_id=template)
        for voice in (item["voice"], "all"):
            for system, result in outputs.items():
                counter = stats.setdefault(voice, {}).setdefault(system, Counter())
                errors, length = word_errors(written, result.text)
                counter["errors"] += errors
                counter["words"] += length
                counter["terms"] += len(terms)
                counter["term_hits"] += term_hits(terms, result.text)
                counter["ordinary"] += ordinary_words
                counter["false"] += _false_corrections(result.corrections, reference_tokens)
    return {
        voice: {
            system: {
                "wer": c["errors"] / max(c["words"], 1),
                "term_accuracy": c["term_hits"] / max(c["terms"], 1),
                "false_correction_rate": c["false"] / max(c["ordinary"], 1),
            }
            for system, c in systems.items()
        }
        for voice, systems in stats.items()
    }


def general_text_false_rate(path: Path = GENERAL) -> tuple[int, int]:
    """(words changed by corrections, words) on text with no dictated medicine."""
    changed = words = 0
    for paragraph in path.read_text(encoding="utf-8").split("\n"):
        if not paragraph.strip():
            continue
        result = postprocess(paragraph, normalise=False, commands=False)
        changed += sum(len(wer_tokens(c.raw)) for c in result.corrections)
        words += len(wer_tokens(paragraph))
    return changed, words


def postprocess_ms(raw_path: Path, words: int = 60) -> tuple[float, float]:
    """(median, p95) milliseconds of the full postprocess of a ``words``-word final, warm."""
    warm_up(["pulmonology"])
    texts = [
        " ".join(json.loads(line)["text"].split()[:words])
        for line in raw_path.read_text(encoding="utf-8").splitlines()
    ]
    timings = []
    for text in texts:
        started = time.perf_counter()
        postprocess(text, specialty="pulmonology")
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw", type=Path, default=RAW, help="raw transcripts (JSON lines)")
    args = parser.parse_args(argv)
    raw_path = args.raw
    if not raw_path.exists():
        partial = raw_path.with_name(raw_path.stem + ".partial.jsonl")
        raw_path = partial if partial.exists() else raw_path
    results = evaluate(raw_path)
    print(f"raw transcripts: {raw_path}")
    print(f"{'voice':<10} {'system':<22} {'WER':>7} {'terms':>7} {'false':>7}")
    for voice, systems in results.items():
        for system, row in systems.items():
            print(
                f"{voice:<10} {system:<22} {row['wer']:7.1%} {row['term_accuracy']:7.1%} "
                f"{row['false_correction_rate']:7.2%}"
            )
    changed, words = general_text_false_rate()
    print(f"general Russian text: {changed} of {words} words changed ({changed / words:.2%})")
    median, p95 = postprocess_ms(raw_path)
    print(f"postprocess of a 60-word final (warm): median {median:.1f} ms, p95 {p95:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
