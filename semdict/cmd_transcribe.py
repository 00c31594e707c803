"""``semdict transcribe FILE...``: offline transcription of recorded dictations."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from asr.audio import AudioError, load_audio
from asr.engine import Transcript
from asr.model_store import ModelError
from semdict.errors import UsageError
from server.engine_factory import build_engine
from server.settings import Settings
from structuring.events import PostprocessResult
from structuring.postprocess import postprocess


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "transcribe",
        help="transcribe audio files (wav, flac, ogg, mp3, webm; any sample rate)",
        description="Transcribe recorded dictations offline with the bundled or a chosen model.",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--json", action="store_true", help="one JSON object per file and line")
    p.add_argument("--model", type=Path, help="a CTranslate2 Whisper folder (default: bundled)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
    p.add_argument("--prompt", default=None, help="context prompt given to the decoder")
    p.add_argument(
        "--raw",
        action="store_true",
        help="the model's text only: no normalisation, dictionaries or voice commands",
    )
    p.add_argument("--template", default=None, help="study template (chooses dictionaries)")
    p.add_argument("--specialty", default=None, help="specialty dictionary set")
    p.set_defaults(func=run)


def transcript_json(
    path: Path, t: Transcript, processed: PostprocessResult | None
) -> dict[str, object]:
    extra: dict[str, object] = {}
    if processed is not None:
        extra = {
            "raw": processed.raw,
            "corrections": [asdict(c) for c in processed.corrections],
            "commands": [asdict(c) for c in processed.commands],
        }
    return {
        "file": str(path),
        "text": processed.text if processed is not None else t.text,
        "duration_s": t.duration_s,
        "elapsed_s": t.elapsed_s,
        "segments": [
            {k: v for k, v in asdict(s).items() if k not in ("words", "compression_ratio")}
            for s in t.segments
        ],
        **extra,
    }


def run(args: argparse.Namespace) -> int:
    # Read every file first: a typo in the last name should not cost a model load.
    audios = []
    failures = 0
    for path in args.files:
        try:
            audios.append((path, load_audio(path)))
        except AudioError as exc:
            print(f"semdict transcribe: {exc}", file=sys.stderr)
            failures += 1
    if not audios:
        return 1
    try:
        engine = build_engine(Settings(), model=args.model, device=args.device)
    except (ModelError, RuntimeError) as exc:
        raise UsageError(str(exc)) from exc
    for path, audio in audios:
        # Word probabilities are the acoustic evidence corrections need (vocabularies.evidence).
        t = engine.transcribe(audio, prompt=args.prompt, word_timestamps=not args.raw)
        processed = None
        if not args.raw:
            try:
                processed = postprocess(
                    t.text,
                    specialty=args.specialty,
                    template_id=args.template,
                    words=t.word_probabilities(),
                )
            except ValueError as exc:  # unknown specialty or template
                raise UsageError(str(exc)) from exc
        if args.json:
            print(json.dumps(transcript_json(path, t, processed), ensure_ascii=False), flush=True)
        else:
            prefix = f"{path}: " if len(audios) > 1 else ""
            print(prefix + (processed.text if processed else t.text), flush=True)
    return 1 if failures else 0
