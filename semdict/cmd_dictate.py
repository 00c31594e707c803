"""``semdict dictate FILE --url ws://…``: stream a recording to a running service, live."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from asr.audio import AudioError, load_audio
from semdict.client import DictationError, stream_audio
from semdict.errors import UsageError
from semdict.options import parse_speed


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "dictate",
        help="stream an audio file to the service as a live client",
        description="Streams FILE as 16 kHz PCM over the dictation WebSocket and prints the "
        "partial and final transcripts as they arrive.",
    )
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--url", default="ws://127.0.0.1:8765/v1/dictation")
    p.add_argument(
        "--speed",
        default="1.0",
        help="1.0 = real time, N = N times faster, max = as fast as the server takes it",
    )
    p.add_argument("--json", action="store_true", help="print every server message as JSON")
    p.add_argument("--template", default=None, help="study template id (e.g. ct_chest)")
    p.add_argument("--specialty", default=None, help="specialty dictionary set")
    p.add_argument("--raw", action="store_true", help="no normalisation/dictionaries/commands")
    p.add_argument("--token", default=os.environ.get("SEMDICT_TOKEN"), help="bearer token")
    p.set_defaults(func=run)


def _printer(as_json: bool) -> Any:
    def show(message: dict[str, Any]) -> None:
        kind = message["type"]
        if as_json:
            print(json.dumps(message, ensure_ascii=False), flush=True)
        elif kind == "partial":
            print(f"\r\033[K… {message['text']}", end="", flush=True)
        elif kind == "final":
            print(f"\r\033[K{message['text']}", flush=True)
        elif kind == "command":
            print(f"\r\033[K[команда: {message['name']} {message.get('arg') or ''}]", flush=True)
        elif kind in ("error", "busy"):
            print(f"\r\033[K[{kind}: {message}]", file=sys.stderr, flush=True)

    return show


def run(args: argparse.Namespace) -> int:
    speed = parse_speed(args.speed)
    try:
        samples = load_audio(args.file)
    except AudioError as exc:
        raise UsageError(str(exc)) from exc
    start: dict[str, Any] = {"options": {"raw": args.raw}}
    if args.template:
        start["template_id"] = args.template
    if args.specialty:
        start["specialty"] = args.specialty
    try:
        result = asyncio.run(
            stream_audio(
                args.url,
                samples,
                speed=speed,
                token=args.token,
                start=start,
                on_message=_printer(args.json),
            )
        )
    except (DictationError, OSError) as exc:
        print(f"semdict dictate: {exc}", file=sys.stderr)
        return 1
    if not args.json:
        print(f"\n[session {result.session_id}: {result.audio_s:.1f} s of audio]", file=sys.stderr)
    return 0
