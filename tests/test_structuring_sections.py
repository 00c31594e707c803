from structuring.events import CommandEvent
from structuring.sections import split_sections

PLAIN = (
    "Компьютерная томография органов грудной клетки. Описание. Очаг 5 мм. "
    "Заключение. Очаг правого лёгкого. Рекомендации. Контрольная КТ через 12 месяцев."
)


def test_spoken_markers_split_plain_text() -> None:
    sections = split_sections(PLAIN)
    assert sections.title == "Компьютерная томография органов грудной клетки."
    assert sections.findings == "Очаг 5 мм."
    assert sections.conclusion == "Очаг правого лёгкого."
    assert sections.recommendations == "Контрольная КТ через 12 месяцев."
    assert sections.named


def test_header_lines_from_voice_commands() -> None:
    text = "МРТ головного мозга.\nОписание: Без очагов.\nЗаключение: Норма.\nРекомендации: Нет."
    sections = split_sections(text)
    assert (sections.findings, sections.conclusion, sections.recommendations) == (
        "Без очагов.",
        "Норма.",
        "Нет.",
    )


def test_marker_word_inside_a_sentence_is_text() -> None:
    sections = split_sections("КТ ОГК. Описание. Описание снимков прилагается. Заключение. Норма.")
    assert sections.findings == "Описание снимков прилагается."


def test_unnamed_sections_are_classified() -> None:
    text = (
        "Ультразвуковое исследование почек. Правая почка 121 × 54 мм. Лоханка расширена. "
        "Эхографические признаки пиелоэктазии справа. Консультация уролога."
    )
    sections = split_sections(text)
    assert not sections.named
    assert sections.title.startswith("Ультразвуковое исследование")
    assert sections.findings == "Правая почка 121 × 54 мм. Лоханка расширена."
    assert sections.conclusion == "Эхографические признаки пиелоэктазии справа."
    assert sections.recommendations == "Консультация уролога."


def test_section_commands_assign_lines_when_text_has_no_headers() -> None:
    text = "КТ органов грудной клетки.\nОчаг 4 мм.\nОчаг левого лёгкого."
    commands = [CommandEvent("section", "findings"), CommandEvent("next_field")]
    sections = split_sections(text, commands)
    assert sections.findings == "Очаг 4 мм."
    assert sections.conclusion == "Очаг левого лёгкого."


def test_empty_text_gives_empty_sections() -> None:
    sections = split_sections("")
    assert (sections.title, sections.findings, sections.conclusion) == ("", "", "")


def test_a_marker_heard_with_another_ending_at_a_sentence_end_opens_its_section() -> None:
    """«… без очаговых изменений заключения. КТ-картина …»: the recogniser heard the marker
    «заключение» with another ending; the section opens there (the text is not changed)."""
    text = (
        "КТ органов брюшной полости. Печень без очаговых изменений заключения. "
        "КТ-картина аденомы левого надпочечника рекомендации. Консультация эндокринолога."
    )
    sections = split_sections(text)
    assert sections.conclusion == "КТ-картина аденомы левого надпочечника."
    assert sections.recommendations == "Консультация эндокринолога."


def test_a_marker_run_into_the_sentence_before_it_opens_its_section() -> None:
    """The recogniser often writes no full stop around a spoken marker."""
    text = (
        "КТ органов брюшной полости. Описание. Свободного газа в брюшной полости нет "
        "заключения КТ-признаки острого аппендицита рекомендации, консультация хирурга."
    )
    sections = split_sections(text)
    assert sections.findings == "Свободного газа в брюшной полости нет."
    assert sections.conclusion == "КТ-признаки острого аппендицита."
    assert sections.recommendations == "консультация хирурга."


def test_a_governed_marker_word_is_ordinary_text() -> None:
    text = "КТ органов грудной клетки. Очагов нет. Данных для заключения."
    assert split_sections(text).conclusion == ""
    named = "МРТ. Описание. Норма. Заключение. Без патологии, как указано в описании."
    assert split_sections(named).conclusion == "Без патологии, как указано в описании."
    heard = "МРТ. Описание. Норма. Заключение. Норма рекомендации. Наблюдение."
    assert split_sections(heard).recommendations == "Наблюдение."
