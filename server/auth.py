"""Bearer-token authentication for every endpoint of a non-loopback service."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from semdict.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="One of the tokens in SEMDICT_SERVER__TOKENS")


class InsecureBindError(RuntimeError):
    """Binding to a network address without tokens would expose patient data."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def check_bind(settings: Settings, host: str) -> None:
    if not is_loopback(host) and not settings.server.tokens:
        raise InsecureBindError(
            f"refusing to listen on {host} without authentication: set SEMDICT_SERVER__TOKENS "
            "(e.g. SEMDICT_SERVER__TOKENS='[\"a-long-random-token\"]') or bind to 127.0.0.1"
        )


def token_ok(settings: Settings, presented: str | None) -> bool:
    """Constant-time comparison against every configured token; no tokens → open (loopback)."""
    tokens = settings.server.tokens
    if not tokens:
        return True
    if not presented:
        return False
    return any(
        hmac.compare_digest(presented.encode(), t.get_secret_value().encode()) for t in tokens
    )


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    settings: Settings = request.app.state.settings
    presented = credentials.credentials if credentials else request.query_params.get("token")
    if not token_ok(settings, presented):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or invalid bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


def websocket_token(websocket: WebSocket) -> str | None:
    """Browsers cannot set headers on a WebSocket: the token may come as ``?token=``."""
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return websocket.query_params.get("token")
