"""Word formation and subdivisions in the МКБ-10 retrieval, on conclusions written here."""

from structuring.icd10 import suggest_icd10
from structuring.icd10_clauses import main_and_detail
from structuring.icd10_expand import compound_tail, organ_noun, tumour_names, vertebra_region
from structuring.icd10_index import icd10_index
from structuring.icd10_leaf import leaf
from structuring.icd10_text import lemmas


def test_compound_adjective_leads_to_its_last_word() -> None:
    vocabulary = icd10_index().idf.keys()
    assert compound_tail("нижнедолевой", vocabulary) == "долевой"
    assert compound_tail("аденогипофиз", vocabulary) == "гипофиз"
    assert compound_tail("долевой", vocabulary) is None  # known as it is
    assert compound_tail("правый", vocabulary) is None


def test_vertebra_label_names_its_region_but_an_mri_weighting_does_not() -> None:
    assert vertebra_region("l1") == ("поясничный",)
    assert vertebra_region("th12") == ("грудной",)
    assert vertebra_region("c5") == ("шейный",)
    assert vertebra_region("t2") == ()


def test_relative_adjective_leads_to_an_organ_only() -> None:
    anatomy = icd10_index().anatomy
    assert organ_noun("мозговой", anatomy) == "мозг"
    assert organ_noun("лучевой", anatomy) is None  # «лучевая кость», not a ray
    assert organ_noun("фиброзный", anatomy) is None


def test_tumour_names_carry_their_behaviour_from_the_morphology_directory() -> None:
    names = tumour_names()
    assert names["аденома"] == tuple(lemmas("доброкачественный новообразование"))
    assert names["липосаркома"] == tuple(lemmas("злокачественный новообразование"))


def test_category_is_coded_at_its_subdivision() -> None:
    index = icd10_index()
    # nothing specific said: the unspecified subdivision
    assert leaf("K35", lemmas("острый аппендицит"), index).code == "K35.8"
    # the subdivision's own word said, through the compound
    said = index.query(lemmas("правосторонняя нижнедолевая пневмония")).match
    assert leaf("J18", said, index).code == "J18.1"
    # every subdivision is about the unspecified level: keep the category
    assert leaf("T08", lemmas("перелом позвоночника"), index).code == "T08"
    # a retrieved unspecified subdivision yields to the sibling the conclusion describes
    said = index.query(lemmas("грыжа диска C5-C6 с миелопатией")).match
    assert leaf("M50.9", said, index).code == "M50.0"


def test_suggestions_use_word_formation() -> None:
    top = suggest_icd10("МР-картина макроаденомы гипофиза.").top
    assert top is not None and top.code == "D35.2"
    top = suggest_icd10("Компрессионный перелом тела позвонка Th11 без смещения отломков.").top
    assert top is not None and top.code.startswith("S22.0")


def test_asides_and_colon_elaborations_are_details() -> None:
    main, detail = main_and_detail(
        "КТ-признаки кишечной непроходимости: уровни жидкости (до 5 уровней). Асцит."
    )
    assert "уровни" not in main and "Асцит" in main
    assert "уровни жидкости" in detail and "до 5 уровней" in detail
    main, _ = main_and_detail("Заключение: острый аппендицит.")
    assert "аппендицит" in main  # a heading before the colon, not a statement


def test_hyphenated_combining_form_meets_the_fused_name() -> None:
    assert "верхненаружный" in lemmas("верхне-наружного квадранта")
    top = suggest_icd10("Рак верхне-наружного квадранта левой молочной железы.").top
    assert top is not None and top.code == "C50.4"
