"""How a conclusion is read before retrieval: lemmas that meet the names, abbreviations,
question marks, where a subdivision's words count, and what the candidate list holds.
Conclusions written for these tests, not taken from any evaluation set."""

import pytest

from structuring.icd10 import IcdCandidate, suggest_icd10
from structuring.icd10_clauses import read_conclusion
from structuring.icd10_text import lemma, lemmas


def _top(conclusion: str, modality: str = "") -> IcdCandidate:
    """The proposed code; failing the test when none is proposed."""
    top = suggest_icd10(conclusion, modality).top
    assert top is not None
    return top


@pytest.mark.parametrize(
    ("word", "expected"),
    [("аневризмы", "аневризма"), ("субдуральной", "субдуральный"), ("шейке", "шейка")],
)
def test_a_reading_the_classification_uses_wins(word: str, expected: str) -> None:
    assert lemma(word) == expected


def test_an_aneurysm_in_the_genitive_meets_its_name() -> None:
    top = _top("КТ-признаки аневризмы брюшного отдела аорты до 48 мм.")
    assert top.code == "I71.4"


def test_an_abbreviation_with_a_full_stop_does_not_end_the_sentence() -> None:
    parsed, texts = read_conclusion("Хр. панкреатит. Кисты печени.")
    assert texts[0] == "Хр. панкреатит"
    assert parsed[1].sentence == 1
    top = _top("Хр. калькулезный холецистит, конкремент 12 мм.")
    assert top.code == "K80.1"


def test_a_question_mark_is_a_suspicion() -> None:
    parsed, _ = read_conclusion("Узловые образования по брюшине — канцероматоз?")
    assert [clause.suspected for clause in parsed] == [False, True]
    top = _top("Узловые образования по брюшине — канцероматоз?")
    assert top.code == "C78.6"
    assert top.suspected


def test_a_colon_elaboration_does_not_swallow_the_next_sentence() -> None:
    text = "Острый флегмонозный аппендицит: отросток 11 мм. Лимфаденит брыжейки."
    parsed, texts = read_conclusion(text)
    assert texts[:2] == ["Острый флегмонозный аппендицит", "Лимфаденит брыжейки"]
    assert not parsed[1].detail


def test_a_subdivision_is_chosen_on_its_own_findings_words() -> None:
    # «наружные» belongs to the lymph nodes, not to the cervix (C53.1 «наружной части»)
    text = "Рак шейки матки. Увеличены наружные подвздошные лимфоузлы."
    top = _top(text)
    assert top.code == "C53.9"


def test_a_latin_name_in_brackets_is_a_name() -> None:
    top = _top("Hallux valgus слева.")
    assert top.code == "M20.1"


def test_the_list_holds_each_family_once() -> None:
    for text in (
        "Метастатическое поражение лимфоузлов брюшной полости и печени.",
        "Образование поджелудочной железы — рак? Метастазы в печень.",
    ):
        codes = [c.code for c in suggest_icd10(text).candidates]
        for i, code in enumerate(codes):
            assert not any(o.startswith(code) or code.startswith(o) for o in codes[i + 1 :])


@pytest.mark.parametrize(
    ("modality", "code"),
    [("КТ", "Z01.6"), ("рентгенография", "Z01.6"), ("УЗИ", "Z01.8"), ("МРТ", "Z01.8")],
)
def test_a_normal_studys_code_follows_the_modality(modality: str, code: str) -> None:
    top = _top("Патологических изменений не выявлено.", modality)
    assert (top.code, top.source) == (code, "examination")


@pytest.mark.parametrize(
    ("conclusion", "code"),
    [
        ("Рак сигмовидной кишки. Метастазы в парааортальные лимфатические узлы.", "C18.7"),
        ("Периферический рак верхней доли правого лёгкого, метастазы в печень.", "C34.1"),
        ("Метастатическое поражение печени.", "C78.7"),
    ],
)
def test_a_named_primary_tumour_leads_its_metastases(conclusion: str, code: str) -> None:
    top = _top(conclusion)
    assert top.code == code


def test_a_clause_after_a_dash_says_what_the_finding_is() -> None:
    parsed, _ = read_conclusion("Образование левого надпочечника 15 мм — аденома.")
    assert [clause.explains for clause in parsed] == [False, True]
    top = _top("Образование левого надпочечника 15 мм, плотность 5 HU — аденома.")
    assert top.code == "D35.0"
    assert not top.suspected


def test_an_elaboration_is_read_with_what_it_elaborates() -> None:
    parsed, _ = read_conclusion(
        "Дегенеративные изменения поясничного отдела позвоночника: остеохондроз."
    )
    assert parsed[1].detail
    assert parsed[1].sentence == parsed[0].sentence
    text = "Дегенеративные изменения поясничного отдела позвоночника: остеохондроз."
    top = _top(text)
    assert top.code.startswith("M42")


def test_a_truncated_word_is_completed() -> None:
    words = lemmas("О. панкреатит, интерстиц. отёк, ОНМК по ишем. типу в бас. л. СМА")
    assert words[:2] == ["острый", "панкреатит"]
    assert "интерстициальный" in words
    assert "ишемический" in words
    assert "левый" in words
    _, texts = read_conclusion("ОНМК по ишем. типу в бас. л. СМА. Кровоизлияния нет.")
    assert texts[0] == "ОНМК по ишем. типу в бас. л. СМА"
    top = _top("О. панкреатит, парапанкреатическая жидкость.")
    assert top.code.startswith("K85")


def test_numbers_listed_with_commas_stay_in_their_clause() -> None:
    _, texts = read_conclusion("Переломы 5, 6, 7 ребер справа без смещения.")
    assert texts == ["Переломы 5, 6, 7 ребер справа без смещения"]
    top = _top("Переломы 5, 6, 7 ребер справа без смещения.")
    assert top.code.startswith("S22.4")


def test_an_external_cause_is_never_the_main_diagnosis() -> None:
    codes = [c.code for c in suggest_icd10("Падение с высоты. Компр. перелом тела L1.").candidates]
    assert codes
    assert not any(code[0] in "VWXY" for code in codes)
    assert codes[0].startswith("S32.0")


def test_a_level_heading_belongs_to_its_finding() -> None:
    _, texts = read_conclusion("C5–C6: задняя грыжа диска 5 мм с компрессионной миелопатией.")
    assert texts[0].startswith("C5–C6 задняя грыжа диска")
    top = _top("C5–C6: задняя грыжа диска 5 мм с компрессионной миелопатией.")
    assert top.code == "M50.0"


def test_after_findings_alone_a_later_sentence_is_the_diagnosis() -> None:
    alone = suggest_icd10("Острая тонкокишечная непроходимость.").top
    after = suggest_icd10("Петли тонкой кишки до 35 мм. Острая тонкокишечная непроходимость.").top
    assert alone is not None
    assert after is not None
    assert after.code == alone.code
    assert after.score == pytest.approx(alone.score)


def test_a_bracketed_disease_name_is_a_name_with_its_head_noun() -> None:
    top = _top("Теносиновит де Кервена справа.")
    assert top.code == "M65.4"
    top = _top("Картина болезни Девика.")
    assert top.code == "G36.0"


def test_a_normal_study_offers_the_observation_code_of_what_it_ruled_out() -> None:
    text = "Признаков метастатического поражения костей скелета не выявлено."
    codes = [c.code for c in suggest_icd10(text, "сцинтиграфия").candidates]
    assert codes == ["Z01.8", "Z01.6", "Z03.1"]
    parsed, _ = read_conclusion("Свободной жидкости нет, пневмонии не выявлено.")
    assert [clause.ruled_out for clause in parsed] == [("свободный", "жидкость"), ("пневмония",)]


def test_a_structure_stated_intact_is_normal_but_an_intact_attribute_is_not() -> None:
    parsed, _ = read_conclusion("Крестообразные и коллатеральные связки интактны.")
    assert parsed[0].normal
    top = _top("Крестообразные и коллатеральные связки интактны.", "МРТ")
    assert top.source == "examination"
    parsed, _ = read_conclusion("Полнослойный разрыв ПКС при интактной ЗКС.")
    assert not parsed[0].normal
    top = _top("Полнослойный разрыв ПКС при интактной ЗКС.")
    assert top.code == "S83.5"


def test_a_negation_after_a_list_negates_each_genitive_item_but_no_finding() -> None:
    parsed, _ = read_conclusion("Инфильтративных изменений, жидкости в плевральных полостях нет.")
    assert all(clause.negated for clause in parsed)
    assert all(not clause.lemmas for clause in parsed)
    parsed, _ = read_conclusion("Камень левой почки, расширения чашечек не выявлено.")
    assert [clause.negated for clause in parsed] == [False, True]
    top = _top("Камень левой почки, расширения чашечек не выявлено.")
    assert top.code.startswith("N20")


def test_an_eponym_of_several_names_is_read_however_its_names_are_joined() -> None:
    joined = ("Легга-Кальве-Пертеса", "Легга–Кальве–Пертеса", "Легга Кальве Пертеса")
    assert len({tuple(lemmas(name)) for name in joined}) == 1
    assert lemmas("верхне-наружный")[-1] == "верхненаружный"


def test_an_adjective_decides_its_nouns_lemma() -> None:
    # «железа» after a feminine adjective is the gland, not the genitive of iron
    assert lemmas("Щитовидная железа увеличена")[1] == "железа"
    assert lemmas("недостаточность железа")[1] == "железо"
    top = _top("Гипоэхогенное образование левой МЖ 9 мм.")
    assert top.code == "N63"


def test_a_consequence_is_coded_after_the_disease_that_explains_it() -> None:
    top = _top("Цирроз печени, портальная гипертензия, спленомегалия.")
    assert top.code.startswith("K74")
    top = _top("Портальная гипертензия: расширение воротной вены до 16 мм.")
    assert top.code == "K76.6"
    # a compression atelectasis is what the effusion does to the lung
    top = _top("Правосторонний гидроторакс до уровня 7 ребра, компрессионный ателектаз S10 справа.")
    assert top.code == "J90"


def test_a_study_that_rules_out_several_things_and_names_nothing_else_is_normal() -> None:
    conclusion = "УЗИ почек: конкрементов не выявлено, ЧЛС не расширена. Объем 120 мл."
    suggestion = suggest_icd10(conclusion, "УЗИ")
    assert suggestion.top is not None
    assert suggestion.top.source == "examination"
    # one negation beside a finding the index does not know is no normal study
    assert suggest_icd10("Образование хрящевой плотности, жидкости нет.").top is None


def test_an_unspecified_code_gives_way_to_the_sibling_its_sentence_specifies() -> None:
    conclusion = (
        "Хронический гнойный средний отит слева, эпитимпано-антральная форма с холестеатомой: "
        "деструкция стенки аттика, эрозия наковальни, мягкотканные массы в антруме. "
        "Сосцевидный отросток склерозирован."
    )
    assert _top(conclusion).code == "H66.2"
    # another finding's words do not specify it: the outer cervix is no lymph node's
    conclusion = (
        "Рак шейки матки с инфильтрацией параметрия. "
        "Увеличенные наружные подвздошные лимфоузлы — подозрение на метастазы."
    )
    assert _top(conclusion).code != "C53.1"


def test_a_suspicion_of_its_own_after_a_stated_diagnosis_ranks_after_it() -> None:
    top = _top("Перелом медиальной лодыжки слева. Разрыв дельтовидной связки?")
    assert top.code == "S82.5"
    assert _top("Разрыв дельтовидной связки?").code == "S93.2"


def test_a_name_of_one_condition_with_another_is_read_over_the_whole_conclusion() -> None:
    conclusion = (
        "МР-картина ДДЗП поясничного отдела позвоночника (остеохондроз, спондилоартроз). "
        "Задняя левосторонняя фораминальная грыжа диска L4–L5 до 5 мм с компрессией левого "
        "корешка L4. Протрузия диска L3–L4."
    )
    assert _top(conclusion).code == "M51.1"
    conclusion = (
        "КТ-признаки конкремента средней трети левого мочеточника 7 мм с уретерогидронефрозом "
        "слева. Мелкие конкременты чашечек обеих почек. МКБ."
    )
    assert "N20.2" in [c.code for c in suggest_icd10(conclusion).candidates]


def test_alternatives_after_the_best_code_may_score_below_its_calibrated_range() -> None:
    conclusion = "Объемное образование яичника с папиллярными разрастаниями, асцит."
    suggestion = suggest_icd10(conclusion)
    assert "C56" in [c.code for c in suggestion.candidates]
    assert all(c.confidence < 0.45 for c in suggestion.candidates[1:])
    # nothing is proposed from scores that low alone
    assert suggest_icd10("Подозрение на образование.").top is None
