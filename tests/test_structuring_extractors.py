import pytest

from structuring.coding import match_pathologies
from structuring.contrast import contrast_used
from structuring.dose import extract_dose_msv
from structuring.laterality import extract_laterality
from structuring.measurements import extract_measurements
from structuring.pipeline import TemplateUndetectedError, live_fields, structure
from structuring.scores import extract_score
from structuring.study_kind import detect_area, detect_modality


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("размером 28 × 24 × 21 мм", [[28, 24, 21]]),
        ("очаги от 2 до 4 мм", [[2], [4]]),
        ("очаги 2–4 мм", [[2], [4]]),
        ("образование 1,5 см", [[15]]),
        ("узел 3,5 мм", [[3.5]]),
        ("плотностью +12 HU, объём 16,1 мл, индекс 0,58, изображение 42", []),
        ("размер 38 x 24 мм, смещение на 5 мм", [[38, 24], [5]]),
        ("на 2 ммоль", []),
    ],
)
def test_measurements(text: str, expected: list[list[float]]) -> None:
    assert extract_measurements(text) == expected


def test_laterality_prefers_first_conclusion_clause() -> None:
    assert extract_laterality("", "", "Левосторонний гидроторакс, ателектаз.") == "слева"
    assert extract_laterality("", "", "Двусторонняя ТЭЛА, перегрузка правого желудочка.") == (
        "с двух сторон"
    )


def test_laterality_ignores_unpaired_parts_and_directions() -> None:
    findings = "В правой доле печени гемангиома. Срединные структуры смещены вправо."
    assert extract_laterality("УЗИ органов брюшной полости.", findings, "Гемангиома печени.") == ""


def test_laterality_falls_back_to_title() -> None:
    assert extract_laterality("МРТ правого плечевого сустава.", "Разрыв.", "Разрыв.") == "справа"


def test_contrast_used_not_recommended() -> None:
    assert contrast_used("КТ органов брюшной полости с болюсным контрастированием.", "")
    assert not contrast_used("КТ без контрастного усиления.", "накапливает контраст")
    assert not contrast_used("УЗИ органов брюшной полости.", "Печень не увеличена.")
    assert contrast_used("МРТ головного мозга.", "Образование накапливает контрастное вещество.")


def test_dose() -> None:
    assert extract_dose_msv("Эффективная доза 2,4 мЗв.") == 2.4
    assert extract_dose_msv("Доза не указана.") is None


def test_modality_and_area_from_title() -> None:
    title = "Магнитно-резонансная томография левого коленного сустава"
    assert detect_modality(title) == "МРТ"
    area = detect_area(title)
    assert area is not None
    assert (area.area, area.anatomy_code) == ("коленный сустав", "38")


def test_pathology_codes_match_whole_names() -> None:
    names = [e.name for e in match_pathologies("Эхографические признаки гемангиомы печени.")]
    assert names == ["Гемангиома печени"]


def test_structure_detects_template_and_fields() -> None:
    report = structure(
        "Рентгенография левого тазобедренного сустава. Описание. Щель сужена до 1 мм. "
        "Заключение. Левосторонний коксартроз 3 стадии. Рекомендации. Консультация ортопеда."
    )
    assert report.template_id == "xray_bone"
    assert report.template_detected
    assert (report.modality, report.area, report.laterality) == (
        "рентгенография",
        "тазобедренный сустав",
        "слева",
    )
    assert report.icd10 is not None
    assert report.icd10.code.startswith("M16")  # коксартроз; the side is no part of the search
    assert report.anatomy is not None
    assert report.anatomy.code == "98"


def test_undetectable_template_is_a_clear_error() -> None:
    with pytest.raises(TemplateUndetectedError, match="template id"):
        structure("Просто текст без исследования.")


def test_live_fields_never_raise_on_partial_text() -> None:
    assert live_fields("Компьютерная томо", None)["findings"] == ""
    values = live_fields("КТ органов грудной клетки. Описание. Очаг 5 мм", None)
    assert values["modality"] == "КТ"
    assert values["measurements_mm"] == [[5]]


def test_rads_categories_as_the_recogniser_writes_them() -> None:
    assert extract_score("birads", "высоко подозрительное на рак, Бай Рэдз-5, рекомендации") == 5
    assert extract_score("birads", "фиброаденома, Байрэд с 2.") == 2
    assert extract_score("tirads", "узел, Тирадс 4.") == 4
    assert extract_score("birads", "узел, Тирадс 4.") is None  # TI-RADS, not BI-RADS
    assert extract_score("birads", "BI-RADS 7") is None  # out of range
    assert extract_score("birads", "в 2 проекциях, размером 1,5 см") is None


def test_liver_lobe_named_in_the_sentence_after_the_liver_is_no_side() -> None:
    findings = "Печень увеличена. Косой вертикальный размер правой доли 168 мм."
    assert extract_laterality("УЗИ органов брюшной полости", findings, "Гепатомегалия.") == ""
    assert extract_laterality("КТ органов грудной клетки", "Очаг в правой доле.", "Очаг.") == (
        "справа"
    )


def test_score_name_with_a_misheard_final_consonant() -> None:
    assert extract_score("birads", "Фиброаденома левой молочной железы. Байрэб с 2.") == 2
    assert extract_score("birads", "Узел. Тирэдс 3.") is None  # TI-RADS sounds nearer
    assert extract_score("birads", "Размер 2 мм, категория 4.") is None
