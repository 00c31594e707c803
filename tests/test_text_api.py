"""POST /v1/text/postprocess through FastAPI's TestClient."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.routes.text import router


def _client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_postprocess_endpoint() -> None:
    response = _client().post(
        "/v1/text/postprocess",
        json={
            "text": "описание двоеточие гидраторекс точка следующее поле норма точка",
            "specialty": "ct",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["text"] == "Описание: Гидроторакс.\nЗаключение: Норма."
    assert body["corrections"][0]["corrected"] == "гидроторакс"
    assert [c["name"] for c in body["commands"]] == ["section", "next_field"]


def test_options_and_errors() -> None:
    client = _client()
    response = client.post(
        "/v1/text/postprocess",
        json={"text": "гидраторекс", "options": {"correct": False}},
    )
    assert response.json()["text"] == "Гидраторекс"
    bad = client.post("/v1/text/postprocess", json={"text": "x", "specialty": "astrology"})
    assert bad.status_code == 400
    assert "unknown specialty" in bad.json()["detail"]
