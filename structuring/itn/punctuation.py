"""Dictated punctuation («точка», «запятая», «новая строка») → marks, and Whisper's own
punctuation made consistent with it.

When a doctor dictates punctuation, the document's punctuation comes only from the spoken
marks (corpus convention); Whisper's guesses around them would double or contradict them.
"""

from __future__ import annotations

import re

from structuring.itn.tokens import SENTENCE_END, Token, fold, match_words, punct, word

# Longest phrases first so «точка с запятой» wins over «точка».
DICTATED_MARKS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("точка", "с", "запятой"), ";"),
    (("открыть", "скобку"), "("),
    (("открыть", "скобки"), "("),
    (("открыть", "круглую", "скобку"), "("),
    (("открываем", "скобку"), "("),
    (("скобка", "открывается"), "("),
    (("закрыть", "скобку"), ")"),
    (("закрыть", "скобки"), ")"),
    (("закрыть", "круглую", "скобку"), ")"),
    (("закрываем", "скобку"), ")"),
    (("скобка", "закрывается"), ")"),
    (("новая", "строка"), "\n"),
    (("новую", "строку"), "\n"),
    (("с", "новой", "строки"), "\n"),
    (("новый", "абзац"), "\n\n"),
    (("с", "нового", "абзаца"), "\n\n"),
    (("вопросительный", "знак"), "?"),
    (("восклицательный", "знак"), "!"),
    (("точка",), "."),
    (("запятая",), ","),
    (("двоеточие",), ":"),
    (("тире",), "—"),
)
# A colon Whisper put after a section word is the doctor's «двоеточие» heard as a mark.
_SECTION_WORDS = frozenset({"описание", "заключение", "рекомендации", "рекомендация"})
_WHISPER_MARKS = frozenset({".", ",", ":", ";", "!", "?", "…", "...", "—", "–", "-"})


_MARK_FIRST_WORDS = frozenset(phrase[0] for phrase, _ in DICTATED_MARKS)

# Whisper's mishearings of the spoken marks and command words, as (pattern per word) → the
# canonical words. Unstressed endings and word boundaries are what it gets wrong («двое
# точки», «двоеточи», «запитая», «следующие поли»); every pattern still needs the whole
# phrase, so an ordinary sentence cannot match («следующие поля» is not a command).
_VARIANTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    ((r"двоеточ(?:и[еяй]?|ек|ка)",), ("двоеточие",)),
    ((r"двое", r"и", r"точ(?:ки|ек|ей|и|ка)"), ("двоеточие",)),
    ((r"двое", r"точ(?:ки|ек|ей|и|ка)"), ("двоеточие",)),
    ((r"зап[еи]тая",), ("запятая",)),
    ((r"за", r"п[иея]тая"), ("запятая",)),
    ((r"новая", r"стр[ао]ка"), ("новая", "строка")),
    ((r"следующ(?:ее|ие|ая|ий|ем)", r"по", r"пол[еия]"), ("следующее", "поле")),
    ((r"следующ(?:ие|ая|ий|ем)", r"пол[еи]"), ("следующее", "поле")),
    ((r"следующее", r"поли"), ("следующее", "поле")),
    (
        (r"удал(?:ить|и)", r"последн(?:ее|ие|ий|яя)", r"предложени[ея]"),
        ("удалить", "последнее", "предложение"),
    ),
)
# «Описание 2 и точи», «описание и двое точки»: after a section word the colon is also heard
# as a numeral («дво-» ≈ «два») or behind a stray «и». Only there: «2 точки» elsewhere is text.
_COLON_AFTER_SECTION = (
    (r"(?:2|два|две|двое)", r"и", r"точ(?:ки|ек|ей|и|ка)"),
    (r"(?:2|два|две|двое)", r"точ(?:ки|ек|ей|и|ка)"),
    (r"и", r"двоеточи[еяй]?"),
    (r"и", r"двое", r"и", r"точ(?:ки|ек|ей|и|ка)"),
    (r"и", r"двое", r"точ(?:ки|ек|ей|и|ка)"),
)
_VARIANTS += tuple(
    ((section, *colon), (section, "двоеточие"))
    for section in sorted(_SECTION_WORDS)
    for colon in _COLON_AFTER_SECTION
)
_VARIANT_PATTERNS = tuple(
    (tuple(re.compile(p) for p in pattern), canonical) for pattern, canonical in _VARIANTS
)


def canonical_command_words(tokens: list[Token]) -> list[Token]:
    """Rewrite misheard spoken marks and command phrases into their canonical words."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        for patterns, canonical in _VARIANT_PATTERNS:
            end = _match_patterns(tokens, index, patterns)
            if end is not None:
                spoken = " ".join(t.text for t in tokens[index:end] if t.kind == "word")
                out += [word(text, spoken=spoken) for text in canonical]
                index = end
                break
        else:
            out.append(tokens[index])
            index += 1
    return out


_STRAY_WORDS = frozenset({"в", "и", "а", "на", "же"})


def _match_patterns(
    tokens: list[Token], start: int, patterns: tuple[re.Pattern[str], ...]
) -> int | None:
    index = start
    for position, pattern in enumerate(patterns):
        if position:
            while (
                index < len(tokens) and tokens[index].kind == "punct" and not tokens[index].dictated
            ):
                index += 1
        if index >= len(tokens) or tokens[index].kind != "word":
            return None
        text = fold(tokens[index].text)
        # «удалить в последние предложения»: one stray short word the recogniser inserted
        # inside a phrase (never before its first word, and the phrase must still follow).
        if position and not pattern.fullmatch(text) and text in _STRAY_WORDS:
            index += 1
            if index >= len(tokens) or tokens[index].kind != "word":
                return None
            text = fold(tokens[index].text)
        if not pattern.fullmatch(text):
            return None
        index += 1
    return index


# «точка зрения», «точка отсчёта»: the ordinary noun, not the spoken mark.
_NOT_A_MARK_AFTER_POINT = frozenset({"зрения", "отсчета", "опоры", "приложения", "роста"})


def _mark_at(tokens: list[Token], index: int) -> tuple[str, int] | None:
    if tokens[index].kind != "word" or fold(tokens[index].text) not in _MARK_FIRST_WORDS:
        return None
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if (
        fold(tokens[index].text) == "точка"
        and following is not None
        and following.kind == "word"
        and fold(following.text) in _NOT_A_MARK_AFTER_POINT
    ):
        return None
    for phrase, mark in DICTATED_MARKS:
        end = match_words(tokens, index, phrase)
        if end is not None:
            return mark, end
    return None


def apply_dictated_punctuation(tokens: list[Token]) -> list[Token]:
    """Replace spoken marks; if any were spoken, drop Whisper's clause punctuation (except a
    full stop that stands for a spoken «точка»)."""
    tokens = canonical_command_words(tokens)
    out: list[Token] = []
    index, dictated = 0, False
    while index < len(tokens):
        found = _mark_at(tokens, index)
        if found is None:
            out.append(tokens[index])
            index += 1
            continue
        mark, index = found
        spoken = punct(mark, dictated=True)
        spoken.spoken = mark
        out.append(spoken)
        dictated = True
    return drop_whisper_punctuation(out) if dictated else out


def _heard_full_stop(tokens: list[Token], index: int) -> bool:
    """Whisper's «.» that stands for a spoken «точка»: a capitalised word follows (a window's
    own closing «.» is followed by a lower-case continuation) and no dictated mark precedes
    it (Whisper often adds «.» after «точка» too)."""
    token = tokens[index]
    if token.kind != "punct" or token.dictated or token.text != ".":
        return False
    before = tokens[index - 1] if index else None
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if before is None or before.kind != "word" or after is None or after.kind != "word":
        return False
    return after.text[:1].isupper() and after.text[1:2].islower()


def drop_whisper_punctuation(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    after_dropped_end = False
    for index, token in enumerate(tokens):
        current = token
        if current.text == ":" and out and fold(out[-1].text) in _SECTION_WORDS:
            current = current.copy(dictated=True)
        if _heard_full_stop(tokens, index):
            current = current.copy(dictated=True)
        if current.kind == "punct" and not current.dictated and current.text in _WHISPER_MARKS:
            after_dropped_end = after_dropped_end or current.text in SENTENCE_END
            continue
        if current.kind == "word" and after_dropped_end:
            current = current.copy(lower_first=True)
        after_dropped_end = False
        out.append(current)
    return out
