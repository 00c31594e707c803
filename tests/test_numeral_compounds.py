"""A compound's numeral stem written as a figure by the recogniser."""

from structuring.postprocess import postprocess


def _heard(text: str) -> str:
    words = [(w, 0.5) for w in text.replace(",", "").split()]
    return postprocess(text, template_id="ct_chest", words=words).text.lower()


def test_figure_before_a_compound_stem_becomes_the_stem() -> None:
    assert "двусторонний малый гидроторакс" in _heard("2-сторонний малый гидроторакс")
    assert "двусторонний малый гидроторакс" in _heard("2-х сторонний малый гидроторакс")
    assert "трехфазное" in _heard("трехфазное исследование, 3-фазное контрастирование")


def test_no_word_is_invented_and_typed_shorthand_is_kept() -> None:
    assert "2-абвгд" in _heard("узел 2-абвгд")  # no valid word: left alone
    typed = postprocess("2-сторонний малый гидроторакс", template_id="ct_chest")
    assert typed.text.startswith("2-сторонний")
