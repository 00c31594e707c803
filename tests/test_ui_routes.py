"""The workstation, the widget and the demo form are served without a token; the API is not."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from server.app import create_app
from server.settings import ServerSettings, Settings


def _client(tmp_path: Path) -> TestClient:
    # No `with`: the lifespan (the model) is not needed for static pages and the 401.
    server = ServerSettings(tokens=[SecretStr("t0ken-value")], cors_origins=["https://mis.example"])
    return TestClient(create_app(Settings(server=server, data_dir=tmp_path)))


def test_pages_and_widget_need_no_token(tmp_path: Path) -> None:
    client = _client(tmp_path)
    page = client.get("/")
    assert page.status_code == 200 and 'data-testid="transcript"' in page.text
    widget = client.get("/static/semdict-dictation.js")
    assert widget.status_code == 200
    assert "javascript" in widget.headers["content-type"]
    assert 'customElements.define("semdict-dictation"' in widget.text
    assert client.get("/static/pcm-worklet.js").status_code == 200
    assert "<semdict-dictation" in client.get("/demo/mis-form").text
    assert client.get("/demo/context.json").json()["patient"]["name"]["family"]


def test_api_still_needs_the_token(tmp_path: Path) -> None:
    client = _client(tmp_path)
    assert client.get("/v1/profiles").status_code == 401
    ok = client.get("/v1/profiles", headers={"Authorization": "Bearer t0ken-value"})
    assert ok.status_code == 200


def test_an_allowed_mis_page_on_another_origin_may_load_the_widget(tmp_path: Path) -> None:
    client = _client(tmp_path)
    origin = {"Origin": "https://mis.example"}
    response = client.get("/static/semdict-dictation.js", headers=origin)
    assert response.headers["access-control-allow-origin"] == "https://mis.example"
    preflight = client.options(
        "/v1/documents",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
