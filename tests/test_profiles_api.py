from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.routes import profiles

app = FastAPI()
app.include_router(profiles.router)
client = TestClient(app)


def test_list_profiles() -> None:
    response = client.get("/v1/profiles")
    assert response.status_code == 200
    ids = {p["id"] for p in response.json()}
    assert {"ct_chest", "mri_joint", "us_thyroid", "mammography"} <= ids


def test_profile_declares_semd_bindings() -> None:
    profile = client.get("/v1/profiles/ct_chest").json()
    bindings = {f["id"]: f["semd"] for f in profile["fields"]}
    assert bindings["findings"] == {
        "section": "RESINFO",
        "entry_code": "1805",
        "code_system": "1.2.643.5.1.13.13.99.2.166",
        "value_type": "ST",
        "parent_entry_code": None,
    }
    assert bindings["icd10"]["entry_code"] == "838"
    assert bindings["dose_msv"]["entry_code"] == "4159"
    assert bindings["laterality"]["parent_entry_code"] == "8037"


def test_unknown_profile_is_404_with_known_ids() -> None:
    response = client.get("/v1/profiles/ct_knee")
    assert response.status_code == 404
    assert "ct_chest" in response.json()["detail"]
