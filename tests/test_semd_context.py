import json
from typing import Any

import pytest
from pydantic import ValidationError

from semd_templates import resources_path
from structuring.context import SemdContext, snils_checksum


def _example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources_path("example_context.json").read_text("utf-8"))
    return data


def _error_locations(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as info:
        SemdContext.model_validate(data)
    return [".".join(str(p) for p in e["loc"]) for e in info.value.errors()]


def test_example_context_is_valid() -> None:
    context = SemdContext.model_validate(_example())
    assert context.patient.snils == "11223344595"


def test_snils_checksum() -> None:
    assert snils_checksum("112233445") == 95


def test_bad_snils_names_the_field() -> None:
    data = _example()
    data["patient"]["snils"] = "112-233-445 96"
    assert _error_locations(data) == ["patient.snils"]


def test_bad_oid_names_the_field() -> None:
    data = _example()
    data["organization"]["oid"] = "1.2.643.05.x"
    assert _error_locations(data) == ["organization.oid"]


def test_date_without_time_zone_is_refused() -> None:
    data = _example()
    data["study"]["performed_at"] = "2025-05-02T15:10:00"
    assert _error_locations(data) == ["study.performed_at"]
