"""МКБ-10 retrieval on conclusions written for these tests (not the dev corpus' wording)."""

import pytest

from semd_templates import nsi
from structuring.api import report_json, structure
from structuring.icd10 import calibration, suggest_icd10
from structuring.icd10_clauses import read_conclusion
from structuring.icd10_index import name_variants
from structuring.icd10_text import cues, lemmas, tsv_rows


@pytest.mark.parametrize(
    ("conclusion", "category"),
    [
        ("Пневмония в нижней доле левого лёгкого.", "J18"),  # named outright
        ("Двусторонний гидроторакс, больше справа.", "J90"),  # radiology synonym
        ("ТЭЛА долевых ветвей с обеих сторон.", "I26"),  # abbreviation
        ("ЖКБ, множественные конкременты в желчном пузыре.", "K80"),  # abbreviation + synonym
        ("Жировой гепатоз, гепатомегалия.", "K76"),
        ("Гонартроз правого коленного сустава II ст.", "M17"),
        ("МР-картина невриномы VIII нерва справа.", "D33"),
        ("Перелом шейки левой бедренной кости со смещением.", "S72"),
    ],
)
def test_top_suggestion_names_the_diagnosis(conclusion: str, category: str) -> None:
    top = suggest_icd10(conclusion).top
    assert top is not None, conclusion
    assert top.code.split(".")[0] == category, (conclusion, top)


def test_suspected_diagnosis_is_coded_with_less_confidence() -> None:
    suggestion = suggest_icd10("Объёмное образование левой почки, подозрение на рак.")
    top = suggestion.top
    assert top is not None
    assert top.code == "C64"
    assert top.suspected
    assert top.confidence < 0.8
    stated = suggest_icd10("Рак левой почки.").top
    assert stated is not None
    assert stated.code == "C64"
    assert top.confidence < stated.confidence


@pytest.mark.parametrize(
    "conclusion",
    ["Патологических изменений не выявлено.", "Без признаков пневмонии и плеврального выпота."],
)
def test_a_study_without_pathology_maps_to_the_examination_code(conclusion: str) -> None:
    top = suggest_icd10(conclusion).top
    assert top is not None
    assert (top.code, top.source) == ("Z01.6", "examination")


def test_mammography_without_pathology_maps_to_screening() -> None:
    top = suggest_icd10("Очаговых образований не выявлено.", "маммография").top
    assert top is not None
    assert top.code == "Z12.3"


@pytest.mark.parametrize(
    "conclusion",
    ["Повторить исследование после подготовки кишечника.", "Заключение выдано на руки.", ""],
)
def test_abstains_on_text_without_a_diagnosis(conclusion: str) -> None:
    suggestion = suggest_icd10(conclusion)
    assert suggestion.top is None
    assert suggestion.abstained


def test_negated_words_are_not_searched() -> None:
    clause = read_conclusion("Пневмония справа без признаков абсцедирования.")[0][0]
    assert "пневмония" in clause.lemmas
    assert "абсцедирование" not in clause.lemmas
    assert clause.negated


def test_normalisation_meets_names_halfway() -> None:
    # Latin look-alike letters, «ё», hyphenated words, vertebra labels.
    assert lemmas("Pак лёгкого") == lemmas("рак легкого")
    assert lemmas("фиброзно-кистозная")[:2] == [*lemmas("фиброзно"), *lemmas("кистозная")]
    assert lemmas("С6") == ["c6"]


def test_name_variants_read_brackets_alternatives_and_exclusions() -> None:
    variants = name_variants("Перелом наружной [латеральной] лодыжки")
    assert "Перелом латеральной лодыжки" in variants
    assert "Туберкулез легких" in name_variants(
        "Туберкулез легких без упоминания о бактериологическом подтверждении"
    )
    assert "Злокачественное новообразование легкого" in name_variants(
        "Злокачественное новообразование бронхов или легкого"
    )


def test_confidence_grows_with_score_and_margin() -> None:
    curve = calibration()
    assert curve.confidence(0.5, 0.1) < curve.confidence(1.0, 0.1) < curve.confidence(1.0, 0.5)
    assert 0 < curve.abstain_below < 1


def test_every_code_in_the_data_files_exists_in_the_directory() -> None:
    codes = nsi.mkb10()
    for phrasing, code in tsv_rows("icd10_phrasings.tsv"):
        assert code in codes, phrasing
    for listed in cues()["examination"].values():
        assert set(listed) <= codes.keys()


def test_structure_json_carries_candidates_and_warnings() -> None:
    values = report_json(
        structure(
            "Компьютерная томография органов грудной клетки. Описание. В нижней доле правого "
            "лёгкого участок консолидации. Заключение. Правосторонняя нижнедолевая пневмония."
        )
    )
    candidates = values["icd10_candidates"]
    assert isinstance(candidates, list)
    assert 1 <= len(candidates) <= 3
    assert set(candidates[0]) == {"code", "name", "confidence"}
    icd10 = values["icd10"]
    assert isinstance(icd10, dict)
    assert icd10["code"] == candidates[0]["code"]
    assert values["warnings"] == []


def test_bone_marrow_is_not_the_brain() -> None:
    """«костный мозг» names another organ than the bare «мозг» of «Отек мозга»; «отёк мозга»
    itself still is G93.6."""
    bone = suggest_icd10("Отёк костного мозга медиального мыщелка большеберцовой кости.")
    assert all(not c.code.startswith("G93") for c in bone.candidates), bone
    brain = suggest_icd10("Спинной мозг без особенностей, отёк мозга.")
    assert brain.top is not None and brain.top.code == "G93.6", brain


def test_a_bracketed_eponym_is_the_diseases_name() -> None:
    """«Синовиальная киста подколенной области [Бейкера]» is «киста Бейкера»."""
    top = suggest_icd10("Киста Бейкера слева, 25 × 8 мм.").top
    assert top is not None and top.code == "M71.2", top
    perthes = suggest_icd10("Болезнь Легга-Кальве-Пертеса справа, фаза фрагментации.").top
    assert perthes is not None and perthes.code == "M91.1", perthes


def test_fractures_in_the_plural_are_multiple() -> None:
    for conclusion in ("Переломы V–VII рёбер слева.", "Множественные переломы рёбер справа."):
        codes = [c.code for c in suggest_icd10(conclusion).candidates]
        assert codes and codes[0] == "S22.4", (conclusion, codes)
    single = suggest_icd10("Перелом VI ребра слева.").top
    assert single is not None and single.code == "S22.3", single


def test_a_negated_participle_takes_its_words_out_of_the_subdivision() -> None:
    """«причина обструкции не определена»: no obstruction is said, so not N13.2."""
    top = suggest_icd10("Гидронефроз правой почки, причина обструкции не определена.").top
    assert top is not None and top.code == "N13.3", top
    top = suggest_icd10("Гидронефроз левой почки, уровень обструкции не визуализирован.").top
    assert top is not None and top.code == "N13.3", top


def test_a_subdivision_said_outright_beats_the_unspecified_one() -> None:
    """«протрузии» is an «смещение» of a disc: M50.2, not M50.9 (M50.2's «… другого типа» is
    no word a conclusion is searched for)."""
    top = suggest_icd10("Протрузии межпозвонковых дисков C4-C5, C5-C6.").top
    assert top is not None and top.code == "M50.2", top


@pytest.mark.parametrize(
    ("conclusion", "code"),
    [
        ("Рак эндометрия, инвазия в миометрий менее половины толщины.", "C54.1"),
        ("Рак миометрия с переходом на эндометрий.", "C54.2"),
        ("Рак средней трети грудного отдела пищевода.", "C15.4"),
    ],
)
def test_of_two_subdivisions_said_the_first_said_leads(conclusion: str, code: str) -> None:
    candidates = suggest_icd10(conclusion).candidates
    assert candidates and candidates[0].code == code, candidates


@pytest.mark.parametrize(
    "conclusion",
    [
        "Исключён пневмоторакс. Переломов рёбер не выявлено.",
        "Пневмоторакс исключён.",
        "Контрольное исследование после перенесённой пневмонии: очаговых изменений не выявлено.",
    ],
)
def test_an_excluded_or_past_disease_is_not_coded(conclusion: str) -> None:
    suggestion = suggest_icd10(conclusion)
    assert all(c.source == "examination" for c in suggestion.candidates), suggestion


def test_sequelae_of_a_past_disease_are_still_coded() -> None:
    conclusion = "Последствия перенесённого инфаркта мозга: киста в левой теменной доле."
    top = suggest_icd10(conclusion).top
    assert top is not None and top.code.startswith("I69"), top
    suspected = suggest_icd10("Нельзя исключить пневмоторакс.").candidates
    assert suspected and suspected[0].code.startswith("J93") and suspected[0].suspected


def test_a_name_that_rules_out_what_is_said_is_not_proposed() -> None:
    """K26.9 is «… без кровотечения или прободения»: a perforated ulcer is K26.5."""
    conclusion = "КТ-признаки перфоративной язвы луковицы ДПК, пневмоперитонеум."
    codes = [c.code for c in suggest_icd10(conclusion).candidates]
    assert codes and codes[0] == "K26.5" and "K26.9" not in codes, codes
    plain = suggest_icd10("Язва луковицы двенадцатиперстной кишки.").top
    assert plain is not None and plain.code == "K26.9", plain


def test_a_code_that_says_it_is_not_what_the_conclusion_states_is_dropped() -> None:
    """I66 is «Закупорка и стеноз церебральных артерий, не приводящие к инфаркту мозга» (its
    subdivisions too): an occlusion in a conclusion that states the infarct is not I66.x."""
    alone = suggest_icd10("МР-ангиография: окклюзия правой средней мозговой артерии.").top
    assert alone is not None and alone.code == "I66.0", alone
    conclusion = (
        "Зона ограничения диффузии в правой височной доле — острый ишемический инфаркт. "
        "Окклюзия правой средней мозговой артерии."
    )
    codes = [c.code for c in suggest_icd10(conclusion).candidates]
    assert codes and codes[0].startswith("I63") and not any(c.startswith("I66") for c in codes)
    bronchitis = [c.code for c in suggest_icd10("Хронический бронхит, пневмофиброз.").candidates]
    assert "J40" not in bronchitis, bronchitis  # «Бронхит, не уточненный как … хронический»


@pytest.mark.parametrize(
    ("conclusion", "code"),
    [
        ("Холедохолитиаз, расширение холедоха до 12 мм.", "K80.5"),
        ("Билиарный сладж в желчном пузыре.", "K82.8"),
        ("Ахалазия кардии II стадии.", "K22.0"),
        ("Субмукозная миома матки 15 мм.", "D25.0"),
    ],
)
def test_radiology_vocabulary_reaches_the_classification_wording(
    conclusion: str, code: str
) -> None:
    top = suggest_icd10(conclusion).top
    assert top is not None and top.code == code, (conclusion, top)


def test_a_phrasing_does_not_match_on_its_organ_alone() -> None:
    """«киста молочной железы» (N60.0) is a phrasing; «Молочные железы.» names no finding."""
    assert suggest_icd10("Молочные железы.").candidates == ()
    top = suggest_icd10("Киста правой молочной железы 8 мм.").top
    assert top is not None and top.code == "N60.0", top


def test_a_preserved_physiological_curve_is_no_finding() -> None:
    for conclusion in (
        "Дегенеративно-дистрофических изменений не выявлено, физиологический лордоз сохранён.",
        "Физиологический грудной кифоз сохранён.",
        "Патологических изменений не выявлено. Сглаженность поясничного лордоза.",
    ):
        suggestion = suggest_icd10(conclusion)
        assert all(c.source == "examination" for c in suggestion.candidates), suggestion


def test_a_negated_hyphenated_compound_is_negated_whole() -> None:
    """The fused lemma of «дегенеративно-дистрофических» stands beside its parts, so the
    negation that removes them removes it too."""
    parsed, _ = read_conclusion("Дегенеративно-дистрофических изменений не выявлено.")
    assert parsed[0].lemmas == ()


def test_bilateral_arthrosis_is_the_bilateral_subdivision() -> None:
    """«Первичный коксартроз двусторонний» (M16.0): nobody dictates «первичный», the default
    unless a cause is named; «двусторонний» decides."""
    top = suggest_icd10("Двусторонний коксартроз II стадии.").top
    assert top is not None and top.code == "M16.0", top
    post = suggest_icd10("Посттравматический коксартроз справа.").top
    assert post is not None and post.code.startswith("M16.5"), post


def test_a_symptom_code_yields_to_the_disease_named() -> None:
    """R59.9 (enlarged lymph nodes) is no main diagnosis beside a named cancer; alone it is."""
    conclusion = (
        "Периферическое образование S6 правого лёгкого 30 мм, увеличение бронхопульмональных "
        "лимфоузлов справа. КТ-картина периферического рака нижней доли правого лёгкого."
    )
    top = suggest_icd10(conclusion).top
    assert top is not None and top.code == "C34.3", top
    alone = suggest_icd10("Увеличение шейных лимфоузлов справа до 18 мм.").top
    assert alone is not None and alone.code.startswith("R59"), alone


def test_without_an_unspecified_subdivision_the_other_one_holds_the_plain_name() -> None:
    """J62 has no .9: «силикоз» with nothing more is J62.8 «… другой пылью, содержащей
    кремний», not the category, which is no code to enter."""
    top = suggest_icd10("Двусторонний силикоз лёгких, фиброз корней.").top
    assert top is not None and top.code == "J62.8", top


def test_osteoporosis_is_the_background_of_a_fracture() -> None:
    fracture = suggest_icd10(
        "Выраженный остеопороз. Перелом дистального метаэпифиза лучевой кости."
    )
    assert fracture.top is not None and fracture.top.code.startswith("S52"), fracture.top
    alone = suggest_icd10("Денситометрия: остеопороз, T-критерий −2,8.").top
    assert alone is not None and alone.code.startswith("M81"), alone


def test_in_the_outcome_of_a_disease_is_its_sequelae() -> None:
    top = suggest_icd10("Кистозно-глиозные изменения левой височной доли в исходе инфаркта мозга.")
    assert top.top is not None and top.top.code == "I69.3", top.top
