"""Security rules of the service that need no model: binding, tokens, log redaction."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from server.auth import InsecureBindError, check_bind, is_loopback, token_ok
from server.log_filters import RedactTokens
from server.settings import ServerSettings, Settings


def test_non_loopback_bind_needs_tokens() -> None:
    open_settings = Settings()
    check_bind(open_settings, "127.0.0.1")
    check_bind(open_settings, "::1")
    check_bind(open_settings, "localhost")
    for host in ("0.0.0.0", "10.1.2.3", "radiology.example"):
        with pytest.raises(InsecureBindError, match="SEMDICT_SERVER__TOKENS"):
            check_bind(open_settings, host)
    secured = Settings(server=ServerSettings(tokens=[SecretStr("t0ken-value")]))
    check_bind(secured, "0.0.0.0")
    assert not is_loopback("") and is_loopback("127.0.0.5")


def test_token_comparison() -> None:
    secured = Settings(server=ServerSettings(tokens=[SecretStr("a"), SecretStr("b-token")]))
    assert token_ok(secured, "b-token")
    assert not token_ok(secured, "b-toke")
    assert not token_ok(secured, None)
    assert token_ok(Settings(), None)  # loopback service without tokens


def test_tokens_never_reach_the_access_log() -> None:
    args = ("127.0.0.1", "GET", "/v1/dictation?token=s3cret&x=1")
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s"', args, None
    )
    RedactTokens().filter(record)
    assert "s3cret" not in record.getMessage()
    assert "token=***&x=1" in record.getMessage()
