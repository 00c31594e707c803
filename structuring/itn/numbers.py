"""Russian number words in every case → digits: cardinals, decimals, «полтора», ordinals.

Only the lexicon and the parser live here; which numbers are rewritten is decided in
``structuring.itn.rules`` (small counts such as «в двух проекциях» stay words).
"""

from __future__ import annotations

from dataclasses import dataclass

from structuring.itn.tokens import Token, fold

# Magnitude classes: a number phrase only goes down (сто → шестьдесят → восемь).
_HUNDREDS, _TENS, _UNITS = 3, 2, 1


def _forms(value: int, magnitude: int, *forms: str) -> dict[str, tuple[int, int]]:
    return {form: (value, magnitude) for form in forms}


def _teen(stem: str) -> tuple[str, ...]:
    return (stem + "ь", stem + "и", stem + "ью")


def _build_cardinals() -> dict[str, tuple[int, int]]:
    table: dict[str, tuple[int, int]] = {}
    units = {
        0: ("ноль", "нуль", "нуля", "нолю", "нулю", "нолем", "нулем", "ноле", "нуле"),
        1: ("один", "одна", "одно", "одного", "одной", "одному", "одним", "одном", "одну", "одною"),
        2: ("два", "две", "двух", "двум", "двумя"),
        3: ("три", "трех", "трем", "тремя"),
        4: ("четыре", "четырех", "четырем", "четырьмя"),
        5: ("пять", "пяти", "пятью"),
        6: ("шесть", "шести", "шестью"),
        7: ("семь", "семи"),  # «семью» is also «семья» (family)
        8: ("восемь", "восьми", "восемью", "восьмью"),
        9: ("девять", "девяти", "девятью"),
    }
    for value, forms in units.items():
        table.update(_forms(value, _UNITS, *forms))
    teens = [
        "десят",
        "одиннадцат",
        "двенадцат",
        "тринадцат",
        "четырнадцат",
        "пятнадцат",
        "шестнадцат",
        "семнадцат",
        "восемнадцат",
        "девятнадцат",
    ]
    for offset, stem in enumerate(teens):
        table.update(_forms(10 + offset, _UNITS, *_teen(stem)))
    table.update(_forms(20, _TENS, *_teen("двадцат")))
    table.update(_forms(30, _TENS, *_teen("тридцат")))
    table.update(_forms(40, _TENS, "сорок", "сорока"))
    for value, nominative, oblique, instrumental in (
        (50, "пятьдесят", "пятидесяти", "пятьюдесятью"),
        (60, "шестьдесят", "шестидесяти", "шестьюдесятью"),
        (70, "семьдесят", "семидесяти", "семьюдесятью"),
        (80, "восемьдесят", "восьмидесяти", "восемьюдесятью"),
    ):
        table.update(_forms(value, _TENS, nominative, oblique, instrumental))
    table.update(_forms(90, _TENS, "девяносто", "девяноста"))
    table.update(_forms(100, _HUNDREDS, "сто", "ста"))
    for value, nominative, genitive, dative, instrumental, prepositional in (
        (200, "двести", "двухсот", "двумстам", "двумястами", "двухстах"),
        (300, "триста", "трехсот", "тремстам", "тремястами", "трехстах"),
        (400, "четыреста", "четырехсот", "четыремстам", "четырьмястами", "четырехстах"),
    ):
        table.update(
            _forms(value, _HUNDREDS, nominative, genitive, dative, instrumental, prepositional)
        )
    for value, nominative, oblique, instrumental in (
        (5, "пять", "пяти", "пятью"),
        (6, "шесть", "шести", "шестью"),
        (7, "семь", "семи", "семью"),  # only inside «семьюстами»
        (8, "восемь", "восьми", "восемью"),
        (9, "девять", "девяти", "девятью"),
    ):
        table.update(
            _forms(
                value * 100,
                _HUNDREDS,
                nominative + "сот",
                oblique + "сот",
                oblique + "стам",
                instrumental + "стами",
                oblique + "стах",
            )
        )
    return table


CARDINALS = _build_cardinals()
THOUSANDS = frozenset(
    {"тысяча", "тысячи", "тысяч", "тысячу", "тысячей", "тысячью", "тысячам", "тысячами", "тысячах"}
)
ONE_AND_A_HALF = frozenset({"полтора", "полторы", "полутора"})
WHOLE = frozenset({"целая", "целых", "целой", "целую", "целыми"})
HALF = frozenset({"половиной"})
# Fraction denominators: «две десятых» → one decimal place.
_DENOMINATORS = {"десят": 1, "сот": 2, "тысячн": 3, "десятитысячн": 4}
_FRACTION_ENDINGS = ("ая", "ых", "ой", "ую", "ыми", "ым")

_ORDINAL_STEMS = {
    "перв": 1,
    "втор": 2,
    "четверт": 4,
    "пят": 5,
    "шест": 6,
    "седьм": 7,
    "восьм": 8,
    "девят": 9,
    "десят": 10,
    "одиннадцат": 11,
    "двенадцат": 12,
    "тринадцат": 13,
    "четырнадцат": 14,
    "пятнадцат": 15,
    "шестнадцат": 16,
    "семнадцат": 17,
    "восемнадцат": 18,
    "девятнадцат": 19,
    "двадцат": 20,
    "тридцат": 30,
    "сороков": 40,
    "пятидесят": 50,
    "шестидесят": 60,
    "семидесят": 70,
    "восьмидесят": 80,
    "девяност": 90,
    "сот": 100,
}
_HARD_ENDINGS = ("ый", "ой", "ая", "ое", "ого", "ому", "ым", "ом", "ую", "ые", "ых", "ыми", "ою")
_SOFT_ENDINGS = ("ий", "ья", "ье", "ьего", "ьей", "ьему", "ьим", "ьем", "ью", "ьи", "ьих", "ьими")


def _build_ordinals() -> dict[str, int]:
    table = {
        stem + ending: value for stem, value in _ORDINAL_STEMS.items() for ending in _HARD_ENDINGS
    }
    table.update({"трет" + ending: 3 for ending in _SOFT_ENDINGS})
    return {form: value for form, value in table.items() if form not in CARDINALS}


ORDINALS = _build_ordinals()


def fraction_places(text: str) -> int | None:
    """Decimal places of a fraction word («десятых» → 1, «сотых» → 2), else None."""
    for stem, places in _DENOMINATORS.items():
        if any(text == stem + ending for ending in _FRACTION_ENDINGS):
            return places
    return None


@dataclass(frozen=True)
class NumberMatch:
    """A number phrase found at ``start`` spanning ``end - start`` tokens."""

    start: int
    end: int
    text: str
    """Digits as written in the document ("32", "1,2")."""
    ordinal: bool
    words: int
    """How many number words it had (a single small word may stay a word)."""
    value: float


def _key(token: Token) -> str:
    return fold(token.text) if token.kind == "word" else ""


def _cardinal(tokens: list[Token], start: int) -> tuple[int, int, int] | None:
    """Parse an integer phrase; returns (value, end, words) or None."""
    total, group, index, last_magnitude = 0, 0, start, 10
    while index < len(tokens):
        key = _key(tokens[index])
        if key in CARDINALS:
            value, magnitude = CARDINALS[key]
            if magnitude >= last_magnitude or (magnitude == _UNITS and group % 10 and value):
                break
            if last_magnitude == _TENS and value >= 10:
                break
            group += value
            last_magnitude = magnitude
        elif key in THOUSANDS:
            total += (group or 1) * 1000
            group, last_magnitude = 0, 4
        else:
            break
        index += 1
    if index == start:
        return None
    return total + group, index, index - start


def _digits(tokens: list[Token], start: int) -> tuple[float, str, int] | None:
    token = tokens[start]
    if not token.number:
        return None
    text = token.text.replace(".", ",").replace("−", "-")
    if text.count(",") > 1:
        return None
    return float(text.replace(",", ".")), text, start + 1


def parse_number(tokens: list[Token], start: int) -> NumberMatch | None:
    """The number phrase starting at ``start``: words, digits, decimals or an ordinal."""
    key = _key(tokens[start])
    if key in ONE_AND_A_HALF:
        return NumberMatch(start, start + 1, "1,5", False, 1, 1.5)
    if key in ORDINALS:
        return NumberMatch(start, start + 1, str(ORDINALS[key]), True, 1, ORDINALS[key])
    cardinal = _cardinal(tokens, start)
    if cardinal is None:
        return None
    value, end, words = cardinal
    # «двадцать пятого»: a cardinal followed by an ordinal of lower magnitude.
    if end < len(tokens) and _key(tokens[end]) in ORDINALS and value % 10 == 0:
        ordinal_value = ORDINALS[_key(tokens[end])]
        if (ordinal_value < 10 and value >= 20) or ordinal_value < 100 <= value:
            total = value + ordinal_value
            return NumberMatch(start, end + 1, str(total), True, words + 1, total)
    decimal = _decimal_tail(tokens, end, value)
    if decimal is not None:
        text, new_end = decimal
        return NumberMatch(start, new_end, text, False, words + 2, float(text.replace(",", ".")))
    if end + 1 < len(tokens) and _key(tokens[end]) == "с" and _key(tokens[end + 1]) in HALF:
        return NumberMatch(start, end + 2, f"{value},5", False, words + 2, value + 0.5)
    return NumberMatch(start, end, str(value), False, words, value)


def _decimal_tail(tokens: list[Token], end: int, whole: int) -> tuple[str, int] | None:
    """«… целая две десятых» / «… и одна десятая» after the integer part."""
    if end >= len(tokens) or _key(tokens[end]) not in WHOLE | {"и"}:
        return None
    if end + 1 >= len(tokens):
        return None
    fraction = _cardinal(tokens, end + 1)
    if fraction is None:
        return None
    numerator, after, _ = fraction
    if after >= len(tokens):
        return None
    places = fraction_places(_key(tokens[after]))
    if places is None or numerator >= 10**places:
        return None
    return f"{whole},{numerator:0{places}d}", after + 1


def parse_digits(tokens: list[Token], start: int) -> NumberMatch | None:
    parsed = _digits(tokens, start)
    if parsed is None:
        return None
    value, text, end = parsed
    return NumberMatch(start, end, text, False, 0, value)
