"""Dictionaries: build → load → correct round-trip, guard, user additions, prompt, rescoring."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pytest

from structuring.itn.tokens import tokenize
from structuring.postprocess import postprocess
from tests.heard import heard
from vocabularies.build import word_forms
from vocabularies.corrector import FormIndex, NearMissCorrector, Replacement
from vocabularies.lexicon import is_ordinary_word
from vocabularies.loader import load_vocabulary, packaged_dictionary
from vocabularies.model import Dictionary, DictionaryMeta, Entry, read_dictionary, write_dictionary
from vocabularies.particles import ParticleSplit
from vocabularies.prompt import prompt_for
from vocabularies.rescore import rescore
from vocabularies.script import to_cyrillic
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
        ("мененгемы", "менингиомы"),
        ("гимотом", "гематом"),
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
    assert resolve_specialty(None, "mri_spine") == "mri"  # spine: neuro and orthopaedics
    assert resolve_specialty(None, "mri_brain") == "neuroradiology"
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


class _Finder(Protocol):
    def find(self, words: Sequence[str | None]) -> list[Replacement]: ...


def _apply(text: str, *finders: _Finder) -> str:
    """``text`` after each finder's replacements, in turn, as the pipeline applies them."""
    words: list[str | None] = list(text.split())
    for finder in finders:
        found = finder.find(words)
        for replacement in sorted(found, key=lambda r: r.start, reverse=True):
            words[replacement.start : replacement.end] = replacement.text.split(" ")
    return " ".join(str(w) for w in words)


def _fixes(text: str, specialty: str = "general") -> list[tuple[str, str]]:
    vocabulary = load_vocabulary(specialty)
    words = _words(text)
    found = [*vocabulary.corrector.find(words), *vocabulary.phrases.find(words)]
    return [(r.raw, r.text) for r in found]


def test_real_word_error_inside_a_multiword_term_is_corrected() -> None:
    assert ("вина", "вена") in _fixes("воротная вина расширена до пятнадцати мм")
    # …but the same ordinary word outside the term stays.
    assert _fixes("вина за опоздание лежала на мне") == []


def test_whisper_word_boundaries_are_repaired() -> None:
    assert ("нижне далевых", "нижнедолевых") in _fixes("в просвете нижне далевых артерий")
    assert ("внутри грудных", "внутригрудных") in _fixes("внутри грудных лимфатических узлов")


def test_split_needs_dictionary_parts() -> None:
    vocabulary = load_vocabulary("general")
    split = vocabulary.corrector._split("плевральнойполости", 0)
    assert split is not None and split.text == "плевральной полости"
    assert vocabulary.corrector._split("надосной", 0) is None  # not «надо сной»


def test_spoken_abbreviation_becomes_the_abbreviation() -> None:
    assert ("Котепризнаки", "КТ признаки") in _fixes("Котепризнаки пневмонии")
    # in the pipeline the fused word may first split («Коте признаки»), then become «КТ»
    fused = "Котепризнаки пневмонии"
    assert postprocess(fused, specialty="ct", words=heard(fused)).text == "КТ признаки пневмонии"
    assert _fixes("Каты признаки тромбоэмболии") == [("Каты признаки", "КТ признаки")]
    assert _fixes("коты признаки весны чувствуют") != [("коты признаки", "КТ признаки")]
    # Hyphenated: the spoken form fused to its head noun, and a written acronym before a
    # misheard word, which is corrected on its own while the acronym stays.
    assert _fixes("Эмр-картина микроаденомы гипофиза") == [("Эмр-картина", "МР картина")]
    assert _fixes("КТ-кортина саркоидоза") == [("КТ-кортина", "КТ-картина")]
    assert _fixes("КТ-признаки пневмонии") == []


def test_ordinary_sentences_are_left_alone_in_context() -> None:
    for sentence in (
        "Картина висит в гостиной над диваном, признаки весны на ней не найти.",
        "Правая сторона улицы застроена домами, левая занята парком.",
        "Доля правды в этой шутке была немалой, и все это понимали.",
        "Точка зрения директора не совпадала с мнением совета.",
    ):
        assert _fixes(sentence) == [], sentence


def test_prompt_follows_template_then_specialty() -> None:
    chest = prompt_for(None, "ct_chest")
    assert chest.startswith("Компьютерная томография органов грудной клетки")
    assert "Описание." in chest and "Заключение." in chest
    assert prompt_for("ct", "ct_chest_contrast") == chest  # template wins, prefix match
    assert prompt_for("urology", None) == prompt_for(None, "us_kidney")
    assert prompt_for(None, "unknown_template") == prompt_for(None, None)
    for template in ("ct_chest", "mri_spine", "us_thyroid", "mammography", "xray_bone"):
        assert len(prompt_for(None, template)) <= 400


def test_rescore_picks_the_dictionary_consistent_hypothesis() -> None:
    vocabulary = load_vocabulary("pulmonology")
    hypotheses = [
        ("признаки двухсторонней трамбайм боли лёгочной артерии", -0.41),
        ("признаки двусторонней тромбоэмболии лёгочной артерии", -0.44),
    ]
    assert rescore(hypotheses, vocabulary) == 1


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        # case after a preposition: the adjective and the preposition agree, the noun not
        ("в средней доли правого лёгкого", "в средней доле правого лёгкого"),
        ("в правой доли печени", "в правой доле печени"),
        ("на передней брюшной стенки", "на передней брюшной стенке"),
        # adjective-noun agreement: the cheaper repair by sound
        ("компрессионная ателектаз нижней доли", "компрессионный ателектаз нижней доли"),
        (
            "правосторонние травматические пневмоторакс",
            "правосторонний травматический пневмоторакс",
        ),
        ("нижнедолевых лёгочных артерии", "нижнедолевых лёгочных артерий"),
        # a hyphen Whisper put inside a dictionary word
        ("лево-сторонний гидроторакс", "левосторонний гидроторакс"),
        # a short adjective before a short participle is the adverb
        ("железа диффузна увеличена", "железа диффузно увеличена"),
        ("стенка умеренна утолщена", "стенка умеренно утолщена"),
        # a short predicate agrees with its subject: unstressed «-а» and «-о» sound alike
        ("печень не увеличено", "печень не увеличена"),
        (
            "нижняя доля левого лёгкого уменьшено в объёме",
            "нижняя доля левого лёгкого уменьшена в объёме",
        ),
        ("сердце расширена влево", "сердце расширено влево"),
        ("сухожилие подлопаточной мышцы утолщена", "сухожилие подлопаточной мышцы утолщено"),
        # …and a subject whose singular sounds like the plural written takes the singular
        ("сухожилия подлопаточной мышцы утолщена", "сухожилие подлопаточной мышцы утолщено"),
        ("средостения смещено вправо", "средостение смещено вправо"),
        # an ending written as a word of its own, joined where it makes the phrase agree
        (
            "признаки внутримозговой гематом и в области",
            "признаки внутримозговой гематомы в области",
        ),
        ("медиально и суставное пространство", "медиальное суставное пространство"),
        (
            "компримирует дуральные мешок и спинной мозг",
            "компримирует дуральный мешок и спинной мозг",
        ),
        # a case ending written as a two-letter word, after a numeral
        ("в двух проекции их", "в двух проекциях"),
        # a short adjective before a noun is the full form with a misheard ending
        ("магнитно резонансно томография", "магнитно резонансная томография"),
        # of two coordinated adjectives the first takes the second's agreeing form
        ("пристеночной и окклюзирующие дефекты", "пристеночные и окклюзирующие дефекты"),
        # a report's passive without its «-ся», or with it split off
        (
            "в левой плевральной полости определяет жидкость",
            "в левой плевральной полости определяется жидкость",
        ),
        ("в левой половине определяет со участок", "в левой половине определяется участок"),
        # a prefix heard as a preposition that cannot govern the phrase («под» + genitive)
        ("сухожилие под лопаточной мышцы", "сухожилие подлопаточной мышцы"),
        ("сухожилия под лопаточной мышцы утолщена", "сухожилие подлопаточной мышцы утолщено"),
        # one adjective after a preposition follows its noun when the noun's case is governed
        ("в нижневнутренним квадранте", "в нижневнутреннем квадранте"),
        # two adjectives after a preposition that disagree with each other
        ("разрыв в передние крестообразной связки", "разрыв в передней крестообразной связки"),
        ("в левой под мышечной области", "в левой подмышечной области"),
    ],
)
def test_endings_and_agreement_are_repaired(heard: str, expected: str) -> None:
    vocabulary = load_vocabulary("ct")
    finders = (vocabulary.corrector, vocabulary.grammar.boundaries, vocabulary.grammar)
    assert _apply(heard, *finders) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Соотношение диаметров правого и левого желудочков 1,2.",
        "Образование, интенсивно накапливающее контраст.",
        "Переломы пятого и шестого рёбер справа.",
        "Левый боковой желудочек компримирован.",
        "Аваскулярное при допплерографии.",
        "В средней трети левой доли изоэхогенный узел.",
        "Разрыв сухожилия на досной мышцы.",
        "Внутримозговой гематом и в области базальных ядер.",
        "В том числе в малом круге кровообращения.",
        "Мы сидели в большой комнате и говорили о новой книге.",
        "Печень неоднородна, увеличена.",
        "Правой теменной кости без смещения.",
        # «лёгкого» is the lung here, not an adjective of «очаг»
        "В нижней доле левого лёгкого очаг размером 5 мм.",
        "В средней доле правого лёгкого очаг.",
        # the subject is unclear (plural, an adjective, another clause), or an adverb
        "Мышцы утолщена.",
        "Левая лёгкая коллабирована.",
        "Печень неоднородна, увеличено.",
        "Поджелудочная железа диффузно увеличена.",
        "Эхоструктура диффузно неоднородная.",
        "Жидкость под лопаточной костью.",
        "Объём гематом и кист.",
        "В проекции их границ.",
        "Печень и селезёнка не увеличены.",
        "Контраст накапливает равномерно клетчатка не изменена.",
        "Суставные поверхности конгруэнтны точка.",
        "Паренхима накапливает контрастное вещество.",
        "Образование размером 12 мм, накапливает контраст.",
        "В этой ситуации врач определяет тактику.",
        "Тень под сердечной тенью.",
    ],
)
def test_grammar_repair_leaves_agreeing_and_unclear_phrases(sentence: str) -> None:
    words = [t.text if t.kind == "word" else None for t in tokenize(sentence)]
    grammar = load_vocabulary("ct").grammar
    assert grammar.boundaries.find(words) == []
    assert grammar.find(words) == []


@pytest.mark.parametrize(
    ("heard", "expected", "specialty"),
    [
        # a compound's first part heard as a word of its own
        ("по типу пневма фиброза", "по типу пневмофиброза", "xray"),
        ("заключение пневмой фиброз", "заключение пневмофиброз", "xray"),
        (
            "рентгенография левого то бедренного сустава",
            "рентгенография левого тазобедренного сустава",
            "trauma_orthopedics",
        ),
        ("левого то за бедренного сустава", "левого тазобедренного сустава", "trauma_orthopedics"),
        # a preposition that is the first sound of an unknown word
        (
            "разрыв сухожилия на досной мышцы",
            "разрыв сухожилия надостной мышцы",
            "trauma_orthopedics",
        ),
        ("из оехогенной солидный узел", "изоэхогенной солидный узел", "ultrasound"),
        # a preposition before a word no preposition governs is a first sound
        ("смещение отломка к наружен", "смещение отломка кнаружи", "trauma_orthopedics"),
        ("переломы перед не боковых отрезков", "переломы переднебоковых отрезков", "xray"),
        # compounds compared by sound: «один» is «адено-» with reduced vowels
        ("в левой половине один гипофиза", "в левой половине аденогипофиза", "neuroradiology"),
        ("признаки внутрь мозговой гематомы", "признаки внутримозговой гематомы", "neuroradiology"),
        # «сч» sounds «щ»
        ("исследование счетовидной железы", "исследование щитовидной железы", "ultrasound"),
        # a split exactly into a dictionary form, even when one part is unknown
        ("признаки острого пан креатита", "признаки острого панкреатита", "ct"),
        # a preposition fused with the next word
        ("лимфатические узлы неувеличены", "лимфатические узлы не увеличены", "ct"),
        ("правое лёгкое безизменений", "правое лёгкое без изменений", "ct"),
        ("дистального отломка сосмещением", "дистального отломка со смещением", "ct"),
        ("правое лёгкое безычаговых изменений", "правое лёгкое без очаговых изменений", "ct"),
        # an ordinary word fused with a long dictionary form
        ("солидный узеловальной формы", "солидный узел овальной формы", "ultrasound"),
    ],
)
def test_word_boundaries_of_compounds_and_prepositions(
    heard: str, expected: str, specialty: str
) -> None:
    assert _apply(heard, load_vocabulary(specialty).corrector) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        # real words whose join would be a compound only by a stretch, or with a preposition
        "Он стоял перед ней и молчал",
        "Под мышечной тканью видна жидкость",
        "то бедро, то колено болит",
        "Кошка спряталась под столом, собака лежала на диване",
        "Всё это время дети играли во дворе со смехом",
        "Он пришёл к нам и сказал, что при этом всё в норме",
        "Один день он провёл в постели",
    ],
)
def test_compound_and_preposition_rules_leave_ordinary_text(sentence: str) -> None:
    words = [t.text if t.kind == "word" else None for t in tokenize(sentence)]
    assert load_vocabulary("trauma_orthopedics").corrector.find(words) == []


def test_particle_to_is_split_off_nominals_only() -> None:
    split = ParticleSplit()
    assert [r.text for r in split.find(["левого-то", "за", "бедренного"])] == ["левого то"]
    assert split.find(["где-то", "когда-то", "какого-то"]) == []
    spoken = "Рентгенография левого-то за бедренного сустава"
    result = postprocess(spoken, specialty="xray", words=heard(spoken))
    assert result.text == "Рентгенография левого тазобедренного сустава"


def test_half_latin_words_are_respelled() -> None:
    assert to_cyrillic("метastатического") == "метастатического"
    assert to_cyrillic("zа") == "за"
    assert to_cyrillic("Cотек") == "Сотек"
    for unchanged in ("T2-взвешенных", "BI-RADS", "КТ-признаки", "печень"):
        assert to_cyrillic(unchanged) == unchanged


@pytest.mark.parametrize(
    ("heard", "expected", "specialty"),
    [
        ("в лоханочном мочеточниковом сегменте", "лоханочно-мочеточниковом", "urology"),
        ("пояснична крестцового отдела", "пояснично-крестцового", "neuroradiology"),
        ("магнитный резонансная томография", "магнитно-резонансная", "mri"),
        ("в нижнем внутреннем квадранте", "нижневнутреннем", "mammography"),
        ("в лоханочном и мочеточниковом сегменте", "лоханочно-мочеточниковом", "urology"),
        # a generic anchor («мозга») with a word one sound from the term's
        ("зоны отёка косного мозга", "костного", "trauma_orthopedics"),
    ],
)
def test_compounds_and_generic_anchors_in_phrases(
    heard: str, expected: str, specialty: str
) -> None:
    assert [r.text for r in load_vocabulary(specialty).phrases.find(_words(heard))] == [expected]


def test_a_whole_word_does_not_absorb_the_unknown_word_after_it() -> None:
    # «эмер» is the spoken «МР»; «заключение» must stay the section word
    fixes = _fixes("заключение эмер картина менингиомы", "neuroradiology")
    assert fixes == [("эмер картина", "МР картина")]


def test_coordinated_adjectives_are_not_compounded() -> None:
    assert _fixes("в просвете правой левой лёгочных артерий", "pulmonology") == []
    assert _fixes("правая почка и левая почка", "urology") == []
    assert _fixes("в правой нижней доле и левой верхней доле", "pulmonology") == []
