"""Radiology codes: vertebral levels, MR sequences, scoring systems, letter grades.

Spoken Cyrillic letter names become the Latin codes radiologists write: «эль четыре эль
пять» → «L4-L5» (corpus convention: a hyphen), «тэ два» → «T2», «BI-RADS пять» → «BI-RADS 5»,
«тип плотности бэ» → «тип плотности B».
"""

from __future__ import annotations

from structuring.itn.tokens import Token, fold, is_word, match_words

# Spine letters. «тэ» is T1/T2 (sequences) alone, Th in a level pair or above 2.
_SPINE_LETTERS = {
    "эль": "L",
    "цэ": "C",
    "це": "C",
    "эс": "S",
    "тэ": "Th",
    "те": "Th",
    "l": "L",
    "c": "C",
    "s": "S",
    "th": "Th",
}
_SPINE_RANGE = {"L": 5, "C": 8, "S": 5, "Th": 12}
_SEQUENCES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("флэр",), "FLAIR"),
    (("флаер",), "FLAIR"),
    (("флаир",), "FLAIR"),
    (("флейр",), "FLAIR"),
    (("flair",), "FLAIR"),
    (("дэ", "вэ", "и"), "DWI"),
    (("dwi",), "DWI"),
    (("стир",), "STIR"),
    (("stir",), "STIR"),
    (("а", "дэ", "цэ"), "ADC"),
    (("adc",), "ADC"),
    (("эс", "вэ", "и"), "SWI"),
    (("swi",), "SWI"),
    (("пэ", "дэ"), "PD"),
)
# Scoring systems; spoken forms are folded (lower case, ё → е).
_SCORES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("би", "рэдс"), "BI-RADS"),
    (("би", "радс"), "BI-RADS"),
    (("би-радс",), "BI-RADS"),
    (("би-рэдс",), "BI-RADS"),
    (("бирадс",), "BI-RADS"),
    (("bi-rads",), "BI-RADS"),
    (("birads",), "BI-RADS"),
    (("bi", "rads"), "BI-RADS"),
    (("ти", "рэдс"), "TI-RADS"),
    (("ти", "радс"), "TI-RADS"),
    (("ти-радс",), "TI-RADS"),
    (("ти-рэдс",), "TI-RADS"),
    (("тирадс",), "TI-RADS"),
    (("ti-rads",), "TI-RADS"),
    (("tirads",), "TI-RADS"),
    (("ланг", "рэдс"), "Lung-RADS"),
    (("ланг-рэдс",), "Lung-RADS"),
    (("лунг", "радс"), "Lung-RADS"),
    (("lung-rads",), "Lung-RADS"),
    (("ко", "рэдс"), "CO-RADS"),
    (("ко-радс",), "CO-RADS"),
    (("корадс",), "CO-RADS"),
    (("ко-рэдс",), "CO-RADS"),
    (("co-rads",), "CO-RADS"),
    (("ли", "рэдс"), "LI-RADS"),
    (("ли-радс",), "LI-RADS"),
    (("li-rads",), "LI-RADS"),
    (("пи", "рэдс"), "PI-RADS"),
    (("пи-радс",), "PI-RADS"),
    (("pi-rads",), "PI-RADS"),
    (("босняк",), "Bosniak"),
    (("босниак",), "Bosniak"),
    (("bosniak",), "Bosniak"),
    (("по", "босняку"), "по Bosniak"),
)
_LETTERS = {"а": "A", "бэ": "B", "бе": "B", "цэ": "C", "це": "C", "дэ": "D", "де": "D"}
_LETTER_AFTER = (("тип", "плотности"), ("тип",), ("класс",), ("категория",), ("типа",))


def _number_after(tokens: list[Token], index: int) -> Token | None:
    if index < len(tokens) and tokens[index].number and tokens[index].text.isdigit():
        return tokens[index]
    return None


def _spine_level(tokens: list[Token], index: int) -> tuple[str, int] | None:
    """«эль четыре» → ("L4", end)."""
    token = tokens[index]
    if token.kind != "word":
        return None
    letter = _SPINE_LETTERS.get(fold(token.text))
    number = _number_after(tokens, index + 1)
    if letter is None or number is None:
        return None
    value = int(number.text)
    if not 1 <= value <= _SPINE_RANGE[letter]:
        return None
    return f"{letter}{value}", index + 2


def _rewrite_spine(tokens: list[Token], index: int) -> tuple[Token, int] | None:
    first = _spine_level(tokens, index)
    if first is None:
        return None
    code, end = first
    second = _spine_level(tokens, end) if end < len(tokens) else None
    if second is None and end + 1 < len(tokens) and tokens[end].text in {"-", "–"}:
        second = _spine_level(tokens, end + 1)
    if second is not None:
        return Token(f"{code}-{second[0]}", "word"), second[1]
    if code in {"Th1", "Th2"}:
        code = code.replace("Th", "T")  # a lone «тэ два» is the T2 sequence
    return Token(code, "word"), end


# The level below the last of a spine region: «L5 с 1» is L5-S1 (the recogniser heard the
# letter «эс» as the preposition «с»; only S sounds like a word).
_NEXT_REGION = {"L5": "S"}


def _rewrite_lumbosacral(tokens: list[Token], index: int) -> tuple[Token, int] | None:
    """«L5 с 1» / «L5 эс 1» → «L5-S1»."""
    token = tokens[index]
    region = _NEXT_REGION.get(token.text.upper()) if token.kind == "word" else None
    if region is None or index + 2 >= len(tokens):
        return None
    number = _number_after(tokens, index + 2)
    if fold(tokens[index + 1].text) not in {"с", "эс"} or number is None or number.text != "1":
        return None
    return Token(f"{token.text.upper()}-{region}1", "word"), index + 3


_FIRST_WORDS: dict[int, frozenset[str]] = {}


def _rewrite_phrase(
    tokens: list[Token], index: int, table: tuple[tuple[tuple[str, ...], str], ...]
) -> tuple[Token, int] | None:
    # Most tokens start no phrase: one set lookup instead of matching every phrase.
    first = _FIRST_WORDS.get(id(table))
    if first is None:
        first = _FIRST_WORDS[id(table)] = frozenset(phrase[0] for phrase, _ in table)
    if tokens[index].kind != "word" or fold(tokens[index].text) not in first:
        return None
    for phrase, code in table:
        end = match_words(tokens, index, phrase)
        if end is not None:
            return Token(code, "word", spoken=" ".join(phrase)), end
    return None


def _rewrite_letter_grade(tokens: list[Token], out: list[Token], index: int) -> Token | None:
    letter = _LETTERS.get(fold(tokens[index].text)) if tokens[index].kind == "word" else None
    if letter is None:
        return None
    for phrase in _LETTER_AFTER:
        if len(out) >= len(phrase) and all(
            is_word(out[len(out) - len(phrase) + i], word) for i, word in enumerate(phrase)
        ):
            return Token(letter, "word")
    return None


def _rewrite_ct_grade(tokens: list[Token], index: int) -> tuple[Token, int] | None:
    """«КТ два» (COVID-19 severity) → «КТ-2»."""
    if tokens[index].text not in {"КТ", "кт"}:
        return None
    number = _number_after(tokens, index + 1)
    if number is None or not 0 <= int(number.text) <= 4:
        return None
    after = tokens[index + 2] if index + 2 < len(tokens) else None
    if after is not None and after.kind == "word" and not is_word(after, "и", "или"):
        return None
    return Token(f"КТ-{number.text}", "word"), index + 2


def rewrite_codes(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        rewritten = (
            _rewrite_phrase(tokens, index, _SCORES)
            or _rewrite_phrase(tokens, index, _SEQUENCES)
            or _rewrite_ct_grade(tokens, index)
            or _rewrite_spine(tokens, index)
            or _rewrite_lumbosacral(tokens, index)
        )
        if rewritten is not None:
            token, index = rewritten
            out.append(token)
            continue
        letter = _rewrite_letter_grade(tokens, out, index)
        out.append(letter or tokens[index])
        index += 1
    return out
