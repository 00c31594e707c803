"""``semdict postprocess [--specialty S] [--json] FILE|-``: the text pipeline on a file."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from semdict.errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "postprocess",
        help="normalise, correct and execute voice commands in a transcript",
        description="Apply dictionary correction, normalisation and voice commands to text.",
    )
    parser.add_argument("file", help="UTF-8 text file, or - for standard input")
    parser.add_argument("--specialty", help="e.g. ct, mri, xray, mammography, ultrasound")
    parser.add_argument("--template", dest="template_id", help="template id, e.g. ct_chest")
    parser.add_argument("--json", action="store_true", help="print text, corrections, commands")
    parser.add_argument("--no-correct", action="store_true", help="skip dictionary correction")
    parser.set_defaults(func=run)


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {name}: {exc}; give a UTF-8 text file or -") from exc


def run(args: argparse.Namespace) -> int:
    # Lazy: the dictionaries load only when this sub-command runs, not for `semdict --help`.
    from structuring.postprocess import postprocess  # noqa: PLC0415

    try:
        result = postprocess(
            _read(args.file),
            specialty=args.specialty,
            template_id=args.template_id,
            correct=not args.no_correct,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps(asdict(result), ensure_ascii=False, indent=1))
    else:
        print(result.text)
    return 0
