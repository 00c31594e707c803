"""The ``semdict`` command line: one sub-module per sub-command, gathered here."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Protocol

from semdict import __version__
from semdict.errors import UsageError

# Before numpy loads (sub-commands are imported in main): its bundled OpenBLAS would wake one
# spinning thread per core for every small matrix product, such as each window's log-mel
# filterbank. Measured on the 16-core GPU machine: 13 cores busy serving 16 streams.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


class SubCommand(Protocol):
    """Each ``semdict.cmd_*`` module registers its parser and returns an exit code."""

    def register(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


# Sub-command modules in help order; each calls ``parser.set_defaults(func=...)``.
SUBCOMMANDS: tuple[str, ...] = (
    "semdict.cmd_transcribe",
    "semdict.cmd_serve",
    "semdict.cmd_token",
    "semdict.cmd_dictate",
    "semdict.cmd_model",
    "semdict.cmd_postprocess",
    "semdict.cmd_structure",
    "semdict.cmd_bench",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="semdict",
        description="Real-time Russian radiology dictation and СЭМД documents.",
    )
    parser.add_argument("--version", action="version", version=f"semdict {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module: SubCommand = importlib.import_module(name)
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        code: int = func(args)
    except UsageError as exc:
        print(f"semdict {args.command}: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
