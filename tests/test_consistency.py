"""Clinical consistency warnings: each class, and none on a consistent report."""

import pytest

from semd_templates import get_template, list_templates
from structuring.api import structure
from structuring.consistency import check
from structuring.report import ReportWarning


def _warnings(text: str, template_id: str) -> list[ReportWarning]:
    return structure(text, template_id).warnings


def _codes(text: str, template_id: str) -> set[str]:
    return {w.code for w in _warnings(text, template_id)}


@pytest.mark.parametrize("template_id", [t.id for t in list_templates()])
def test_planted_side_conflict_is_warned_in_every_template(template_id: str) -> None:
    text = (
        "Исследование. Описание. Справа определяется образование размером 12 мм. "
        "Заключение. Образование слева."
    )
    warnings = [w for w in _warnings(text, template_id) if w.code == "laterality_conflict"]
    assert warnings, template_id
    assert warnings[0].field == "laterality"
    assert "слева" in warnings[0].message


def test_side_named_in_the_title_conflicts_with_the_conclusion() -> None:
    text = (
        "Рентгенография правого коленного сустава. Описание. Суставная щель сужена. "
        "Заключение. Гонартроз левого коленного сустава II стадии."
    )
    assert "laterality_conflict" in _codes(text, "xray_bone")


def test_consistent_sides_and_normal_opposite_side_are_not_warned() -> None:
    text = (
        "Компьютерная томография органов грудной клетки. Описание. В левой плевральной полости "
        "жидкость слоем 30 мм. Правое лёгкое без очаговых изменений. "
        "Заключение. Левосторонний гидроторакс."
    )
    assert _warnings(text, "ct_chest") == []


def test_implausible_size_for_a_lung_nodule() -> None:
    text = (
        "КТ органов грудной клетки. Описание. В верхней доле правого лёгкого солидный очаг "
        "230 мм. Заключение. Солидный очаг верхней доли правого лёгкого."
    )
    warnings = [w for w in _warnings(text, "ct_chest") if w.code == "implausible_size"]
    assert len(warnings) == 1
    assert warnings[0].field == "measurements_mm"
    assert "230" in warnings[0].message
    assert "implausible_size" not in _codes(text.replace("230", "23"), "ct_chest")


def test_centimetres_dictated_for_millimetres_are_caught() -> None:
    text = (
        "УЗИ почек. Описание. В лоханке правой почки конкремент 12 см. "
        "Заключение. Камень правой почки."
    )
    assert "implausible_size" in _codes(text, "us_kidney")
    assert "implausible_size" not in _codes(text.replace("12 см", "12 мм"), "us_kidney")


@pytest.mark.parametrize(
    ("findings", "conclusion", "conflict"),
    [
        ("В верхненаружном квадранте левой железы образование 14 мм.", "BI-RADS 1.", True),
        ("Железистая ткань без очаговых образований.", "Норма. BI-RADS 4.", True),
        ("Кисты правой железы до 8 мм.", "Подозрение на рак правой железы, BI-RADS 2.", True),
        ("В левой железе образование 14 мм с нечёткими контурами.", "BI-RADS 4.", False),
        ("Железистая ткань без очаговых образований.", "Патологии не выявлено, BI-RADS 1.", False),
    ],
)
def test_birads_against_the_findings(findings: str, conclusion: str, conflict: bool) -> None:
    text = f"Маммография. Описание. {findings} Заключение. {conclusion}"
    assert ("category_conflict" in _codes(text, "mammography")) is conflict


def test_tirads_without_a_nodule_is_warned() -> None:
    text = (
        "УЗИ щитовидной железы. Описание. Ткань однородная, узлов нет. "
        "Заключение. Диффузные изменения, TI-RADS 4."
    )
    warnings = [w for w in _warnings(text, "us_thyroid") if w.code == "category_conflict"]
    assert [w.field for w in warnings] == ["tirads"]
    nodule = text.replace("узлов нет", "в правой доле узел 11 мм").replace(
        "Диффузные изменения", "Узел правой доли"
    )
    assert "category_conflict" not in _codes(nodule, "us_thyroid")


def test_missing_required_fields_are_named() -> None:
    report = structure("КТ органов грудной клетки. Описание. Лёгкие расправлены.", "ct_chest")
    missing = {
        w.field for w in check(report, get_template("ct_chest")) if w.code == "missing_required"
    }
    assert {"conclusion", "icd10"} <= missing
    assert "study" not in missing  # comes from the МИС context


def test_a_complete_consistent_report_has_no_warnings() -> None:
    text = (
        "УЗИ органов брюшной полости. Описание. Желчный пузырь содержит конкременты до 9 мм. "
        "Заключение. Желчнокаменная болезнь, холецистолитиаз. Рекомендации. Консультация хирурга."
    )
    report = structure(text, "us_abdomen")
    assert report.icd10 is not None
    assert report.warnings == []
