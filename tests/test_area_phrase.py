"""The examined area from however the title words it (titles written here, not the corpus')."""

import pytest

from structuring.area_phrase import title_area
from structuring.study_kind import area_name, detect_area


@pytest.mark.parametrize(
    ("title", "area"),
    [
        ("КТ брюшного отдела аорты с контрастированием", "брюшной отдел аорты"),
        ("Рентгенография правой ключицы в прямой проекции", "ключица"),
        ("УЗИ мочевого пузыря и предстательной железы", "мочевой пузырь"),
        ("Сцинтиграфия скелета", "скелет"),
        ("МРТ шейного и грудного отделов позвоночника", "шейный и грудной отделы позвоночника"),
        ("Маммография обеих молочных желёз", "молочные железы"),
    ],
)
def test_title_phrase_in_the_nominative(title: str, area: str) -> None:
    found = title_area(title)
    assert found is not None and found[0] == area


def test_no_object_no_phrase() -> None:
    assert title_area("Маммография") is None
    assert title_area("Заключение врача") is None


def test_vocabulary_name_when_it_covers_the_whole_phrase() -> None:
    title = "Магнитно-резонансная томография тазобедренных суставов"
    assert area_name(title, detect_area(title), "default") == "тазобедренный сустав"
    title = "Компьютерная томография грудной аорты"
    assert area_name(title, detect_area(title), "органы грудной клетки") == "грудная аорта"


def test_an_organ_with_an_adjective_the_anatomy_never_gives_it_is_no_area() -> None:
    """A misheard «головного мозга» («главного мозга») is no new area: the anatomy directory
    never names «мозг» with «главный», so the template's own area stays."""
    title = "Компьютерная томография главного мозга без контрастного усиления"
    assert title_area(title) is None
    assert area_name(title, detect_area(title), "головной мозг") == "головной мозг"
    assert title_area("КТ головного мозга") is not None
