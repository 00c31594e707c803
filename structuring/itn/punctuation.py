"""Dictated punctuation («точка», «запятая», «новая строка») → marks, and Whisper's own
punctuation made consistent with it.

When a doctor dictates punctuation, the document's punctuation comes only from the spoken
marks (corpus convention); Whisper's guesses around them would double or contradict them.
"""

from __future__ import annotations

from structuring.itn.tokens import SENTENCE_END, Token, fold, match_words, punct

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


def _mark_at(tokens: list[Token], index: int) -> tuple[str, int] | None:
    if tokens[index].kind != "word" or fold(tokens[index].text) not in _MARK_FIRST_WORDS:
        return None
    for phrase, mark in DICTATED_MARKS:
        end = match_words(tokens, index, phrase)
        if end is not None:
            return mark, end
    return None


def apply_dictated_punctuation(tokens: list[Token]) -> list[Token]:
    """Replace spoken marks; if any were spoken, drop Whisper's clause punctuation."""
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


def drop_whisper_punctuation(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    after_dropped_end = False
    for token in tokens:
        current = token
        if current.text == ":" and out and fold(out[-1].text) in _SECTION_WORDS:
            current = current.copy(dictated=True)
        if current.kind == "punct" and not current.dictated and current.text in _WHISPER_MARKS:
            after_dropped_end = after_dropped_end or current.text in SENTENCE_END
            continue
        if current.kind == "word" and after_dropped_end:
            current = current.copy(lower_first=True)
        after_dropped_end = False
        out.append(current)
    return out
