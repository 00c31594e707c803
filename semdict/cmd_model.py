"""``semdict model install|verify|path``: provision the bundled model ahead of first use."""

from __future__ import annotations

import argparse
from pathlib import Path

from asr.model_store import ModelError, bundled_model_dir, verify_folder
from semdict.errors import UsageError
from server.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("model", help="assemble, verify or locate the Whisper model")
    p.add_argument("action", choices=["install", "verify", "path"])
    p.add_argument("--model", type=Path, help="check this CTranslate2 folder instead")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    try:
        if args.model is not None:
            verify_folder(args.model)
            folder = args.model
        else:
            folder = bundled_model_dir(settings.model.cache_dir, verify=args.action == "verify")
    except ModelError as exc:
        raise UsageError(str(exc)) from exc
    print(folder)
    return 0
