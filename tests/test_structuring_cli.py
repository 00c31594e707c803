import json
from pathlib import Path

import pytest

from semd_templates import resources_path
from semdict.cli import main

TEXT = (
    "Ультразвуковое исследование щитовидной железы. Описание. Узел 17 × 12 × 14 мм в левой "
    "доле. Заключение. Узловое образование левой доли щитовидной железы, TI-RADS 3."
)


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "d.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_json_output_has_profile_fields(
    text_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["structure", str(text_file)]) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["template_id"] == "us_thyroid"
    assert output["tirads"] == 3
    assert output["icd10"]["code"] == "E04.1"
    assert output["measurements_mm"] == [[17, 12, 14]]


def test_semd_without_context_exits_2(text_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["structure", "--format", "semd", str(text_file)]) == 2
    assert "--context" in capsys.readouterr().err


def test_semd_with_context_is_valid(text_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    context = str(resources_path("example_context.json"))
    assert main(["structure", "--format", "semd", "--context", context, str(text_file)]) == 0
    assert capsys.readouterr().out.startswith("<?xml")


def test_unknown_template_exits_2(text_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["structure", "--template", "nope", str(text_file)]) == 2
    assert "known templates" in capsys.readouterr().err
