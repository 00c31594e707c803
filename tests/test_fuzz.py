"""Hostile input, generated: the REST API from its OpenAPI schema (schemathesis) and the
dictation WebSocket (hypothesis). No 500, no crash, no hang; control characters and lone
surrogates are refused with 422 naming the field (``bad_start`` on the WebSocket).

Bounded for CI: a fixed number of examples per operation, derandomised (the same inputs every
run, so a failure reproduces), no example database, and a time limit on the whole module.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.python.asgi import shutdown_lifespans

from asr.engine import Engine
from semd_templates import resources_path
from server.app import create_app
from server.settings import ServerSettings, Settings, StreamingSettings
from structuring.safe_text import unsafe_text

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REST_EXAMPLES = 100
"""Per API operation (10 operations: up to 1,000 requests)."""
WS_EXAMPLES = 100
BOUNDED = settings(
    max_examples=REST_EXAMPLES,
    deadline=None,  # one request may decode audio; the module's timeout bounds the whole
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CALLS: Counter[str] = Counter()
"""Requests and WebSocket sessions made, by operation: the report prints them."""


def _settings(data_dir: Path) -> Settings:
    """A loopback service without tokens (every scope), no rate limit: all of it reachable."""
    return Settings(
        data_dir=data_dir,
        server=ServerSettings(rate_limit_per_min=0),
        streaming=StreamingSettings(idle_timeout_s=5.0),
    )


@pytest.fixture(scope="module")
def client(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(tmp_path_factory.mktemp("fuzz")), engine=engine)) as c:
        yield c
    print("\ninputs fuzzed:", dict(sorted(CALLS.items())), "total", sum(CALLS.values()))


@pytest.fixture(scope="module")
def api_schema(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Schemathesis runs its own app's lifespan (on its own event loop): a second app."""
    app = create_app(_settings(tmp_path_factory.mktemp("fuzz-rest")), engine=engine)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    shutdown_lifespans()


OPERATIONS = [
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/v1/profiles"),
    ("GET", "/v1/profiles/{template_id}"),
    ("POST", "/v1/documents"),
    ("POST", "/v1/text/postprocess"),
    ("GET", "/v1/sessions/{session_id}"),
    ("GET", "/v1/sessions/{session_id}/document"),
    ("GET", "/v1/models"),
    ("POST", "/v1/audio/transcriptions"),
    ("GET", "/v1/dictionaries"),
    ("GET", "/v1/dictionaries/{specialty}"),
    ("POST", "/v1/admin/dictionaries/{name}/terms"),
]
"""Every operation of the schema (``test_every_operation_is_fuzzed`` keeps the list whole).
Listed, not collected from the schema: the schema exists only once the model is loaded."""


def _names_the_field(response: Any) -> None:
    if response.status_code != 422:
        return
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, response.text
    assert all(e["loc"] and e["msg"] for e in detail), response.text


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_rest_api_never_fails(api_schema: Any, method: str, path: str) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @BOUNDED
    def fuzz(case: Any) -> None:
        CALLS[f"{method} {path}"] += 1
        response = case.call()
        assert response.status_code < 500, f"{method} {path}: {response.text}"
        _names_the_field(response)

    fuzz()


def test_every_operation_is_fuzzed(api_schema: Any) -> None:
    listed = {(m, p) for m, p in OPERATIONS}
    in_schema = {
        (m.upper(), p)
        for p, item in api_schema.raw_schema["paths"].items()
        for m in item
        if m in ("get", "post", "put", "patch", "delete")
    }
    assert in_schema == listed


NASTY = ["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe"]
nasty_text = st.builds(
    lambda a, bad, b: a + bad + b,
    st.text(max_size=20),
    st.sampled_from(NASTY),
    st.text(max_size=20),
)


def _raw_json(body: dict[str, Any]) -> bytes:
    """JSON as a client may send it: lone surrogates as ``\\udXXX`` escapes (valid JSON)."""
    return json.dumps(body, ensure_ascii=True).encode()


@given(bad=nasty_text, field=st.sampled_from(["text", "template_id", "specialty"]))
@settings(BOUNDED, max_examples=60)
def test_control_characters_and_surrogates_are_422_naming_the_field(
    client: TestClient, bad: str, field: str
) -> None:
    body = {"text": "Описание.", field: bad}
    for path in ("/v1/text/postprocess", "/v1/documents"):
        if path == "/v1/documents" and field == "specialty":
            continue
        CALLS[f"POST {path} (unsafe text)"] += 1
        response = client.post(
            path, content=_raw_json(body), headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"][0]["loc"] == ["body", field]


@given(bad=nasty_text, where=st.sampled_from([("patient", "name", "family"), ("document_id",)]))
@settings(BOUNDED, max_examples=30)
def test_unsafe_context_field_is_422_naming_it(
    client: TestClient, bad: str, where: tuple[str, ...]
) -> None:
    context = json.loads(resources_path("example_context.json").read_text("utf-8"))
    node = context
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = "Иванов" + bad
    CALLS["POST /v1/documents (unsafe context)"] += 1
    response = client.post(
        "/v1/documents",
        content=_raw_json({"text": "Описание.", "template_id": "ct_chest", "context": context}),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "context", *where]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
start_fields = st.fixed_dictionaries(
    {"type": st.just("start")},
    optional={
        "audio": st.fixed_dictionaries(
            {}, optional={"encoding": json_values, "sample_rate": st.integers(0, 200_000)}
        ),
        "language": st.sampled_from(["ru", "en", ""]) | nasty_text,
        "template_id": st.sampled_from(["ct_chest", "xray_chest", "nope"]) | nasty_text,
        "specialty": st.sampled_from(["ct", "nope"]) | nasty_text,
        "session_id": st.from_regex(r"[A-Za-z0-9_-]{8,12}", fullmatch=True) | nasty_text,
        "resume_from_seq": st.integers(-2, 5) | json_values,
        "context": json_values | st.dictionaries(nasty_text, nasty_text, max_size=2),
        "options": st.dictionaries(
            st.sampled_from(["raw", "partials", "fields", "other"]), json_values, max_size=3
        ),
        "extra": json_values,
    },
)
valid_starts = st.fixed_dictionaries(
    {"type": st.just("start")},
    optional={
        "template_id": st.sampled_from(["ct_chest", "xray_chest"]),
        "options": st.fixed_dictionaries(
            {}, optional={k: st.booleans() for k in ("raw", "partials", "fields")}
        ),
        "audio": st.fixed_dictionaries({"sample_rate": st.sampled_from([8000, 16000, 44100])}),
    },
)
"""Half the sessions start well, so that the frames after ``start`` are fuzzed too."""
first_frames = valid_starts.map(json.dumps) | (
    start_fields.map(json.dumps)
    | json_values.map(json.dumps)
    | st.text(max_size=40)
    | st.binary(max_size=64)
)
later_frames = st.lists(
    st.binary(max_size=3_200)
    | st.sampled_from(['{"type": "eou"}', '{"type": "keepalive"}', '{"type": "x"}', "[]", "{"])
    | st.text(max_size=40),
    max_size=6,
)

FATAL = {"expected_start", "bad_start", "unsupported_sample_rate", "unknown_session", "bad_json"}


def _receive(ws: Any) -> dict[str, Any]:
    text = ws.receive_text()
    text.encode("utf-8")  # a real socket could not carry a lone surrogate back
    message: dict[str, Any] = json.loads(text)
    return message


@given(first=first_frames, rest=later_frames)
@settings(BOUNDED, max_examples=WS_EXAMPLES)
def test_websocket_protocol_never_fails(
    client: TestClient, first: str | bytes, rest: list[Any]
) -> None:
    """Whatever comes first is answered (``ready`` or an error naming what is wrong); then any
    frames, and ``end`` gives ``completed``: the server neither crashes nor hangs."""
    CALLS["WS /v1/dictation"] += 1
    with client.websocket_connect("/v1/dictation") as ws:
        if isinstance(first, bytes):
            ws.send_bytes(first)
        else:
            ws.send_text(first)
        answer = _receive(ws)
        if answer["type"] == "error":
            assert answer["code"] in FATAL | {"bad_message"}, answer
            if answer["code"] == "bad_start" and isinstance(first, str):
                data = json.loads(first)
                if any(unsafe_text(str(data.get(k))) for k in ("template_id", "specialty")):
                    assert "template_id" in answer["message"] or "specialty" in answer["message"]
            return
        assert answer["type"] in ("ready", "final", "completed"), answer
        if answer["type"] != "ready":
            return  # a completed session was replayed
        CALLS["WS /v1/dictation (sessions opened)"] += 1
        for frame in rest:
            if isinstance(frame, bytes):
                ws.send_bytes(frame)
            else:
                ws.send_text(frame)
        ws.send_text(json.dumps({"type": "end"}))
        while (message := _receive(ws))["type"] != "completed":
            assert message["type"] in ("error", "partial", "final", "command", "field"), message


def test_a_surrogate_in_a_key_is_refused_in_words_that_can_be_sent(client: TestClient) -> None:
    with client.websocket_connect("/v1/dictation") as ws:
        ws.send_text('{"type": "start", "\\ud800x": 1}')
        answer = _receive(ws)  # encodable: the key is not echoed
    assert answer["code"] == "bad_start" and "unicode" in answer["message"]
    with client.websocket_connect("/v1/dictation") as ws:
        ws.send_text('{"type": "start", "template_id": "ct\\u0007"}')
        answer = _receive(ws)
    assert answer["code"] == "bad_start" and "template_id" in answer["message"]
    assert "U+0007" in answer["message"]


def test_fuzzing_stayed_within_its_bounds(client: TestClient) -> None:
    """Ran last in this module: every operation was exercised."""
    operations = [k for k in CALLS if not k.startswith("WS") and "(" not in k]
    assert len(operations) == len(OPERATIONS), CALLS
    assert CALLS["WS /v1/dictation"] >= WS_EXAMPLES // 2
