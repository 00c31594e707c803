"""Dictionaries and normalisation on the path users get: the streaming server's finals.

Simulates a dictation session offline on the dev corpus exactly as the server runs it: audio in
100 ms chunks through the streaming VAD and the session's ``StreamPolicy`` (default segmenter,
guards, 300-character prompt tail), one beam-5 ``WindowDecoder`` decode per utterance with
``policy.prompt()`` — the template context prompt (``prompt_for``) when ``--prompt template``,
nothing when ``none`` — followed by the previous finals. The finals of every file are cached as
JSON lines (resumable); the document text is ``postprocess(" ".join(finals), template_id=...)``
as ``TextPipeline.document`` builds it, scored by ``bench_dictionaries.evaluate`` as recognised
(``asr``), + dictionaries, + dictionaries + ITN: WER vs ``written``, medical-term accuracy,
false corrections of ordinary words, per voice; plus false corrections on general Russian text.

    python -m benchmarks.bench_streaming_text decode --prompt none       # ~6-8 min on 2 cores
    python -m benchmarks.bench_streaming_text decode --prompt template
    python -m benchmarks.bench_streaming_text score [--json out.json]

Run one decode pass at a time (each uses both cores).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from asr.audio import Samples, load_audio
from asr.decoder import DecodeOptions, DecodeRequest, WindowDecoder
from asr.stream_policy import FinalJob, Job, PolicyOptions, StreamPolicy
from asr.vad import StreamingVad
from benchmarks.bench_dictionaries import evaluate, general_text_false_rate
from benchmarks.metrics import wer_tokens
from benchmarks.resumable import CORPUS_DIR, pending_jobs
from server.engine_factory import build_engine
from server.settings import Settings
from structuring.postprocess import postprocess
from vocabularies.prompt import prompt_for

CACHE = Path("/tmp/semdict_raw")
MODES = ("none", "template")
CHUNK = 1600
"""100 ms of 16 kHz audio, as a client sends it."""
FINAL_OPTIONS = DecodeOptions(beam_size=5)
"""The server's final options less word timestamps (they do not change the text)."""


def cache_path(mode: str, tag: str = "") -> Path:
    return CACHE / f"stream_{mode}{tag}.jsonl"


def stream_finals(
    decoder: WindowDecoder, audio: Samples, context_prompt: str
) -> list[dict[str, object]]:
    """The session's finals for one recording: text after the guards, raw decode, span."""
    policy = StreamPolicy(PolicyOptions(context_prompt=context_prompt))
    vad = StreamingVad()
    finals: list[dict[str, object]] = []

    def decode(jobs: list[Job]) -> None:
        for job in jobs:
            if not isinstance(job, FinalJob):
                continue  # partials never change a final
            request = DecodeRequest(job.audio, policy.prompt(), FINAL_OPTIONS)
            result = decoder.decode([request])[0]
            final = policy.on_final(
                job,
                result.text,
                no_speech_prob=result.no_speech_prob,
                avg_logprob=result.avg_logprob,
                compression_ratio=result.compression_ratio,
            )
            finals.append(
                {
                    "text": final.text,
                    "raw": final.raw,
                    "start_s": final.start_s,
                    "end_s": final.end_s,
                }
            )

    for i in range(0, audio.size, CHUNK):
        chunk = audio[i : i + CHUNK]
        decode(policy.feed(chunk, vad(chunk).tolist()))
    decode(policy.end_utterance())
    return finals


def decode_corpus(mode: str, limit: int | None, tag: str = "") -> Path:
    out_path = cache_path(mode, tag)
    CACHE.mkdir(parents=True, exist_ok=True)
    decoder = WindowDecoder(build_engine(Settings()))
    jobs = pending_jobs(out_path, limit)
    with out_path.open("a", encoding="utf-8") as sink:
        for item, voice in jobs:
            context = prompt_for(None, item["template"]) if mode == "template" else ""
            started = time.perf_counter()
            audio = load_audio(CORPUS_DIR / "audio" / f"{item['id']}_{voice}.flac")
            finals = stream_finals(decoder, audio, context)
            record = {
                "id": item["id"],
                "voice": voice,
                "prompt": context,
                "finals": finals,
                "text": " ".join(str(f["text"]) for f in finals if str(f["text"]).strip()),
                "elapsed_s": round(time.perf_counter() - started, 2),
            }
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            sink.flush()
            print(f"{item['id']}_{voice}: {record['elapsed_s']} s", file=sys.stderr, flush=True)
    return out_path


def reference_false_rate() -> tuple[int, int]:
    """(words changed by corrections, words) on the corpus references themselves: correct
    radiology Russian, so every correction there is a false one (``spoken`` has numbers as
    words, ``written`` as digits)."""
    changed = words = 0
    for line in (CORPUS_DIR / "dictations.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        for text in (str(item["written"]), str(item["spoken"])):
            result = postprocess(
                text, template_id=item["template"], normalise=False, commands=False
            )
            changed += sum(len(wer_tokens(c.raw)) for c in result.corrections)
            words += len(wer_tokens(text))
    return changed, words


def score(json_out: Path | None, tag: str = "") -> None:
    report: dict[str, object] = {}
    print(f"{'prompt':<9} {'voice':<10} {'system':<10} {'WER':>7} {'terms':>7} {'false':>7}")
    for mode in MODES:
        path = cache_path(mode, tag)
        if not path.exists():
            print(f"{mode}: no transcripts at {path} (run decode --prompt {mode})")
            continue
        n = len(path.read_text(encoding="utf-8").splitlines())
        results = evaluate(path)
        report[mode] = {"files": n, **results}
        for voice, systems in results.items():
            for system, row in systems.items():
                print(
                    f"{mode:<9} {voice:<10} {system:<10} {row['wer']:7.1%} "
                    f"{row['term_accuracy']:7.1%} {row['false_correction_rate']:7.2%}"
                )
        print(f"({n} files)")
    changed, words = general_text_false_rate()
    report["general"] = {"changed": changed, "words": words}
    print(f"general Russian text: {changed} of {words} words changed ({changed / words:.2%})")
    changed, words = reference_false_rate()
    report["references"] = {"changed": changed, "words": words}
    print(
        f"correct radiology text (references written + spoken): {changed} of {words} words "
        f"changed ({changed / words:.2%})"
    )
    if json_out:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    dec = sub.add_parser("decode", help="simulate the streaming finals (model pass)")
    dec.add_argument("--prompt", choices=MODES, required=True)
    dec.add_argument("--limit", type=int, help="only the first N files (smoke test)")
    dec.add_argument("--tag", default="", help="cache name suffix (e.g. a decoder version)")
    sc = sub.add_parser("score", help="score the cached finals")
    sc.add_argument("--json", type=Path)
    sc.add_argument("--tag", default="", help="score the caches with this suffix")
    args = parser.parse_args(argv)
    if args.command == "decode":
        print(f"finals: {decode_corpus(args.prompt, args.limit, args.tag)}")
    else:
        score(args.json, args.tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
