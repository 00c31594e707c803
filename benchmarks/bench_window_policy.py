"""How should the streaming server size its decoder windows? (docs/streaming.md)

Simulates the streaming pipeline offline on the dev corpus — streaming VAD, utterance
segmentation, one decode per utterance with the previous finals as prompt — and compares its
document WER and decode time with faster-whisper's own offline transcription of the same files
(the baseline, run in the same process).

    .venv/bin/python benchmarks/bench_window_policy.py [--limit N] [--voices anna,aleksandr]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

from asr.audio import load_audio
from asr.decoder import DecodeOptions, DecodeRequest, WindowDecoder, WindowPolicy
from asr.engine import Engine, EngineOptions
from asr.model_store import resolve_model_dir
from asr.segmenter import Segmenter, SegmenterOptions
from asr.vad import StreamingVad
from server.settings import default_cache_dir

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"


def words(text: str) -> list[str]:
    return re.findall(r"[a-zа-я0-9]+(?:,[0-9]+)?", text.lower().replace("ё", "е"))


def utterances(audio: np.ndarray, seg_opts: SegmenterOptions) -> list[tuple[int, int]]:
    vad = StreamingVad()
    seg = Segmenter(seg_opts)
    out: list[tuple[int, int]] = []
    step = 1600  # 100 ms frames, as a client sends them
    for i in range(0, audio.size, step):
        for c in seg.feed(vad(audio[i : i + step]).tolist()):
            out.append((c.start, c.end))
    last = seg.force_close()
    if last:
        out.append((last.start, last.end))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--voices", default="anna,aleksandr")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = [json.loads(x) for x in (CORPUS / "dictations.jsonl").open(encoding="utf-8")]
    rows = rows[args.offset :]
    if args.limit:
        rows = rows[: args.limit]
    engine = Engine(EngineOptions(model_dir=resolve_model_dir(None, default_cache_dir())))
    sil250 = SegmenterOptions(min_silence_ms=250)
    sil600 = SegmenterOptions(min_silence_ms=600)
    variants = {
        "b2_m0.3_sil250": (WindowPolicy(bucket_s=2.0), sil250),
        "b2_m2_sil250": (WindowPolicy(bucket_s=2.0, margin_s=2.0), sil250),
        "b2_m2_min10_sil250": (WindowPolicy(bucket_s=2.0, margin_s=2.0, min_s=10.0), sil250),
        "b2_m4_min15_sil250": (WindowPolicy(bucket_s=2.0, margin_s=4.0, min_s=15.0), sil250),
        "pad30_sil250": (WindowPolicy(bucket_s=0.0), sil250),
        "b2_m2_min10_sil600": (WindowPolicy(bucket_s=2.0, margin_s=2.0, min_s=10.0), sil600),
    }
    errors = {k: 0 for k in ["offline", *variants]}
    cost = {k: 0.0 for k in errors}
    n_ref = 0
    n_utt = 0
    for row in rows:
        for voice in args.voices.split(","):
            audio = load_audio(CORPUS / "audio" / f"{row['id']}_{voice}.flac")
            ref = words(row["spoken"])
            n_ref += len(ref)
            t0 = time.perf_counter()
            offline = engine.transcribe(audio).text
            cost["offline"] += time.perf_counter() - t0
            errors["offline"] += Levenshtein.distance(ref, words(offline))
            for name, (policy, seg_opts) in variants.items():
                decoder = WindowDecoder(engine, policy)
                texts: list[str] = []
                spans = utterances(audio, seg_opts)
                n_utt += len(spans)
                t0 = time.perf_counter()
                for start, end in spans:
                    req = DecodeRequest(audio[start:end], " ".join(texts)[-400:], DecodeOptions())
                    texts.append(decoder.decode([req])[0].text)
                cost[name] += time.perf_counter() - t0
                errors[name] += Levenshtein.distance(ref, words(" ".join(texts)))
            print(row["id"], voice, {k: round(v / n_ref, 4) for k, v in errors.items()}, flush=True)
    report = {
        k: {"wer_spoken": round(errors[k] / n_ref, 4), "decode_s": round(cost[k], 1)}
        for k in errors
    }
    report["_utterances"] = {"count": n_utt}
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
