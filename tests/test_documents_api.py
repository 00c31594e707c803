import json
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from semd_templates import resources_path
from server.routes import documents

app = FastAPI()
app.include_router(documents.router)
client = TestClient(app)

TEXT = (
    "Компьютерная томография органов грудной клетки без контрастного усиления. Описание. "
    "В левой плевральной полости жидкость толщиной слоя до 46 мм. Заключение. "
    "Левосторонний гидроторакс. Рекомендации. Плевральная пункция."
)


def _context() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources_path("example_context.json").read_text("utf-8"))
    return data


def test_document_with_semd_fhir_and_validation() -> None:
    response = client.post("/v1/documents", json={"text": TEXT, "context": _context()})
    assert response.status_code == 200
    body = response.json()
    assert body["validation"]["valid"], body["validation"]
    assert body["semd_xml"].startswith("<?xml")
    assert body["fields"]["icd10"]["code"] == "J90"
    assert body["fields"]["laterality"] == "слева"
    assert body["fhir"]["resourceType"] == "DiagnosticReport"


def test_json_only_needs_no_context() -> None:
    response = client.post("/v1/documents", json={"text": TEXT, "format": "json"})
    assert response.status_code == 200
    assert response.json()["semd_xml"] is None


def test_semd_without_context_is_422() -> None:
    response = client.post("/v1/documents", json={"text": TEXT, "format": "semd"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "context"]


def test_bad_snils_is_422_naming_the_field() -> None:
    context = _context()
    context["author"]["snils"] = "164-028-572 58"
    response = client.post("/v1/documents", json={"text": TEXT, "context": context})
    assert response.status_code == 422
    locations = [e["loc"] for e in response.json()["detail"]]
    assert ["body", "context", "author", "snils"] in locations


def test_bad_oid_is_422_naming_the_field() -> None:
    context = _context()
    context["organization"]["oid"] = "not-an-oid"
    response = client.post("/v1/documents", json={"text": TEXT, "context": context})
    assert response.status_code == 422
    assert ["body", "context", "organization", "oid"] in [
        e["loc"] for e in response.json()["detail"]
    ]


def test_unknown_template_is_404() -> None:
    response = client.post(
        "/v1/documents", json={"text": TEXT, "template_id": "nope", "format": "json"}
    )
    assert response.status_code == 404
    assert "known templates" in response.json()["detail"]


def test_empty_dictation_for_semd_is_422() -> None:
    response = client.post(
        "/v1/documents", json={"text": "", "template_id": "ct_chest", "context": _context()}
    )
    assert response.status_code == 422
    assert "findings" in response.json()["detail"][0]["msg"]


def test_openapi_documents_the_routes() -> None:
    schema = client.get("/openapi.json").json()
    assert "/v1/documents" in schema["paths"]
    assert "SemdContext" in schema["components"]["schemas"]


def test_fields_edited_by_hand_replace_the_dictated_ones() -> None:
    edited = {"conclusion": "Левосторонний гидроторакс малого объёма.", "laterality": "слева"}
    body = client.post(
        "/v1/documents", json={"text": TEXT, "context": _context(), "edited": edited}
    ).json()
    assert body["fields"]["conclusion"] == edited["conclusion"]
    assert body["validation"]["valid"], body["validation"]
    assert "малого объёма" in body["semd_xml"]


def test_coded_and_invalid_edits_are_422_naming_the_field() -> None:
    for edited, where in (({"icd10": "J90"}, "edited.icd10"), ({"laterality": "сверху"}, "edited")):
        response = client.post(
            "/v1/documents", json={"text": TEXT, "format": "json", "edited": edited}
        )
        assert response.status_code == 422, edited
        assert response.json()["detail"][0]["loc"] == ["body", where]
