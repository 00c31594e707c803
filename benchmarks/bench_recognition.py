"""Run the bundled model on the dev corpus with and without the session's context prompt.

Each configuration's transcripts are cached as JSON lines (one per file, resumable) so that
``bench_dictionaries`` can score them: raw vs +prompt vs +prompt+dictionaries+ITN.

    python -m benchmarks.bench_recognition --prompt template --nbest 5   # ~20 min on 2 cores
    python -m benchmarks.bench_recognition --prompt generic              # ~10 min
    python -m benchmarks.bench_dictionaries --raw /tmp/semdict_raw/prompt_template.jsonl

``--prompt template`` uses the prompt of each dictation's template (a session knows its
template); ``generic`` the general radiology prompt (template unknown); ``none`` no prompt.
``--nbest N`` also re-decodes the audio in 6–12 s windows cut at pauses (as the streaming server
does) and keeps its N best hypotheses, for the n-best rescoring measured by bench_dictionaries.
Audio is read in place from the corpus folder.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

from asr.audio import SAMPLE_RATE, Samples, load_audio
from asr.decoder import DecodeOptions, DecodeRequest, WindowDecoder
from asr.engine import Engine
from benchmarks.resumable import CORPUS_DIR, pending_jobs
from server.engine_factory import build_engine
from server.settings import Settings
from vocabularies.prompt import prompt_for

CACHE = Path("/tmp/semdict_raw")
CONTEXT_WORDS = 40
"""Previous words of the dictation added to the prompt of a re-decoded segment."""


def session_prompt(mode: str, template: str) -> str | None:
    if mode == "template":
        return prompt_for(None, template)
    if mode == "generic":
        return prompt_for(None, None)
    return None


def pause_cuts(audio: Samples, min_s: float = 6.0, max_s: float = 12.0) -> list[int]:
    """Window boundaries (samples) at the quietest 20 ms frame 6–12 s after the previous cut,
    like the utterance windows of the streaming server."""
    frame = SAMPLE_RATE // 50
    energy = np.convolve(np.square(audio[: audio.size // frame * frame]), np.ones(frame), "same")
    cuts, position = [0], 0
    while audio.size - position > max_s * SAMPLE_RATE:
        lo, hi = position + int(min_s * SAMPLE_RATE), position + int(max_s * SAMPLE_RATE)
        position = lo + int(np.argmin(energy[lo:hi]))
        cuts.append(position)
    cuts.append(audio.size)
    return cuts


def nbest_windows(
    decoder: WindowDecoder, audio: Samples, prompt: str | None, n: int
) -> list[list[tuple[str, float]]]:
    """The n best hypotheses of each pause-delimited window, in order."""
    out: list[list[tuple[str, float]]] = []
    previous: list[str] = []
    cuts = pause_cuts(audio)
    for start, end in itertools.pairwise(cuts):
        context = " ".join([prompt or "", *previous]).split()[-CONTEXT_WORDS:]
        request = DecodeRequest(
            audio[start:end],
            " ".join(context),
            DecodeOptions(beam_size=5, num_hypotheses=n, max_new_tokens=448),
        )
        result = decoder.decode([request])[0]
        hypotheses = [(h.text.strip(), h.score) for h in result.hypotheses]
        out.append(hypotheses)
        previous.append(hypotheses[0][0] if hypotheses else "")
    return out


def run(engine: Engine, mode: str, nbest: int, out_path: Path, limit: int | None) -> None:
    decoder = WindowDecoder(engine) if nbest > 1 else None
    jobs = pending_jobs(out_path, limit)
    with out_path.open("a", encoding="utf-8") as sink:
        for item, voice in jobs:
            audio_path = CORPUS_DIR / "audio" / f"{item['id']}_{voice}.flac"
            prompt = session_prompt(mode, item["template"])
            started = time.perf_counter()
            audio = load_audio(audio_path)
            transcript = engine.transcribe(audio, prompt=prompt)
            record: dict[str, object] = {
                "id": item["id"],
                "voice": voice,
                "prompt": prompt,
                "text": transcript.text,
                "duration_s": transcript.duration_s,
                "elapsed_s": transcript.elapsed_s,
                "segments": [
                    {"start": s.start, "end": s.end, "text": s.text, "avg_logprob": s.avg_logprob}
                    for s in transcript.segments
                ],
            }
            if decoder is not None:
                record["nbest"] = nbest_windows(decoder, audio, prompt, nbest)
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            sink.flush()
            print(f"{item['id']}_{voice}: {time.perf_counter() - started:.1f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompt", choices=("none", "template", "generic"), default="template")
    parser.add_argument("--nbest", type=int, default=0, help="n-best per segment (0: off)")
    parser.add_argument("--out", type=Path, help="default /tmp/semdict_raw/prompt_<mode>.jsonl")
    parser.add_argument("--limit", type=int, help="only the first N files (smoke test)")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    out_path = args.out or CACHE / f"prompt_{args.prompt}.jsonl"
    run(build_engine(Settings()), args.prompt, args.nbest, out_path, args.limit)
    print(f"transcripts: {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
