"""Measurements: signs, sizes «23 на 17» → «23 × 17», and units after numbers (мм, мл, HU)."""

from __future__ import annotations

import re

from structuring.itn.tokens import Token, fold, is_word

# (spoken words as stems, each matched with startswith on folded words) → symbol.
_UNITS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("миллиметр", "ртутн", "столб"), "мм рт. ст."),
    (("сантиметр", "в", "секунду"), "см/с"),
    (("метр", "в", "секунду"), "м/с"),
    (("кубическ", "сантиметр"), "см³"),
    (("кубическ", "миллиметр"), "мм³"),
    (("квадратн", "сантиметр"), "см²"),
    (("квадратн", "миллиметр"), "мм²"),
    (("единиц", "хаунсфилд"), "HU"),
    (("единиц", "хаусфилд"), "HU"),
    (("единиц", "hu"), "HU"),
    (("миллиметр",), "мм"),
    (("сантиметр",), "см"),
    (("миллилитр",), "мл"),
    (("миллизиверт",), "мЗв"),
    (("микрозиверт",), "мкЗв"),
    (("миллигрей",), "мГр"),
    (("миллиграмм",), "мг"),
    (("мегабеккерел",), "МБк"),
    (("процент",), "%"),
    (("градус",), "°"),
    (("хаунсфилд",), "HU"),
    (("мм",), "мм"),
    (("см",), "см"),
    (("мл",), "мл"),
    (("hu",), "HU"),
)
_SIGNS = {"плюс": "+", "минус": "-"}
_SIZE_WORDS = ("размер", "величин", "объем", "диаметр")
_TIMES = frozenset({"на", "x", "х", "×", "*"})


def _unit_at(tokens: list[Token], index: int) -> tuple[str, int] | None:
    for stems, symbol in _UNITS:
        end = index
        for stem in stems:
            if end >= len(tokens) or tokens[end].kind != "word":
                break
            if not fold(tokens[end].text).startswith(stem):
                break
            end += 1
        else:
            if len(stems) == 1 and len(stems[0]) <= 3 and fold(tokens[index].text) != stems[0]:
                continue  # «мм» must be the whole word, not a prefix of «ммоль»
            return symbol, end
    return None


def _signed(tokens: list[Token], index: int) -> Token | None:
    sign = _SIGNS.get(fold(tokens[index].text)) if tokens[index].kind == "word" else None
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if sign is None or following is None or not following.number:
        return None
    return following.copy(text=sign + following.text, spoken=f"{tokens[index].text} ...")


def _size_chain(tokens: list[Token], index: int) -> tuple[list[str], int] | None:
    """Numbers linked by «на» / «x»: returns their texts and the end index."""
    values = [tokens[index].text]
    end = index + 1
    while end + 1 < len(tokens) and fold(tokens[end].text) in _TIMES and tokens[end + 1].number:
        values.append(tokens[end + 1].text)
        end += 2
    return (values, end) if len(values) > 1 else None


def _attach_signs(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        signed = _signed(tokens, index)
        out.append(signed or tokens[index])
        index += 2 if signed else 1
    return out


def _hyphenated_sizes(tokens: list[Token]) -> list[Token]:
    """Whisper writes «размером 38-24 мм»: after a size word, hyphens between numbers are ×."""
    out: list[Token] = []
    for token in tokens:
        parts = token.text.split("-")
        if (
            len(parts) > 1
            and all(part.isdigit() for part in parts)
            and out
            and fold(out[-1].text).startswith(_SIZE_WORDS)
        ):
            token = Token(" × ".join(parts), "word", number=True, spoken=token.text)  # noqa: PLW2901
        out.append(token)
    return out


_SIZE_AS_DECIMAL = re.compile(r"(\d{2,3}),(\d{2})")


def _sizes_written_as_decimals(tokens: list[Token]) -> list[Token]:
    """«размером 121,54 мм»: the recogniser wrote «121 на 54» as a decimal. Millimetres to
    the hundredth on a structure of 10 mm or more is no radiology measurement; the two
    numbers are a size."""
    out: list[Token] = []
    for index, token in enumerate(tokens):
        decimal = _SIZE_AS_DECIMAL.fullmatch(token.text) if token.number else None
        unit = _unit_at(tokens, index + 1) if index + 1 < len(tokens) else None
        if decimal is not None and unit is not None and unit[0] == "мм":
            size = f"{decimal[1]} × {decimal[2]}"
            out.append(Token(size, "word", number=True, spoken=token.spoken or token.text))
        else:
            out.append(token)
    return out


def rewrite_measures(tokens: list[Token]) -> list[Token]:
    tokens = _sizes_written_as_decimals(_hyphenated_sizes(_attach_signs(tokens)))
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.number:
            chain = _size_chain(tokens, index)
            end = chain[1] if chain else index + 1
            unit = _unit_at(tokens, end) if end < len(tokens) else None
            preceded_by_size = bool(out) and fold(out[-1].text).startswith(_SIZE_WORDS)
            if chain and (unit or len(chain[0]) > 2 or preceded_by_size):
                out.append(Token(" × ".join(chain[0]), "word", number=True, spoken=token.spoken))
                index = end
            else:
                out.append(token)
                index += 1
            if unit is not None and index == end:
                out.append(Token(unit[0], "word", unit=True))
                index = unit[1]
            continue
        out.append(token)
        index += 1
    return _settle_mm_ml(out)


# «миллиметров» / «миллилитров» differ by one unstressed syllable; what is measured decides.
_LINEAR_STEMS = (
    "размер",
    "толщин",
    "диаметр",
    "смещ",
    "расширен",
    "высот",
    "ширин",
    "длин",
    "протяжен",
    "кнаружи",
    "кнутри",
    "глубин",
    "сужен",
    "утолщ",
    "калибр",
    "диастаз",
)
_VOLUME_STEMS = ("объем", "введен", "вводим")
# «объёмное образование» is a mass, not a volume
_NOT_VOLUME_STEMS = ("объемн",)
_CLAUSE_END = frozenset({".", ",", ";", ":", "!", "?", "\n", "\n\n"})


def _clause_stems(tokens: list[Token], index: int) -> tuple[bool, bool]:
    """(a linear quantity, a volume) named in the clause before ``index``."""
    linear = volume = False
    position = index - 1
    while position >= 0 and tokens[position].text not in _CLAUSE_END:
        text = fold(tokens[position].text)
        linear = linear or text.startswith(_LINEAR_STEMS)
        volume = volume or (
            text.startswith(_VOLUME_STEMS) and not text.startswith(_NOT_VOLUME_STEMS)
        )
        position -= 1
    return linear, volume


def _settle_mm_ml(tokens: list[Token]) -> list[Token]:
    """«38 × 24 мл», «расширено до 6 мл» → мм; «объём гематомы 12 мм» → мл."""
    for index, token in enumerate(tokens):
        if not token.unit or token.text not in {"мм", "мл"} or index == 0:
            continue
        value = tokens[index - 1]
        if not value.number:
            continue
        linear, volume = _clause_stems(tokens, index - 1)
        if token.text == "мл" and ("×" in value.text or (linear and not volume)):
            tokens[index] = token.copy(text="мм")
        elif token.text == "мм" and "×" not in value.text and volume and not linear:
            tokens[index] = token.copy(text="мл")
    return tokens


def is_unit(token: Token) -> bool:
    return token.unit or is_word(token, "мм", "см", "мл", "hu", "%")
