"""Who may do what: tokens, scopes, tenants, rate limits and body limits (docs/threat-model.md).

``AccessControl`` is an ASGI middleware in front of every route, so that a request is refused
(401, 403, 413, 429; a WebSocket handshake: 403) before its body is read, let alone parsed.
It leaves the request's ``Principal`` in ``request.state.principal`` for the routes: the tenant
a session belongs to, and the token named in the audit log.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.settings import Settings
from server.store import StoreError
from server.tokens import DEFAULT_TENANT, SCOPES, Principal, TokenStore

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from `semdict token create` (or SEMDICT_SERVER__TOKENS)",
)

ANONYMOUS = Principal(
    token_id="-",  # noqa: S106 - an id, not a secret
    name="anonymous",
    tenant=DEFAULT_TENANT,
    scopes=frozenset(SCOPES),
)
"""A loopback service without any token: every scope, the default tenant."""

OPEN = "open"
ANY = "any"
ROUTE_SCOPES: tuple[tuple[str, str], ...] = (
    ("/healthz", OPEN),
    ("/static/", OPEN),
    ("/metrics", "admin"),
    ("/v1/admin/", "admin"),
    ("/docs", "documents"),
    ("/redoc", "documents"),
    ("/openapi.json", "documents"),
    ("/v1/dictation", "dictation"),
    ("/v1/audio/", "dictation"),
    ("/v1/documents", "documents"),
    ("/v1/sessions", "documents"),
    ("/v1/text/", "documents"),
)
"""Path prefix → the scope it needs (``open``: none, no token); anything else: any token."""


class InsecureBindError(RuntimeError):
    """Binding to a network address without tokens would expose patient data."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def check_bind(settings: Settings, host: str, *, stored_tokens: bool = False) -> None:
    if not is_loopback(host) and not settings.server.tokens and not stored_tokens:
        raise InsecureBindError(
            f"refusing to listen on {host} without authentication: create a token "
            "(semdict token create --tenant NAME --scope dictation --scope documents), set "
            "SEMDICT_SERVER__TOKENS (e.g. SEMDICT_SERVER__TOKENS='[\"a-long-random-token\"]') "
            "or bind to 127.0.0.1"
        )


def settings_principal(settings: Settings, presented: str) -> Principal | None:
    """``SEMDICT_SERVER__TOKENS``: admin tokens of the default tenant (constant-time)."""
    found = None
    for i, token in enumerate(settings.server.tokens):
        if hmac.compare_digest(presented.encode(), token.get_secret_value().encode()):
            found = Principal(
                token_id=f"settings-{i + 1}",
                name=f"SEMDICT_SERVER__TOKENS[{i}]",
                tenant=DEFAULT_TENANT,
                scopes=frozenset(SCOPES),
            )
    return found


def authenticate(
    settings: Settings, tokens: TokenStore | None, presented: str | None
) -> Principal | None:
    """The token's principal; ``ANONYMOUS`` when no token exists at all; else None."""
    if presented:
        principal = settings_principal(settings, presented)
        if principal is None and tokens is not None:
            principal = tokens.lookup(presented)
        if principal is not None:
            return principal
    if not settings.server.tokens and (tokens is None or not tokens.has_active()):
        return ANONYMOUS
    return None


def token_ok(settings: Settings, presented: str | None) -> bool:
    """Whether ``SEMDICT_SERVER__TOKENS`` lets this token in (no tokens: loopback, open)."""
    return authenticate(settings, None, presented) is not None


def required_scope(path: str) -> str:
    for prefix, scope in ROUTE_SCOPES:
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return scope
    return ANY


class RateLimiter:
    """A token bucket per token: ``per_min`` requests a minute, in bursts of up to as many."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # token id → (tokens, at)

    def retry_after(self, key: str, per_min: int, now: float | None = None) -> float:
        """0 when the request may go now (and is counted), else seconds to wait."""
        if per_min <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        level, at = self._buckets.get(key, (float(per_min), now))
        level = min(float(per_min), level + (now - at) * per_min / 60.0)
        if level < 1.0:
            self._buckets[key] = (level, now)
            return (1.0 - level) * 60.0 / per_min
        self._buckets[key] = (level - 1.0, now)
        return 0.0


class SessionSlots:
    """Concurrent dictations per token."""

    def __init__(self) -> None:
        self._held: dict[str, int] = {}

    @contextlib.contextmanager
    def hold(self, principal: Principal, default_cap: int) -> Iterator[bool]:
        """Yields whether a slot was free; the slot is given back on exit."""
        cap = principal.max_sessions or default_cap
        key = principal.token_id
        if cap and self._held.get(key, 0) >= cap:
            yield False
            return
        self._held[key] = self._held.get(key, 0) + 1
        try:
            yield True
        finally:
            self._held[key] -= 1
            if not self._held[key]:
                del self._held[key]


@dataclass
class Access:
    """The access state of one running service (``app.state.access``)."""

    settings: Settings
    tokens: TokenStore | None
    limiter: RateLimiter
    slots: SessionSlots

    def open_paths(self) -> set[str]:
        server = self.settings.server
        # the workstation page, its scripts and the demo form hold no patient data; the API
        # calls they make carry the token
        paths = {"/healthz", "/readyz", "/", "/demo/mis-form", "/demo/context.json"}
        if server.public_metrics:
            paths.add("/metrics")
        if server.public_docs:
            paths |= {"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
        return paths


def presented_token(scope: Scope) -> str | None:
    """``Authorization: Bearer`` or — browsers cannot set WebSocket headers — ``?token=``."""
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            header: str = value.decode("latin-1")
            if header.lower().startswith("bearer "):
                return header[7:].strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    return values[-1] if values else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


class BodyTooLargeError(HTTPException):
    def __init__(self, limit: int, setting: str) -> None:
        super().__init__(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the request body is larger than {limit} bytes ({setting})",
        )


class AccessControl:
    """Authentication, scopes, rate limits, WebSocket origins and body limits."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        access: Access = scope["app"].state.access
        websocket = scope["type"] == "websocket"
        try:
            refusal = self._refusal(scope, access)
        except StoreError as exc:  # tokens in PostgreSQL, and it is down: come back later
            refusal = (503, str(exc), {"Retry-After": "2"})
        if refusal is not None:
            code, message, headers = refusal
            if (
                websocket
                and code == 503
                and "websocket.http.response" in scope.get("extensions", {})
            ):  # a real 503 (come back), not the 403 a close before accept becomes
                await receive()  # websocket.connect
                await _send_json(send, code, {"detail": message}, headers, "websocket.http")
            elif websocket:
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1008, "reason": message})
            else:
                await _send_json(send, code, {"detail": message}, headers)
            return
        if not websocket:
            receive = self._limited(scope, receive, access.settings)
            length = _header(scope, b"content-length")
            limit, setting = self._body_limit(scope, access.settings)
            if length is not None and length.isdigit() and int(length) > limit:
                error = BodyTooLargeError(limit, setting)
                await _send_json(send, error.status_code, {"detail": error.detail}, {})
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, access: Access) -> tuple[int, str, dict[str, str]] | None:
        path: str = scope["path"]
        if scope["type"] == "websocket" and not _origin_ok(scope, access.settings):
            return 403, "origin not allowed (SEMDICT_SERVER__CORS_ORIGINS)", {}
        if path in access.open_paths() or required_scope(path) == OPEN:
            scope.setdefault("state", {})["principal"] = None
            return None
        principal = authenticate(access.settings, access.tokens, presented_token(scope))
        if principal is None:
            return 401, "missing or invalid bearer token", {"WWW-Authenticate": "Bearer"}
        needed = required_scope(path)
        if needed != ANY and not principal.allows(needed):
            return 403, f"this token lacks the {needed!r} scope", {}
        per_min = principal.rate_per_min or access.settings.server.rate_limit_per_min
        wait = access.limiter.retry_after(principal.token_id, per_min)
        if wait > 0:
            retry = str(math.ceil(wait))
            return 429, f"rate limit of {per_min} requests per minute", {"Retry-After": retry}
        scope.setdefault("state", {})["principal"] = principal
        return None

    @staticmethod
    def _body_limit(scope: Scope, settings: Settings) -> tuple[int, str]:
        content_type = (_header(scope, b"content-type") or "").lower()
        if content_type.startswith("multipart/form-data"):
            # The upload routes refuse past uploads.max_bytes themselves, in their own error
            # shape (OpenAI's); this is the safety net behind them.
            return settings.uploads.max_bytes + 1_000_000, "SEMDICT_UPLOADS__MAX_BYTES"
        return settings.server.max_body_bytes, "SEMDICT_SERVER__MAX_BODY_BYTES"

    def _limited(self, scope: Scope, receive: Receive, settings: Settings) -> Receive:
        limit, setting = self._body_limit(scope, settings)
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit, setting)
            return message

        return limited


def _origin_ok(scope: Scope, settings: Settings) -> bool:
    """Clients other than browsers send no ``Origin``; a browser page must be the service's
    own (the workstation at ``/``) or an allowed one."""
    origin = _header(scope, b"origin")
    if origin is None or origin in settings.server.cors_origins:
        return True
    return urlsplit(origin).netloc == (_header(scope, b"host") or "")


async def _send_json(
    send: Send, code: int, body: object, headers: dict[str, str], kind: str = "http"
) -> None:
    """An HTTP response; ``kind`` ``websocket.http``: the denial of a WebSocket handshake."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    head += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": f"{kind}.response.start", "status": code, "headers": head})
    await send({"type": f"{kind}.response.body", "body": raw})


def current_principal(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal ``AccessControl`` found (declares the bearer scheme in OpenAPI)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal or ANONYMOUS


PrincipalDep = Annotated[Principal, Depends(current_principal)]
