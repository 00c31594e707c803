"""Dictionaries: build → load → correct round-trip, guard, user additions, prompt, rescoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from vocabularies.build import word_forms
from vocabularies.corrector import FormIndex, NearMissCorrector
from vocabularies.lexicon import is_ordinary_word
from vocabularies.loader import load_vocabulary, packaged_dictionary
from vocabularies.model import Dictionary, DictionaryMeta, Entry, read_dictionary, write_dictionary
from vocabularies.prompt import prompt_for
from vocabularies.rescore import rescore
from vocabularies.specialties import SPECIALTIES, resolve_specialty
from vocabularies.user import UserLexicon, add_terms


def _words(text: str) -> list[str | None]:
    return [None if word in ",." else word for word in text.replace(",", " ,").split()]


def test_round_trip_build_load_correct(tmp_path: Path) -> None:
    meta = DictionaryMeta("test", "Тест", "tests", "Apache-2.0")
    source = Dictionary(meta, (Entry("нижнедолевая пневмония", weight=2.0),))
    path = tmp_path / "test.jsonl.gz"
    write_dictionary(source, path)
    loaded = read_dictionary(path)
    assert loaded == source
    corrector = NearMissCorrector(FormIndex(word_forms([loaded])), is_ordinary_word)
    found = corrector.find(_words("признаки нижне далевой пневмонии"))
    assert [(r.raw, r.text, r.dictionary) for r in found] == [
        ("нижне далевой", "нижнедолевой", "test")
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("гидраторекс", "гидроторакс"),
        ("пневмоторекс", "пневмоторакс"),
        ("телектаза", "ателектаза"),
        ("бренхопульмональные", "бронхопульмональные"),
        ("междуливых", "междолевых"),
        ("внутри грудных", "внутригрудных"),
    ],
)
def test_packaged_dictionaries_fix_mishearings(raw: str, expected: str) -> None:
    found = load_vocabulary("general").corrector.find(_words(raw))
    assert [r.text for r in found] == [expected]


@pytest.mark.parametrize(
    "sentence",
    [
        "Утром мы вышли из дома пораньше, чтобы успеть на электричку",
        "Бабушка всегда говорила, что хороший пирог начинается с терпения",
        "Секретарь разослала письмо с новой повесткой, бухгалтерия готовит отчёты",
        "Печень не увеличена, контуры ровные, эхоструктура однородная",
        "Без очаговых и инфильтративных изменений, средостение не смещено",
        "Мягкие ткани отёчны, суставные поверхности конгруэнтны",
    ],
)
def test_ordinary_sentences_are_left_alone(sentence: str) -> None:
    assert load_vocabulary("general").corrector.find(_words(sentence)) == []


def test_every_specialty_has_dictionaries() -> None:
    for specialty in SPECIALTIES:
        own, _ = SPECIALTIES[specialty]
        assert all(packaged_dictionary(name).entries for name in own)
    assert packaged_dictionary("icd10").meta.source.startswith("FNSI")
    assert resolve_specialty("КТ") == "ct"
    assert resolve_specialty(None, "mri_spine") == "neuroradiology"
    with pytest.raises(ValueError, match="unknown specialty"):
        resolve_specialty("astrology")


def test_pathology_is_filtered_by_method() -> None:
    ultrasound = load_vocabulary("ultrasound")
    pathology = next(d for d in ultrasound.dictionaries if d.name == "pathology")
    assert all("УЗД" in entry.tags or not entry.tags for entry in pathology.entries)


def test_user_dictionary_drop_in(tmp_path: Path) -> None:
    before = load_vocabulary("general", tmp_path / "dictionaries")
    assert before.corrector.find(_words("введён омнипаг")) == []
    add_terms(tmp_path, "site", ["Омнипак"])  # a contrast agent this site uses
    vocabulary = load_vocabulary("general", tmp_path / "dictionaries")
    found = vocabulary.corrector.find(_words("введён омнипаг"))
    assert [(r.text, r.dictionary) for r in found] == [("омнипак", "site")]


def test_user_lexicon_learns_and_persists(tmp_path: Path) -> None:
    lexicon = UserLexicon.for_user(tmp_path, "doctor-1")
    lexicon.learn("котэ признаки", "КТ признаки")
    reloaded = UserLexicon.for_user(tmp_path, "doctor-1")
    found = reloaded.find(_words("Котэ признаки пневмонии"))
    assert [(r.raw, r.text) for r in found] == [("Котэ признаки", "КТ признаки")]


def test_prompt_is_short_and_specialty_specific() -> None:
    mammography = prompt_for("mammography", None)
    assert "BI-RADS" in mammography
    assert len(prompt_for("general", None)) <= 400
    assert prompt_for(None, "ct_chest") != mammography


def test_rescore_prefers_dictionary_words_when_close() -> None:
    vocabulary = load_vocabulary("general")
    hypotheses = [("нижне далевая не в мони", -0.30), ("нижнедолевая пневмония", -0.35)]
    assert rescore(hypotheses, vocabulary) == 1
    assert rescore([("печень не увеличена", -0.2), ("печень не увеличена", -0.9)], vocabulary) == 0
