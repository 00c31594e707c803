"""Slips by ear mended from morphology: one sound-alike word form, or nothing."""

from vocabularies.spelling import sound_alike_word


def test_iotated_vowel_written_as_two_letters() -> None:
    assert sound_alike_word("застойа") == "застоя"


def test_one_sound_alike_edit() -> None:
    assert sound_alike_word("винозного") == "венозного"  # «виновного» does not sound alike
    assert sound_alike_word("перестроеки") == "перестройки"


def test_known_words_short_words_and_guesses_are_left_alone() -> None:
    assert sound_alike_word("венозного") is None  # known as it is
    assert sound_alike_word("тромб") is None  # too short to choose
    assert sound_alike_word("гепатоспленомегалия") is None  # no common word sounds like it
    assert sound_alike_word("базыльных") is None  # «базальных» does not sound the same
