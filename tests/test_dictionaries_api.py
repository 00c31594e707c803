"""``/v1/dictionaries``: what each specialty has, a hospital's own terms reaching the text
pipeline, and ``/v1/text/postprocess`` with and without the recogniser's word probabilities."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.auth import required_scope
from server.routes import dictionaries, text
from vocabularies.loader import load_vocabulary


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    app = FastAPI()
    app.state.settings = SimpleNamespace(data_dir=tmp_path)
    app.include_router(dictionaries.router)
    app.include_router(dictionaries.admin_router)
    app.include_router(text.router)
    return TestClient(app)


def test_every_specialty_lists_sources_licences_and_thousands_of_entries(
    client: TestClient,
) -> None:
    response = client.get("/v1/dictionaries")
    assert response.status_code == 200
    specialties = {item["specialty"]: item for item in response.json()}
    assert {"ct", "mri", "ultrasound", "mammography", "xray"} <= set(specialties)
    for item in specialties.values():
        assert item["entries"] >= 1000, item["specialty"]
        assert item["word_forms"] > item["entries"]
        for dictionary in item["dictionaries"]:
            assert dictionary["source"] and dictionary["licence"] and dictionary["entries"] > 0
    names = {d["name"]: d for d in specialties["ct"]["dictionaries"]}
    assert names["icd10"]["matching"] == "strict"
    assert client.get("/v1/dictionaries/кт").json()["specialty"] == "ct"
    missing = client.get("/v1/dictionaries/astrology")
    assert missing.status_code == 404 and "use one of" in missing.json()["detail"]


def test_site_terms_are_active_in_the_text_pipeline(client: TestClient) -> None:
    heard = "определяется ретракардиальный очаг"
    before = client.post("/v1/text/postprocess", json={"text": heard, "specialty": "ct"})
    assert "ретрокардиальный" not in before.json()["text"]
    added = client.post("/v1/admin/dictionaries/site/terms", json={"terms": ["ретрокардиальный"]})
    assert added.status_code == 201 and added.json()["added"] == 1
    after = client.post("/v1/text/postprocess", json={"text": heard, "specialty": "ct"})
    assert "ретрокардиальный" in after.json()["text"]
    listed = client.get("/v1/dictionaries/ct").json()["dictionaries"]
    assert any(d["name"] == "site" and d["entries"] == 1 for d in listed)
    load_vocabulary.cache_clear()


def test_site_terms_are_checked(client: TestClient) -> None:
    bad = client.post("/v1/admin/dictionaries/site/terms", json={"terms": ["a\x00b"]})
    assert bad.status_code == 422
    bad_name = client.post("/v1/admin/dictionaries/no-dashes!/terms", json={"terms": ["очаг"]})
    assert bad_name.status_code == 422


def test_word_probabilities_are_the_evidence_for_a_real_word_change(client: TestClient) -> None:
    heard = "воротная вина расширена"
    typed = client.post("/v1/text/postprocess", json={"text": heard, "specialty": "ct"}).json()
    assert "вина" in typed["text"]
    assert typed["withheld"][0]["reason"] == "valid_word"
    unsure = [{"w": word, "p": 0.4} for word in heard.split()]
    spoken = client.post(
        "/v1/text/postprocess", json={"text": heard, "specialty": "ct", "words": unsure}
    ).json()
    assert "вена" in spoken["text"] and spoken["withheld"] == []


def test_adding_terms_needs_the_admin_scope() -> None:
    assert required_scope("/v1/admin/dictionaries/site/terms") == "admin"
    assert required_scope("/v1/dictionaries/ct") not in {"admin", "open"}
