"""The composed pipeline: corrections reported, presets, speed, safety on ordinary text."""

from __future__ import annotations

import time
from pathlib import Path

from structuring.postprocess import postprocess, warm_up
from tests.heard import heard
from vocabularies.user import add_terms


def test_full_pipeline_reports_corrections() -> None:
    result = postprocess(
        "Левосторонний гидраторекс, размер двадцать три на семнадцать миллиметров.",
        specialty="ct",
    )
    assert result.text == "Левосторонний гидроторакс, размер 23 × 17 мм."
    assert [(c.raw, c.corrected) for c in result.corrections] == [("гидраторекс", "гидроторакс")]
    assert 0.8 <= result.corrections[0].score <= 1.0
    assert result.raw.startswith("Левосторонний гидраторекс")


def test_switches_turn_stages_off() -> None:
    text = "гидраторекс двадцать миллиметров точка"
    assert postprocess(text, correct=False, normalise=False, commands=False).text == text
    assert postprocess(text, normalise=False, commands=False).text == (
        "Гидроторакс двадцать миллиметров точка"
    )
    assert postprocess(text, correct=False).text == "Гидраторекс 20 мм."


def test_streaming_continuation_keeps_lower_case() -> None:
    result = postprocess("до пяти миллиметров", sentence_start=False)
    assert result.text == "до 5 мм"


def test_general_text_unchanged_by_correction() -> None:
    text = (
        "Вечером позвонила подруга и пригласила на концерт камерной музыки, "
        "билеты оказались недорогими."
    )
    result = postprocess(text)
    assert result.corrections == []
    assert result.text == text


def test_postprocess_is_fast_once_loaded() -> None:
    sentence = "В правой доле печени гиперэхогенное образование размером двадцать на десять мм."
    postprocess(sentence)
    start = time.perf_counter()
    for _ in range(20):
        postprocess(sentence)
    assert (time.perf_counter() - start) / 20 < 0.05


def test_drop_in_dictionary_under_data_dir_applies(tmp_path: Path) -> None:
    add_terms(tmp_path, "site", ["ретрокардиальный"])
    text = "определяется ретракардиальный очаг"
    assert "ретрокардиальный" in postprocess(text, specialty="ct", data_dir=tmp_path).text
    assert "ретрокардиальный" not in postprocess(text, specialty="ct").text


def test_warm_up_loads_the_requested_specialties() -> None:
    assert warm_up(["pulmonology"]) >= 0.0
    heard_text = "Каты признаки нижне далевой пневмонии"
    result = postprocess(heard_text, specialty="pulmonology", words=heard(heard_text))
    assert result.text.startswith("КТ признаки нижнедолевой пневмонии")


def test_next_field_in_a_later_final_moves_on_from_the_open_section() -> None:
    first = postprocess("описание двоеточие норма точка")
    assert first.section == 0
    second = postprocess(
        "следующее поле без патологии точка", open_section=first.section, sentence_start=False
    )
    assert second.text.startswith("Заключение:"), second.text
    assert second.section == 1
    alone = postprocess("следующее поле без патологии точка", sentence_start=False)
    assert alone.text.startswith("Описание:")  # without the state the first section opens
