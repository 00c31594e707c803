"""``semdict structure``: dictation text → structured JSON, СЭМД XML or FHIR JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from semd_templates import TemplateNotFoundError
from semdict.errors import UsageError
from structuring.api import (
    SemdContentError,
    SemdContext,
    TemplateUndetectedError,
    build_semd,
    report_json,
    structure,
    to_fhir,
    validate_semd,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "structure",
        help="structure a dictation into fields, СЭМД or FHIR",
        description="Structure final dictation text (file or - for stdin).",
    )
    parser.add_argument("file", metavar="FILE|-", help="UTF-8 text file, or - for stdin")
    parser.add_argument("--template", help="template id (detected from the text when omitted)")
    parser.add_argument("--format", choices=("json", "semd", "fhir"), default="json")
    parser.add_argument("--context", type=Path, help="МИС context JSON (needed for --format semd)")
    parser.set_defaults(func=run)


def _read_text(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {name}: {exc}") from exc


def _read_context(path: Path | None) -> SemdContext | None:
    if path is None:
        return None
    try:
        return SemdContext.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read context {path}: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UsageError(f"invalid context {path}: {problems}") from exc


def run(args: argparse.Namespace) -> int:
    text = _read_text(args.file)
    context = _read_context(args.context)
    if args.format == "semd" and context is None:
        raise UsageError(
            "--format semd needs --context FILE: the СЭМД header (patient, author, "
            "organisation) comes from the МИС; see semd_templates/example_context.json"
        )
    try:
        report = structure(text, args.template)
    except (TemplateNotFoundError, TemplateUndetectedError) as exc:
        raise UsageError(str(exc)) from exc
    if args.format == "json":
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
        return 0
    if args.format == "fhir":
        print(json.dumps(to_fhir(report, context), ensure_ascii=False, indent=2))
        return 0
    assert context is not None
    try:
        xml = build_semd(report, context)
    except SemdContentError as exc:
        raise UsageError(str(exc)) from exc
    sys.stdout.write(xml.decode("utf-8") + "\n")
    validation = validate_semd(xml)
    if not validation.valid:
        for issue in validation.issues:
            print(f"invalid СЭМД ({issue.source}): {issue.message}", file=sys.stderr)
        return 1
    return 0
