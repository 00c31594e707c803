"""МКБ-10 from typed conclusions with typing errors: the retrieval reads them spelled right,
the report keeps them as written. Conclusions written for these tests."""

import random

from benchmarks.bench_icd10_typos import with_typos
from structuring.api import report_json, structure
from structuring.icd10 import suggest_icd10
from structuring.icd10_spelling import spelled

_REPORT = (
    "Компьютерная томография органов брюшной полости. Описание. Брюшная аорта расширена до "
    "52 мм. Заключение. {conclusion}"
)


def test_a_typo_in_the_diagnosis_no_longer_hides_it() -> None:
    typed = "Аневризмма брюшного отдела аорты."
    assert suggest_icd10(typed).top is None
    assert spelled(typed) == "Аневризма брюшного отдела аорты."
    values = report_json(structure(_REPORT.format(conclusion=typed), "ct_abdomen"))
    icd10 = values["icd10"]
    assert isinstance(icd10, dict)
    assert icd10["code"] == "I71.4"
    assert values["conclusion"] == typed  # the report keeps what the doctor typed


def test_correct_text_and_names_are_read_as_written() -> None:
    for text in (
        "Перелом лучевой кости в типичном месте (Коллеса) со смещением.",
        "ЖКБ. Хр. калькулезный холецистит.",
        "Остеохондроз L4–S1, протрузия диска L5–S1 до 3 мм.",
    ):
        assert spelled(text) == text


def test_typos_are_seeded_and_touch_the_longest_words() -> None:
    text = "Правосторонняя нижнедолевая пневмония."
    first = with_typos(text, random.Random(1))
    assert first == with_typos(text, random.Random(1))
    assert first != text
    assert first.endswith("пневмония.")
