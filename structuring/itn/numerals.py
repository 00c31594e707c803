"""Number phrases → digit tokens, then the decision which ones stay words.

Corpus convention: measurements, decimals, scores and ordinals of counted things are digits
(«до 32 мм», «5 и 6 рёбер», «3 стадии»); a small count of ordinary things stays a word
(«в двух проекциях», «с обеих сторон»), as a radiologist writes it.
"""

from __future__ import annotations

import re

from structuring.itn.numbers import NumberMatch, parse_digits, parse_number
from structuring.itn.tokens import Token, fold, is_word

# Nouns (stems) an ordinal numbers: «третьей стадии» → «3 стадии», «пятого позвонка».
_ORDINAL_NOUN_STEMS = (
    "степен",
    "стади",
    "ребр",
    "ребер",
    "позвон",
    "сегмент",
    "тип",
    "класс",
    "категори",
    "пал",
    "фаланг",
    "порядк",
    "груп",
    "триместр",
    "недел",
    "сут",
    "ден",
    "дня",
    "дне",
    "межреберь",
    "межребер",
    "зуб",
    "плюсн",
    "пястн",
    "ветв",
    "сери",
)
# Words after which a small number is a value, not a count: «BI-RADS два», «серия три».
_VALUE_BEFORE = frozenset(
    {
        "до",
        "от",
        "на",
        "около",
        "размером",
        "размерами",
        "размер",
        "толщиной",
        "диаметром",
        "длиной",
        "шириной",
        "высотой",
        "глубиной",
        "протяженностью",
        "объемом",
        "плотностью",
        "серия",
        "серии",
        "изображение",
        "изображения",
        "срез",
        "срезе",
        "слайс",
        "номер",
        "индекс",
        "балл",
        "баллов",
        "балла",
        "уровень",
        "степень",
        "стадия",
        "класс",
        "категория",
        "плюс",
        "минус",
        "примерно",
        "приблизительно",
        "через",
        "по",
        "x",
        "×",
        "равен",
        "равна",
        "равно",
        "составляет",
        "составляют",
        "bosniak",
        "bi-rads",
        "ti-rads",
        "lung-rads",
        "co-rads",
        "li-rads",
        "pi-rads",
        "o-rads",
    }
)
# Words after which a small number is a value: «пять миллиметров», «два года», «2 и 3».
_VALUE_AFTER_STEMS = (
    "милли",
    "санти",
    "метр",
    "процент",
    "градус",
    "единиц",
    "год",
    "лет",
    "месяц",
    "недел",
    "дн",
    "ден",
    "сут",
    "час",
    "минут",
    "секунд",
    "раз",
    "балл",
    "мл",
    "мм",
    "см",
)
_LINKS = frozenset({"на", "до", "и", "или", "-", "×", "x", "х"})


def _number_token(match: NumberMatch, tokens: list[Token]) -> Token:
    spoken = " ".join(token.text for token in tokens[match.start : match.end])
    return Token(match.text, "word", number=True, ordinal=match.ordinal, spoken=spoken)


def _split_hyphenated(token: Token) -> Token | None:
    """«двух-трёх» → «2-3»."""
    if token.kind != "word" or "-" not in token.text or token.number:
        return None
    parts = token.text.split("-")
    values = []
    for part in parts:
        match = parse_number([Token(part)], 0)
        if match is None or match.end != 1 or match.ordinal:
            return None
        values.append(match.text)
    return Token("-".join(values), "word", number=True, spoken=token.text)


_SUFFIXED_ORDINAL = re.compile(
    r"(\d+)[-–](?:го|ого|его|й|ой|ий|ый|ая|я|е|ое|ье|м|ом|ем|х|ых|их|ми|му|ю|ую)"
)


def _suffixed_ordinal(token: Token) -> Token | None:
    """Whisper's own «5-го» / «3-й»: digits, an ordinal; ``settle_numbers`` keeps the bare
    digits before a counted noun («5 и 6 рёбер», «3 стадии») and the suffix elsewhere."""
    if token.kind != "word" or token.number:
        return None
    match = _SUFFIXED_ORDINAL.fullmatch(token.text)
    if match is None:
        return None
    return Token(match.group(1), "word", number=True, ordinal=True, spoken=token.text)


# «20-й одного», «20-ти четырех», «20-1»: the recogniser wrote the tens of a compound numeral
# as a figure with a case ending (or a hyphen) and the units apart. A range never descends.
_SPLIT_TENS = re.compile(r"([2-9]0)-(?:й|ти|и|ью|ого|ом|м)")
_TENS_HYPHEN_UNITS = re.compile(r"([2-9]0)-([1-9])")


def _joined_tens(tokens: list[Token], index: int) -> tuple[Token, int] | None:
    """The compound numeral the recogniser split at ``index``, and the index after it."""
    token = tokens[index]
    if token.kind != "word" or token.number:
        return None
    hyphenated = _TENS_HYPHEN_UNITS.fullmatch(token.text)
    if hyphenated is not None:
        value = int(hyphenated[1]) + int(hyphenated[2])
        return Token(str(value), "word", number=True, spoken=token.text), index + 1
    tens = _SPLIT_TENS.fullmatch(token.text)
    if tens is None or index + 1 >= len(tokens):
        return None
    units = parse_number(tokens, index + 1)
    if units is None or units.ordinal or not 1 <= units.value <= 9 or units.words != 1:
        return None
    spoken = " ".join(t.text for t in tokens[index : units.end])
    value = int(tens[1]) + int(units.value)
    return Token(str(value), "word", number=True, spoken=spoken), units.end


def convert_numbers(tokens: list[Token]) -> list[Token]:
    """Every number phrase becomes one digit token (``spoken`` keeps the words)."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        joined = _joined_tens(tokens, index)
        if joined is not None:
            out.append(joined[0])
            index = joined[1]
            continue
        suffixed = _suffixed_ordinal(token)
        if suffixed is not None:
            out.append(suffixed)
            index += 1
            continue
        hyphenated = _split_hyphenated(token)
        if hyphenated is not None:
            out.append(hyphenated)
            index += 1
            continue
        match = parse_number(tokens, index) if token.kind == "word" else None
        if match is None and token.number:
            match = parse_digits(tokens, index)
            if match is not None:
                out.append(token.copy(text=match.text))
                index = match.end
                continue
        if match is None:
            out.append(token)
            index += 1
            continue
        out.append(_number_token(match, tokens))
        index = match.end
    return out


def _starts_with(token: Token | None, stems: tuple[str, ...]) -> bool:
    return token is not None and token.kind == "word" and fold(token.text).startswith(stems)


def _ordinal_counts_something(tokens: list[Token], index: int) -> bool:
    """An ordinal followed (through «и 6», «, 7», one adjective) by a counted noun."""
    position = index + 1
    while position < len(tokens):
        token = tokens[position]
        if (token.number and token.ordinal) or is_word(token, "и", "или") or token.text in ",-":
            position += 1
            continue
        break
    for offset in range(2):
        candidate = tokens[position + offset] if position + offset < len(tokens) else None
        if _starts_with(candidate, _ORDINAL_NOUN_STEMS):
            return True
        if candidate is None or candidate.kind != "word":
            return False
    return False


def _small_count(token: Token) -> bool:
    return (
        bool(token.spoken)
        and " " not in token.spoken
        and "-" not in token.spoken
        and (token.text.isdigit() and int(token.text) < 10)
    )


def _value_context(tokens: list[Token], index: int) -> bool:
    before = tokens[index - 1] if index else None
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if before is not None and (before.number or fold(before.text) in _VALUE_BEFORE):
        return True
    if before is not None and before.kind == "word" and before.text.isupper():
        return True  # a code: «BI-RADS два», «TI-RADS три»
    if after is None or after.kind != "word" or after.unit or after.number:
        return True
    if fold(after.text) in _LINKS:
        following = tokens[index + 2] if index + 2 < len(tokens) else None
        return following is not None and following.number
    return _starts_with(after, _VALUE_AFTER_STEMS)


def settle_numbers(tokens: list[Token]) -> list[Token]:
    """Turn back into words the numbers that are counts, not values."""
    out: list[Token] = []
    for index, token in enumerate(tokens):
        if not token.number or not token.spoken:
            out.append(token)
            continue
        keep_digits = (
            _ordinal_counts_something(tokens, index)
            if token.ordinal
            else not _small_count(token) or _value_context(tokens, index)
        )
        out.append(token if keep_digits else Token(token.spoken, "word"))
    return out
