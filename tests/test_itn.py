"""Russian radiology ITN: each rule family, corpus conventions for d01-d24."""

from __future__ import annotations

import json

import pytest

from structuring.itn import normalise
from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "dev" / "dictations.jsonl"


def _plain_items() -> list[dict[str, str]]:
    if not CORPUS.exists():
        return []
    items = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    return [item for item in items if item["style"] == "plain"]


@pytest.mark.skipif(not CORPUS.exists(), reason="dev corpus not mounted")
@pytest.mark.parametrize("item", _plain_items(), ids=lambda item: item["id"])
def test_corpus_spoken_normalises_to_written(item: dict[str, str]) -> None:
    assert normalise(item["spoken"]) == item["written"]


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("расширен до тридцати двух миллиметров", "Расширен до 32 мм"),
        ("индекс одна целая две десятых", "Индекс 1,2"),
        ("индекс ноль целых пятьдесят восемь сотых", "Индекс 0,58"),
        ("объём шестнадцать и одна десятая миллилитра", "Объём 16,1 мл"),
        ("размер полтора сантиметра", "Размер 1,5 см"),
        ("смещение на два с половиной миллиметра", "Смещение на 2,5 мм"),
        ("размер сто шестьдесят восемь миллиметров", "Размер 168 мм"),
        ("эффективная доза три целых четыре десятых миллизиверта", "Эффективная доза 3,4 мЗв"),
        ("снижение на двадцать пять процентов", "Снижение на 25 %"),
    ],
)
def test_numbers_and_units(spoken: str, written: str) -> None:
    assert normalise(spoken) == written


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("образование двадцать три на семнадцать миллиметров", "Образование 23 × 17 мм"),
        ("узел семнадцать на двенадцать на четырнадцать миллиметров", "Узел 17 × 12 × 14 мм"),
        ("киста размером сорок на тридцать", "Киста размером 40 × 30"),
        ("почка 121 на 54 мм", "Почка 121 × 54 мм"),
        ("очаги от двух до четырёх миллиметров", "Очаги от 2 до 4 мм"),
        ("очаги двух-трёх миллиметров", "Очаги 2-3 мм"),
    ],
)
def test_sizes_and_ranges(spoken: str, written: str) -> None:
    assert normalise(spoken) == written


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("плотностью плюс двенадцать единиц Хаунсфилда", "Плотностью +12 HU"),
        ("плотность минус девятьсот пятьдесят единиц Хаунсфилда", "Плотность -950 HU"),
        ("до шестидесяти двух единиц Хаунсфилда", "До 62 HU"),
    ],
)
def test_densities(spoken: str, written: str) -> None:
    assert normalise(spoken) == written


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("переломы пятого и шестого рёбер", "Переломы 5 и 6 рёбер"),
        ("коксартроз третьей стадии", "Коксартроз 3 стадии"),
        ("гидронефроз первой степени", "Гидронефроз 1 степени"),
        (
            "компрессионный перелом двенадцатого грудного позвонка",
            "Компрессионный перелом 12 грудного позвонка",
        ),
        ("в первую очередь", "В первую очередь"),
    ],
)
def test_ordinals(spoken: str, written: str) -> None:
    assert normalise(spoken) == written


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("в двух проекциях", "В двух проекциях"),
        ("с обеих сторон", "С обеих сторон"),
        ("контроль через два года", "Контроль через 2 года"),
        ("один из узлов", "Один из узлов"),
    ],
)
def test_small_counts_stay_words(spoken: str, written: str) -> None:
    assert normalise(spoken) == written


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("грыжа диска эль четыре эль пять", "Грыжа диска L4-L5"),
        ("протрузия эль пять эс один", "Протрузия L5-S1"),
        ("на уровне цэ пять цэ шесть", "На уровне C5-C6"),
        ("перелом тела тэ двенадцать", "Перелом тела Th12"),
        ("корешок эль пять", "Корешок L5"),
        ("в режимах тэ один и тэ два", "В режимах T1 и T2"),
        ("в режиме флэр гиперинтенсивный", "В режиме FLAIR гиперинтенсивный"),
        ("ограничение диффузии на дэ вэ и", "Ограничение диффузии на DWI"),
    ],
)
def test_vertebrae_and_sequences(spoken: str, written: str) -> None:
    assert normalise(spoken) == written


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("BI-RADS пять", "BI-RADS 5"),
        ("категория би рэдс три", "Категория BI-RADS 3"),
        ("TI-RADS четыре", "TI-RADS 4"),
        ("киста Bosniak два", "Киста Bosniak 2"),
        ("Lung-RADS два", "Lung-RADS 2"),
        ("CO-RADS пять", "CO-RADS 5"),
        ("вирусная пневмония КТ два", "Вирусная пневмония КТ-2"),
        ("тип плотности бэ", "Тип плотности B"),
        ("перелом тип цэ по Веберу", "Перелом тип C по Веберу"),
    ],
)
def test_scores_and_letter_grades(spoken: str, written: str) -> None:
    assert normalise(spoken) == written


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        (
            "печень не увеличена точка селезёнка без особенностей точка",
            "Печень не увеличена. Селезёнка без особенностей.",
        ),
        ("печень не увеличена запятая контуры ровные", "Печень не увеличена, контуры ровные"),
        ("лимфоузлы двоеточие паратрахеальные", "Лимфоузлы: паратрахеальные"),
        ("очаг открыть скобку серия три закрыть скобку точка", "Очаг (серия 3)."),
        ("заключение точка новая строка норма", "Заключение.\nНорма"),
        ("текст точка новый абзац далее", "Текст.\n\nДалее"),
        # Whisper's own marks around dictated ones are dropped, never doubled.
        (
            "Печень не увеличена. Точка. Запятая, контуры ровные.",
            "Печень не увеличена. Контуры ровные",
        ),
        (
            "Печень не увеличена, запятая. Контуры ровные точка.",
            "Печень не увеличена, контуры ровные.",
        ),
    ],
)
def test_dictated_punctuation(spoken: str, written: str) -> None:
    assert normalise(spoken) == written


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("переломы 5-го и 6-го ребер справа", "Переломы 5 и 6 ребер справа"),
        ("коксартроз 3-й стадии", "Коксартроз 3 стадии"),
        ("на 12-го числа", "На 12-го числа"),
    ],
)
def test_whisper_suffixed_ordinals_become_digits_before_counted_nouns(
    heard: str, written: str
) -> None:
    assert normalise(heard) == written


def test_point_of_view_is_not_a_spoken_full_stop() -> None:
    assert normalise("точка зрения врача") == "Точка зрения врача"


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        (
            "плевральные полости свободны, в заключение, КТ признаки пневмонии",
            "Плевральные полости свободны. Заключение. КТ признаки пневмонии",
        ),
        (
            "описание, печень не увеличена, заключения, норма, рекомендаций, консультации "
            "гастроэнтеролога",
            "Описание. Печень не увеличена. Заключение. Норма. Рекомендации. Консультация "
            "гастроэнтеролога",
        ),
        (
            "признаки перегрузки заключение КТ признаки",
            "Признаки перегрузки заключение КТ признаки",
        ),
        (
            "В заключение хочу отметить, что всё хорошо.",
            "В заключение хочу отметить, что всё хорошо.",
        ),
        ("Дано заключение врача.", "Дано заключение врача."),
    ],
)
def test_spoken_section_markers_of_a_plain_dictation(heard: str, written: str) -> None:
    assert normalise(heard) == written


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("Маммографии в двух проекциях.", "Маммография в двух проекциях."),
        (
            "Компьютерной томографии органов грудной клетки.",
            "Компьютерная томография органов грудной клетки.",
        ),
        ("Ультразвуковые исследования почек.", "Ультразвуковое исследование почек."),
        (
            "Магнитно-резонансной томографии головного мозга.",
            "Магнитно-резонансная томография головного мозга.",
        ),
        (
            "Компьютерная томография органов грудной клетки.",
            "Компьютерная томография органов грудной клетки.",
        ),
        ("Печень не увеличена.", "Печень не увеличена."),
    ],
)
def test_the_title_is_a_nominative_study_name(heard: str, written: str) -> None:
    assert normalise(heard) == written


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("размером двадцать на тридцать миллилитров", "Размером 20 × 30 мм"),
        (
            "суставное пространство расширено до шести миллилитров",
            "Суставное пространство расширено до 6 мм",
        ),
        ("смещение отломка кнаружи на два миллилитра", "Смещение отломка кнаружи на 2 мм"),
        ("объём гематомы около двенадцати миллиметров", "Объём гематомы около 12 мл"),
        ("объём шестнадцать и одна десятая миллилитра", "Объём 16,1 мл"),
        ("введено сто миллилитров контраста", "Введено 100 мл контраста"),
        (
            "объём железы двенадцать миллилитров, размер доли пятнадцать миллиметров",
            "Объём железы 12 мл, размер доли 15 мм",
        ),
    ],
)
def test_millimetres_and_millilitres_follow_what_is_measured(heard: str, written: str) -> None:
    assert normalise(heard) == written


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("рекомендации, консультации от терапевта.", "Рекомендации. Консультация терапевта."),
        (
            "Рекомендации. Консультацией торакального хирурга.",
            "Рекомендации. Консультация торакального хирурга.",
        ),
        (
            "рекомендации, консультация я гастроэнтеролога",
            "Рекомендации. Консультация гастроэнтеролога",
        ),
        ("рекомендации, консультации от боли", "Рекомендации. Консультации от боли"),
        ("рекомендации, консультаций травматолога", "Рекомендации. Консультация травматолога"),
        # any item of the recommendations, not only the first
        (
            "рекомендации, биопсия под контролем УЗИ консультации онколога",
            "Рекомендации. Биопсия под контролем УЗИ консультация онколога",
        ),
        (
            "рекомендации, контроль после консультации онколога",
            "Рекомендации. Контроль после консультации онколога",
        ),
        ("мм, в заключении, эхографические признаки", "Мм. Заключение. Эхографические признаки"),
    ],
)
def test_recommendations_start_with_a_nominative_consultation(heard: str, written: str) -> None:
    assert normalise(heard) == written


def test_compound_numeral_split_by_the_recogniser_is_joined() -> None:
    assert normalise("до 20-й одного миллиметра") == "До 21 мм"
    assert normalise("до 20-ти четырех мм") == "До 24 мм"
    assert normalise("до 20-1 мм") == "До 21 мм"
    # a plain tens figure, a range and an ordinal stay as they are
    assert normalise("до 20-ти мм") == "До 20-ти мм"
    assert normalise("от 2 до 4 мм") == "От 2 до 4 мм"
    assert normalise("в 20-м веке") == "В 20-м веке"


def test_lumbosacral_level_with_the_letter_heard_as_a_preposition() -> None:
    assert normalise("протрузия диска L5 с 1") == "Протрузия диска L5-S1"
    assert normalise("на уровне L5 эс 1") == "На уровне L5-S1"
    assert normalise("L4 с 1") == "L4 с 1"  # S1 follows L5 only


def test_whisper_full_stop_for_a_spoken_tochka_ends_the_sentence() -> None:
    # «… 6 мм. Суставные …»: Whisper wrote the spoken «точка» as «.»; a window's own «.»
    # before a lower-case continuation is still dropped.
    text = normalise("отломка на 6 мм. Суставные поверхности конгруэнтны точка")
    assert text == "Отломка на 6 мм. Суставные поверхности конгруэнтны."
    assert normalise("структура 7 мм. с акустической тенью точка") == (
        "Структура 7 мм с акустической тенью."
    )


def test_size_written_as_a_decimal_by_the_recogniser() -> None:
    assert normalise("почка размером 121,54 мм") == "Почка размером 121 × 54 мм"
    # a measurement to the tenth, a small one, or another unit stays a decimal
    assert normalise("толщина 12,5 мм") == "Толщина 12,5 мм"
    assert normalise("толщина 2,25 мм") == "Толщина 2,25 мм"
    assert normalise("объём 12,34 мл") == "Объём 12,34 мл"


def test_names_codes_and_typed_sizes_stay_whole() -> None:
    assert normalise("с 99mTc-пертехнетатом и 18F-ФДГ") == "С 99mTc-пертехнетатом и 18F-ФДГ"
    assert normalise("код I26.9, узел 12х8 мм") == "Код I26.9, узел 12 × 8 мм"
    assert normalise("узел 10x12 мм") == "Узел 10 × 12 мм"


def test_a_mass_is_no_volume() -> None:
    assert normalise("объёмное образование 45 мм") == "Объёмное образование 45 мм"
    assert normalise("объём гематомы 12 мм") == "Объём гематомы 12 мл"


def test_suspended_compound_keeps_its_first_part() -> None:
    assert normalise("столкновение с двух- или трехколесным средством") == (
        "Столкновение с двух- или трехколесным средством"
    )
    assert normalise("право- и левосторонний") == "Право- и левосторонний"
