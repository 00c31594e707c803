"""Real XSD + schematron validation of generated СЭМД, per template and for hostile text."""

import pytest
from lxml import etree

from semd_templates import list_templates, resources_path
from structuring.context import SemdContext
from structuring.pipeline import structure
from structuring.schematron import compile_to_xslt
from structuring.semd_builder import SemdContentError, build_semd
from structuring.validation import validate_semd

TEXTS = {
    "ct_chest": "Компьютерная томография органов грудной клетки. Описание. Очаг 5 мм в правом "
    "лёгком. Заключение. Солидный очаг правого лёгкого. Рекомендации. Контрольная КТ.",
    "ct_head": "КТ головного мозга. Описание. Гиперденсная зона 20 мм слева. Заключение. "
    "Внутримозговая гематома левого полушария.",
    "ct_abdomen": "КТ органов брюшной полости. Описание. Поджелудочная железа увеличена. "
    "Заключение. Острый панкреатит.",
    "mri_brain": "МРТ головного мозга. Описание. Образование 28 × 24 мм. Заключение. Менингиома.",
    "mri_spine": "МРТ шейного отдела позвоночника. Описание. Грыжа C5-C6 5 мм. Заключение. "
    "Грыжа диска C5-C6.",
    "mri_joint": "МРТ левого коленного сустава. Описание. Связка не прослеживается. Заключение. "
    "Разрыв передней крестообразной связки.",
    "xray_chest": "Флюорография органов грудной клетки. Описание. Фиброз справа. Заключение. "
    "Пневмофиброз справа.",
    "xray_bone": "Рентгенография правого голеностопного сустава. Описание. Перелом. Заключение. "
    "Перелом латеральной лодыжки.",
    "mammography": "Маммография обеих молочных желёз. Описание. Узел 14 × 11 мм. Заключение. "
    "Образование левой молочной железы, BI-RADS 4.",
    "us_abdomen": "УЗИ органов брюшной полости. Описание. Печень увеличена. Заключение. "
    "Цирроз печени.",
    "us_kidney": "УЗИ почек. Описание. Конкремент 7 мм справа. Заключение. "
    "Конкремент правой почки.",
    "us_thyroid": "УЗИ щитовидной железы. Описание. Узел 17 мм. Заключение. Узел левой доли "
    "щитовидной железы, TI-RADS 3.",
    # a modality's other areas
    "ct_other": "КТ височных костей. Описание. Холестеатома слева 9 × 6 мм. Заключение. "
    "Холестеатома левого среднего уха.",
    "mri_other": "МРТ орбит. Описание. Утолщение прямых мышц обоих глаз. Заключение. Эндокринная "
    "офтальмопатия.",
    "us_other": "Ультразвуковое дуплексное сканирование вен нижних конечностей. Описание. Тромб в "
    "подколенной вене справа. Заключение. Тромбоз подколенной вены справа.",
    "xray_other": "Рентгенография околоносовых пазух. Описание. Уровень жидкости в правой "
    "верхнечелюстной пазухе. Заключение. Острый правосторонний гайморит.",
}


@pytest.fixture(scope="module")
def context() -> SemdContext:
    return SemdContext.model_validate_json(
        resources_path("example_context.json").read_text("utf-8")
    )


def test_every_template_has_a_text() -> None:
    assert sorted(TEXTS) == sorted(t.id for t in list_templates())


@pytest.mark.parametrize("template_id", sorted(TEXTS))
def test_generated_semd_passes_xsd_and_schematron(template_id: str, context: SemdContext) -> None:
    report = structure(TEXTS[template_id], template_id)
    validation = validate_semd(build_semd(report, context))
    assert validation.valid, validation.issues


def test_schematron_catches_a_broken_document(context: SemdContext) -> None:
    xml = build_semd(structure(TEXTS["ct_chest"]), context)
    broken = xml.replace(b'code="1806"', b'code="1899"')
    validation = validate_semd(broken)
    assert validation.xsd_valid
    assert not validation.schematron_valid
    assert any("1806" in issue.message for issue in validation.issues)


def test_xsd_catches_a_wrong_template_id(context: SemdContext) -> None:
    xml = build_semd(structure(TEXTS["ct_chest"]), context)
    validation = validate_semd(xml.replace(b"1.2.643.5.1.13.13.14.6.9.4", b"1.2.3"))
    assert not validation.xsd_valid
    assert not validation.valid


def test_malformed_xml_is_reported_not_raised() -> None:
    validation = validate_semd(b"<ClinicalDocument><unclosed>")
    assert not validation.valid
    assert validation.issues[0].source == "xml"


def test_external_entities_are_not_resolved() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<ClinicalDocument>&x;</ClinicalDocument>"
    )
    validation = validate_semd(xxe)
    assert not validation.valid
    assert all("root:" not in issue.message for issue in validation.issues)


def test_xml_metacharacters_and_control_characters_are_safe(context: SemdContext) -> None:
    hostile = (
        "КТ органов грудной клетки. Описание. <script>&amp;</script> ]]> \x00\x07\x1b"
        ' "кавычки" \ud800 & < >. Заключение. Очаг <b>правого</b> лёгкого & "x".'
    )
    xml = build_semd(structure(hostile), context)
    validation = validate_semd(xml)
    assert validation.valid, validation.issues
    root = etree.fromstring(xml)
    values = [v.text for v in root.iter("{urn:hl7-org:v3}value") if v.text]
    assert any("<script>&amp;</script>" in v for v in values)


def test_one_megabyte_of_text(context: SemdContext) -> None:
    findings = "Очаг 5 мм в правом лёгком. " * 40_000
    text = f"КТ органов грудной клетки. Описание. {findings}Заключение. Очаги правого лёгкого."
    assert len(text) > 1_000_000
    report = structure(text)
    assert len(report.measurements_mm) == 40_000
    assert validate_semd(build_semd(report, context)).valid


def test_empty_dictation_is_refused_clearly(context: SemdContext) -> None:
    report = structure("", "ct_chest")
    with pytest.raises(SemdContentError, match="findings"):
        build_semd(report, context)


def test_compiler_checks_only_the_first_matching_rule_of_a_pattern() -> None:
    schematron = etree.fromstring(
        b'<schema xmlns="http://purl.oclc.org/dsdl/schematron">'
        b'<pattern><rule context="a[@x]"><assert test="false()">first</assert></rule>'
        b'<rule context="a"><assert test="false()">second</assert></rule></pattern></schema>'
    )
    sheet = etree.tostring(compile_to_xslt(schematron)).decode()
    assert "except" in sheet
