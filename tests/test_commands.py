"""Voice commands: corpus items d25-d28 exactly, and each command on its own."""

from __future__ import annotations

import json

import pytest

from structuring.postprocess import postprocess
from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "dev" / "dictations.jsonl"


def _command_items() -> list[dict[str, str]]:
    if not CORPUS.exists():
        return []
    items = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    return [item for item in items if item["style"] == "commands"]


@pytest.mark.skipif(not CORPUS.exists(), reason="dev corpus not mounted")
@pytest.mark.parametrize("item", _command_items(), ids=lambda item: item["id"])
def test_corpus_commands_reproduce_written(item: dict[str, str]) -> None:
    result = postprocess(item["spoken"], template_id=item["template"])
    assert result.text == item["written"]
    assert result.commands[0].name == "section"


def _run(text: str) -> tuple[str, list[tuple[str, str | None]]]:
    result = postprocess(text, correct=False)
    return result.text, [(event.name, event.arg) for event in result.commands]


def test_section_header_with_dictated_colon() -> None:
    text, events = _run("заключение двоеточие норма точка")
    assert text == "Заключение: Норма."
    assert events == [("section", "conclusion")]


def test_whisper_colon_after_section_word_in_dictated_mode() -> None:
    text, _ = _run("Печень не увеличена точка. Новая строка. Заключение: норма точка")
    assert text == "Печень не увеличена.\nЗаключение: Норма."


def test_next_and_previous_field() -> None:
    text, events = _run(
        "описание двоеточие норма точка следующее поле без патологии точка предыдущее поле"
    )
    assert text == "Описание: Норма.\nЗаключение: Без патологии."
    assert events == [
        ("section", "findings"),
        ("next_field", "conclusion"),
        ("previous_field", "findings"),
    ]


def test_field_by_name() -> None:
    text, events = _run("Поле рекомендации. Консультация онколога.")
    assert text == "Рекомендации: Консультация онколога."
    assert events == [("section", "recommendations")]
    text, events = _run("Печень в норме. Поле контраст. Да.")
    assert events == [("field", "контраст")]
    assert "Поле" not in text


def test_lung_field_is_not_a_command() -> None:
    text, events = _run("В нижнем лёгочном поле справа пневмофиброз.")
    assert events == []
    assert text == "В нижнем лёгочном поле справа пневмофиброз."


def test_delete_last_word_and_sentence() -> None:
    text, events = _run("Печень увеличена. Селезёнка увеличена. Удалить последнее предложение.")
    assert text == "Печень увеличена."
    assert events == [("delete_last_sentence", None)]
    text, _ = _run("Печень не увеличена значительно удалить последнее слово точка")
    assert text == "Печень не увеличена."


def test_undo_restores_deleted_sentence() -> None:
    text, events = _run("Печень увеличена. Удалить последнее предложение. Отменить.")
    assert text == "Печень увеличена."
    assert [name for name, _ in events] == ["delete_last_sentence", "undo"]


def test_undo_inside_a_sentence_is_text() -> None:
    text, events = _run("Рекомендовано отменить препарат.")
    assert events == []
    assert text == "Рекомендовано отменить препарат."


def test_replace() -> None:
    result = postprocess("Печень увеличена. Заменить увеличена на не увеличена.", correct=False)
    assert result.text == "Печень не увеличена."
    event = result.commands[0]
    assert (event.name, event.arg, event.value) == ("replace", "увеличена", "не увеличена")


def test_stop_recording() -> None:
    text, events = _run("Консультация хирурга. Стоп запись.")
    assert text == "Консультация хирурга."
    assert events == [("stop_recording", None)]


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("описание двое и точей печень не увеличена точка", "Описание: Печень не увеличена."),
        ("описание двоеточи печень не увеличена точка", "Описание: Печень не увеличена."),
        ("описание двое точки печень запитая селезёнка точка", "Описание: Печень, селезёнка."),
        # after a section word the colon may be heard as a numeral or behind a stray «и»
        ("Описание 2 и точи. Печень не увеличена точка", "Описание: Печень не увеличена."),
        ("заключение две точки норма точка", "Заключение: Норма."),
        ("описание и двое точки печень точка", "Описание: Печень."),
        (
            "описание двоеточие печень точка следующие поли норма точка",
            "Описание: Печень.\nЗаключение: Норма.",
        ),
        (
            "описание двоеточие печень точка, селезёнка увеличена точка, удалить последние "
            "предложения, селезёнка не увеличена точка",
            "Описание: Печень. Селезёнка не увеличена.",
        ),
    ],
)
def test_misheard_command_words_still_work(heard: str, written: str) -> None:
    assert postprocess(heard, correct=False).text == written


def test_ordinary_words_like_commands_stay() -> None:
    text = "Следующие поля заполнены верно."
    assert postprocess(text, correct=False).text == text
    text = "Определяются 2 точки окостенения."
    assert postprocess(text, correct=False).text == text


def test_command_with_a_stray_short_word_inside_it() -> None:
    text = postprocess(
        "Описание двоеточек в левом углу образование точка "
        "удалить в последние предложения в правом углу образование точка",
        template_id="mri_brain",
    ).text
    assert "левом" not in text and "Удалить" not in text
    assert "правом углу образование" in text
