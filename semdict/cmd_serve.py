"""``semdict serve``: run the HTTP/WebSocket service."""

from __future__ import annotations

import argparse

import uvicorn

from semdict.errors import UsageError
from server import log_filters
from server.app import create_app
from server.auth import InsecureBindError, check_bind
from server.settings import Settings
from server.tokens import TokenStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the dictation service")
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8765)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    try:
        tokens = TokenStore.for_settings(settings)
        stored = tokens.has_active()
        tokens.close()
        check_bind(settings, host, stored_tokens=stored)
    except InsecureBindError as exc:
        raise UsageError(str(exc)) from exc
    config = uvicorn.Config(
        create_app(settings), host=host, port=port, log_level=settings.log_level.lower()
    )
    server = uvicorn.Server(config)  # its logging is configured here, so filters go after
    log_filters.install()
    server.run()
    return 0
