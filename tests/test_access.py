"""Access control end to end (docs/threat-model.md): tokens with tenants and scopes, tenant
isolation on read and resume, rate limits, session caps, origins, body limits, the audit log
and ``semdict token``. In-process (TestClient) with the real app and model."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from asr.engine import Engine
from semd_templates import resources_path
from semdict.cli import main as cli
from server.app import create_app
from server.auth import InsecureBindError, RateLimiter, _origin_ok, check_bind
from server.settings import ServerSettings, Settings
from server.store_sqlite import SQLiteStore
from server.tokens import TokenStore

pytestmark = pytest.mark.slow

LEGACY = "legacy-settings-token-1"
ALLOWED_ORIGIN = "https://mis.example"
PATIENT = "Перепелкина"  # in the stored context and transcript: must never reach the audit log
TEXT = (
    "Компьютерная томография органов грудной клетки. Описание. Пациентка "
    f"{PATIENT}. В левой плевральной полости жидкость до 46 мм. Заключение. "
    "Левосторонний гидроторакс."
)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _old_database(path: Path) -> None:
    """A session store written before tenants existed (no ``tenant`` column)."""
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE sessions (id TEXT PRIMARY KEY, status TEXT NOT NULL,
            created_at REAL NOT NULL, updated_at REAL NOT NULL, template_id TEXT,
            specialty TEXT, options TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0,
            text TEXT NOT NULL DEFAULT '');
        CREATE TABLE messages (session_id TEXT NOT NULL, seq INTEGER NOT NULL,
            type TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (session_id, seq));
        INSERT INTO sessions VALUES ('old-session-1', 'completed', 0, 0, 'ct_chest', NULL,
            '{}', 0, 'Описание. Без патологии.');
        """
    )
    db.commit()
    db.close()


async def _stored_session(store_path: Path, sid: str, tenant: str) -> None:
    context = json.loads(resources_path("example_context.json").read_text("utf-8"))
    context["patient"]["name"]["family"] = PATIENT
    store = SQLiteStore(store_path)
    await store.create(sid, "ct_chest", None, {"context": context}, tenant=tenant)
    final = {"type": "final", "seq": 2, "utterance": 0, "text": TEXT, "start_s": 0.0}
    await store.append(sid, {**final, "end_s": 9.0})
    await store.append(sid, {"type": "completed", "seq": 3, "session_id": sid, "text": TEXT})
    await store.set_status(sid, "completed", TEXT)
    await store.close()


class World:
    def __init__(self, client: TestClient, data: Path, tokens: dict[str, str]) -> None:
        self.client = client
        self.data = data
        self.tokens = tokens

    def get(self, path: str, who: str | None = None, **kw: Any) -> Any:
        headers = _bearer(self.tokens[who]) if who else {}
        return self.client.get(path, headers=headers, **kw)


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("data")
    _old_database(data / "sessions.sqlite3")
    store = TokenStore.in_data_dir(data)
    specs: dict[str, tuple[str, list[str], dict[str, int]]] = {
        "a": ("clinic-a", ["dictation", "documents"], {}),
        "b": ("clinic-b", ["dictation", "documents"], {}),
        "a_dictation": ("clinic-a", ["dictation"], {}),
        "a_documents": ("clinic-a", ["documents"], {}),
        "admin": ("clinic-a", ["admin"], {}),
        "slow": ("clinic-a", ["documents"], {"rate_per_min": 3}),
        "capped": ("clinic-a", ["dictation"], {"max_sessions": 1}),
    }
    tokens = {LEGACY: LEGACY, "legacy": LEGACY}
    for key, (tenant, scopes, limits) in specs.items():
        _, tokens[key] = store.create(tenant, scopes, name=key, **limits)
    store.close()
    settings = Settings(
        data_dir=data,
        server=ServerSettings(tokens=[SecretStr(LEGACY)], cors_origins=[ALLOWED_ORIGIN]),
    )
    with TestClient(create_app(settings, engine=engine)) as client:
        asyncio.run(_stored_session(data / "sessions.sqlite3", "sess-clinic-a", "clinic-a"))
        yield World(client, data, tokens)


def test_probes_and_scopes(world: World) -> None:
    assert world.get("/healthz").status_code == 200  # open to liveness probes
    assert world.get("/v1/profiles").status_code == 401
    assert world.get("/v1/profiles", "a_dictation").status_code == 200  # any scope
    assert world.client.get("/v1/profiles", headers=_bearer("sdt_wrong")).status_code == 401
    assert world.get("/metrics").status_code == 401
    assert world.get("/metrics", "a").status_code == 403
    assert world.get("/metrics", "admin").status_code == 200
    assert world.get("/metrics", "legacy").status_code == 200  # settings tokens are admins
    assert world.get("/openapi.json").status_code == 401
    assert world.get("/openapi.json", "a_dictation").status_code == 403
    assert "bearer" in json.dumps(world.get("/openapi.json", "a_documents").json()).lower()
    refused = world.client.post(
        "/v1/documents",
        json={"text": TEXT, "format": "json"},
        headers=_bearer(world.tokens["a_dictation"]),
    )
    assert refused.status_code == 403 and "documents" in refused.json()["detail"]
    upload = world.client.post(
        "/v1/audio/transcriptions",
        files={"file": ("a.wav", b"RIFF")},
        headers=_bearer(world.tokens["a_documents"]),
    )
    assert upload.status_code == 403


def test_public_metrics_and_docs_by_setting(engine: Engine, tmp_path: Path) -> None:
    server = ServerSettings(tokens=[SecretStr(LEGACY)], public_metrics=True, public_docs=True)
    with TestClient(create_app(Settings(data_dir=tmp_path, server=server), engine=engine)) as c:
        assert c.get("/metrics").status_code == 200
        assert c.get("/openapi.json").status_code == 200
        assert c.get("/docs").status_code == 200
        assert c.get("/v1/profiles").status_code == 401


def test_tenants_read_only_their_sessions_and_reads_are_audited(world: World) -> None:
    own = world.get("/v1/sessions/sess-clinic-a", "a")
    assert own.status_code == 200 and PATIENT in own.text
    assert world.get("/v1/sessions/sess-clinic-a/document?format=semd", "a").status_code == 200
    for path in ("/v1/sessions/sess-clinic-a", "/v1/sessions/sess-clinic-a/document"):
        other = world.get(path, "b")
        assert other.status_code == 404
        assert other.json() == world.get(path.replace("clinic-a", "nowhere"), "b").json() | {
            "detail": other.json()["detail"]
        }
    assert world.get("/v1/sessions/sess-clinic-a", "legacy").status_code == 404
    # Sessions from before tenants belong to the default tenant: SEMDICT_SERVER__TOKENS's.
    assert world.get("/v1/sessions/old-session-1", "legacy").status_code == 200
    assert world.get("/v1/sessions/old-session-1", "a").status_code == 404

    lines = (world.data / "audit.log").read_text("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    mine = [e for e in entries if e["session_id"] == "sess-clinic-a"]
    assert {(e["token_name"], e["tenant"], e["outcome"]) for e in mine} >= {
        ("a", "clinic-a", "ok"),
        ("b", "clinic-b", "not_found"),
    }
    assert any(e["event"] == "document.read" and e["what"] == "semd" for e in mine)
    assert all(e["ts"] and e["client"] for e in mine)
    log = "\n".join(lines)
    assert PATIENT not in log and "гидроторакс" not in log.lower()
    assert not any(token in log for token in world.tokens.values())


def _start(ws: Any, **start: Any) -> dict[str, Any]:
    ws.send_text(json.dumps({"type": "start", **start}))
    answer: dict[str, Any] = json.loads(ws.receive_text())
    return answer


def test_resume_of_another_tenants_session_is_unknown(world: World) -> None:
    url = "/v1/dictation"
    with world.client.websocket_connect(url, headers=_bearer(world.tokens["b"])) as ws:
        refused = _start(ws, session_id="sess-clinic-a", resume_from_seq=0)
    assert refused["type"] == "error" and refused["code"] == "unknown_session"
    with world.client.websocket_connect(url, headers=_bearer(world.tokens["a"])) as ws:
        replay = _start(ws, session_id="sess-clinic-a", resume_from_seq=0)
    assert replay["type"] == "final"  # a completed session replays what was missed
    # A live session: its tenant may take it over, another tenant may not.
    with world.client.websocket_connect(url, headers=_bearer(world.tokens["a"])) as live:
        ready = _start(live, session_id="live-clinic-a-1")
        assert ready["type"] == "ready"
        with world.client.websocket_connect(url, headers=_bearer(world.tokens["b"])) as ws:
            taken = _start(ws, session_id="live-clinic-a-1", resume_from_seq=1)
        assert taken["code"] == "unknown_session"
        with world.client.websocket_connect(url, params={"token": world.tokens["b"]}) as ws:
            fresh = _start(ws, session_id="live-clinic-a-1")  # no resume_from_seq: still no
        assert fresh["code"] == "unknown_session"
        live.send_text(json.dumps({"type": "end"}))
        assert json.loads(live.receive_text())["type"] == "completed"


def test_websocket_needs_a_dictation_token_and_an_allowed_origin(world: World) -> None:
    url = "/v1/dictation"
    for headers in ({}, _bearer("sdt_wrong"), _bearer(world.tokens["a_documents"])):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            world.client.websocket_connect(url, headers=headers) as ws,
        ):
            ws.receive_text()
        assert refused.value.code == 1008
    good = _bearer(world.tokens["a_dictation"])
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        world.client.websocket_connect(url, headers={**good, "Origin": "https://evil.example"}),
    ):
        pass
    assert refused.value.code == 1008
    with world.client.websocket_connect(url, headers={**good, "Origin": ALLOWED_ORIGIN}) as ws:
        assert _start(ws)["type"] == "ready"
        ws.send_text(json.dumps({"type": "end"}))
        assert json.loads(ws.receive_text())["type"] == "completed"


def test_cors_allow_list(world: World) -> None:
    preflight = {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"}
    ok = world.client.options("/v1/documents", headers=preflight)
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    evil = world.client.options(
        "/v1/documents", headers={**preflight, "Origin": "https://x.example"}
    )
    assert "access-control-allow-origin" not in evil.headers


def test_session_cap_per_token(world: World) -> None:
    headers = _bearer(world.tokens["capped"])
    with world.client.websocket_connect("/v1/dictation", headers=headers) as first:
        assert _start(first)["type"] == "ready"
        with world.client.websocket_connect("/v1/dictation", headers=headers) as second:
            refused = json.loads(second.receive_text())
        assert refused["type"] == "error" and refused["code"] == "session_limit"
        first.send_text(json.dumps({"type": "end"}))
        assert json.loads(first.receive_text())["type"] == "completed"
    with world.client.websocket_connect("/v1/dictation", headers=headers) as again:
        assert _start(again)["type"] == "ready"  # the slot was given back


def test_rate_limit_per_token(world: World) -> None:
    answers = [world.get("/v1/profiles", "slow") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert world.get("/v1/profiles", "a").status_code == 200  # other tokens are not slowed
    limiter = RateLimiter()
    assert [limiter.retry_after("t", 60, now=0.0) for _ in range(60)] == [0.0] * 60
    assert limiter.retry_after("t", 60, now=0.0) == pytest.approx(1.0)
    assert limiter.retry_after("t", 60, now=1.0) == 0.0  # one more a second


async def _asgi(
    app: Any, path: str, headers: dict[str, str], chunks: list[bytes]
) -> tuple[int, int]:
    """(status, body chunks the app read): shows what was refused before being read."""
    read = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {
                "type": "http.request",
                "body": chunks[read - 1],
                "more_body": read < len(chunks),
            }
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }
    await app(scope, receive, send)
    return int(sent[0]["status"]), read


def test_bodies_are_refused_before_they_are_read(world: World) -> None:
    app = world.client.app
    mb = [b"x" * 1_000_000] * 20
    json_type = {"content-type": "application/json"}
    length = {"content-length": str(20_000_000)}
    assert asyncio.run(_asgi(app, "/v1/documents", {**json_type, **length}, mb)) == (401, 0)
    auth = {**json_type, **_bearer(world.tokens["a"])}
    assert asyncio.run(_asgi(app, "/v1/documents", {**auth, **length}, mb)) == (413, 0)
    status, read = asyncio.run(_asgi(app, "/v1/documents", auth, mb))  # chunked: no length
    assert status == 413 and read == 2  # stopped just past the 1 MB limit
    too_long = world.client.post(
        "/v1/documents",
        json={"text": "а" * 100_001, "format": "json"},
        headers=_bearer(world.tokens["a"]),
    )
    assert too_long.status_code == 422 and too_long.json()["detail"][0]["loc"] == ["body", "text"]


def test_token_cli_create_list_revoke(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEMDICT_DATA_DIR", str(world.data))
    args = [
        "token",
        "create",
        "--tenant",
        "clinic-c",
        "--scope",
        "dictation",
        "--scope",
        "documents",
    ]
    assert cli(args) == 0
    out = capsys.readouterr().out.splitlines()
    token = out[-1]
    assert token.startswith("sdt_") and len(token) > 40
    assert world.client.get("/v1/profiles", headers=_bearer(token)).status_code == 200
    assert cli(["token", "list"]) == 0
    listed = capsys.readouterr().out
    assert "tenant=clinic-c" in listed and "scopes=dictation,documents" in listed
    assert token not in listed and token not in (world.data / "tokens.sqlite3").read_bytes().decode(
        "latin-1"
    )
    token_id = next(line.split()[0] for line in listed.splitlines() if "clinic-c" in line)
    assert cli(["token", "revoke", token_id]) == 0
    assert "revoked" in capsys.readouterr().out
    assert world.client.get("/v1/profiles", headers=_bearer(token)).status_code == 401
    assert cli(["token", "revoke", token_id]) == 2  # already revoked: says so
    assert "no active token" in capsys.readouterr().err
    assert cli(["token", "create", "--tenant", "bad tenant", "--scope", "admin"]) == 2


def test_bind_accepts_stored_tokens() -> None:
    with pytest.raises(InsecureBindError, match="semdict token create"):
        check_bind(Settings(), "0.0.0.0")
    check_bind(Settings(), "0.0.0.0", stored_tokens=True)


def test_the_services_own_page_may_open_the_websocket() -> None:
    settings = Settings(server=ServerSettings(cors_origins=["https://mis.example"]))

    def scope(origin: str, host: str) -> Any:
        return {"headers": [(b"origin", origin.encode()), (b"host", host.encode())]}

    assert _origin_ok(scope("http://127.0.0.1:8765", "127.0.0.1:8765"), settings)
    assert _origin_ok(scope("https://mis.example", "semdict.local"), settings)
    assert not _origin_ok(scope("https://evil.example", "127.0.0.1:8765"), settings)
