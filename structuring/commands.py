"""Voice commands recognised deterministically in final text, executed, and reported.

Commands are matched on the normalised token stream (dictated punctuation already turned
into marks), removed from the document, and emitted as ``CommandEvent``s. The document is
built token by token so that «удалить последнее предложение» sees exactly what was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from structuring.events import CommandEvent, CommandName
from structuring.itn.tokens import SENTENCE_END, Token, fold, match_words, punct, word

SECTIONS: tuple[tuple[str, str], ...] = (
    ("findings", "Описание"),
    ("conclusion", "Заключение"),
    ("recommendations", "Рекомендации"),
)
_SECTION_BY_WORD = {
    "описание": 0,
    "заключение": 1,
    "рекомендации": 2,
    "рекомендация": 2,
}
# (phrase, command, must stand alone as a clause). Ambiguous everyday words («отменить»,
# «заменить», «поле», «стоп») only count as commands at a clause start.
_PHRASES: tuple[tuple[tuple[str, ...], CommandName, bool], ...] = (
    (("следующее", "поле"), "next_field", False),
    (("предыдущее", "поле"), "previous_field", False),
    (("удалить", "последнее", "предложение"), "delete_last_sentence", False),
    (("удали", "последнее", "предложение"), "delete_last_sentence", False),
    (("стереть", "последнее", "предложение"), "delete_last_sentence", False),
    (("удалить", "последнее", "слово"), "delete_last_word", False),
    (("удали", "последнее", "слово"), "delete_last_word", False),
    (("стереть", "последнее", "слово"), "delete_last_word", False),
    (("стоп", "запись"), "stop_recording", True),
    (("остановить", "запись"), "stop_recording", True),
    (("отменить",), "undo", True),
    (("отмена",), "undo", True),
    (("отмени",), "undo", True),
    (("заменить",), "replace", True),
    (("замени",), "replace", True),
    (("поле",), "field", True),
)
_MAX_FIELD_WORDS = 3


@dataclass
class _Document:
    tokens: list[Token] = field(default_factory=list)
    section: int = -1
    history: list[list[Token]] = field(default_factory=list)

    def at_line_start(self) -> bool:
        return not self.tokens or self.tokens[-1].kind == "break"

    def open_section(self, index: int) -> None:
        if not self.at_line_start():
            self.tokens.append(punct("\n", dictated=True))
        self.tokens.append(word(SECTIONS[index][1]))
        colon = punct(":", dictated=True)
        colon.header = True
        self.tokens.append(colon)
        self.section = index

    def checkpoint(self) -> None:
        self.history.append(list(self.tokens))


def _is_boundary(token: Token | None) -> bool:
    return token is None or token.kind in {"punct", "break"}


def _sentence_start(tokens: list[Token]) -> int:
    """Index where the last sentence of ``tokens`` begins."""
    index = len(tokens)
    while index > 0:
        previous = tokens[index - 1]
        if previous.kind == "break" or previous.header or previous.text in SENTENCE_END:
            break
        index -= 1
    return index


def _delete_last_sentence(tokens: list[Token]) -> None:
    # A trailing fragment is what was just said; otherwise remove the last full sentence.
    if tokens and tokens[-1].kind == "punct" and tokens[-1].text in SENTENCE_END:
        tokens.pop()
    del tokens[_sentence_start(tokens) :]


def _delete_last_word(tokens: list[Token]) -> None:
    while tokens and tokens[-1].kind == "punct" and not tokens[-1].header:
        tokens.pop()
    if tokens and tokens[-1].kind == "word":
        tokens.pop()


def _words_until_boundary(tokens: list[Token], start: int, stop: str | None) -> int:
    end = start
    while end < len(tokens) and tokens[end].kind == "word" and fold(tokens[end].text) != stop:
        end += 1
    return end


def _replace_last(tokens: list[Token], old: list[str], new: list[Token]) -> bool:
    words = [fold(token.text) if token.kind == "word" else "" for token in tokens]
    for start in range(len(tokens) - len(old), -1, -1):
        if words[start : start + len(old)] == old:
            tokens[start : start + len(old)] = new
            return True
    return False


def _spoken(tokens: list[Token], start: int, end: int) -> str:
    return " ".join(token.spoken or token.text for token in tokens[start:end])


@dataclass
class CommandRun:
    """The outcome of executing commands on one text."""

    tokens: list[Token]
    events: list[CommandEvent]
    section: int


def run_commands(tokens: list[Token], *, section: int = -1) -> CommandRun:
    """Execute the voice commands in ``tokens``; ``section`` is the open section index."""
    doc = _Document(section=section)
    events: list[CommandEvent] = []
    index = 0
    while index < len(tokens):
        consumed = _command_at(tokens, index, doc, events)
        if consumed is None:
            doc.tokens.append(tokens[index])
            index += 1
            continue
        index = consumed
        # Whisper's own punctuation right after a command belonged to the command.
        while index < len(tokens) and tokens[index].kind == "punct" and not tokens[index].dictated:
            index += 1
    return CommandRun(doc.tokens, events, doc.section)


def _section_header(tokens: list[Token], index: int) -> int | None:
    """«описание» + dictated colon → end index; None otherwise."""
    section = (
        _SECTION_BY_WORD.get(fold(tokens[index].text)) if tokens[index].kind == "word" else None
    )
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if section is None or following is None or following.text != ":" or not following.dictated:
        return None
    return section


def _command_at(
    tokens: list[Token], index: int, doc: _Document, events: list[CommandEvent]
) -> int | None:
    section = _section_header(tokens, index)
    if section is not None:
        doc.open_section(section)
        events.append(CommandEvent("section", SECTIONS[section][0], spoken=tokens[index].text))
        return index + 2
    previous = tokens[index - 1] if index else None
    for phrase, name, alone in _PHRASES:
        end = match_words(tokens, index, phrase)
        if end is None or (alone and not _is_boundary(previous)):
            continue
        result = _execute(name, tokens, index, end, doc=doc, events=events)
        if result is not None:
            return result
    return None


def _execute(
    name: CommandName,
    tokens: list[Token],
    start: int,
    end: int,
    *,
    doc: _Document,
    events: list[CommandEvent],
) -> int | None:
    spoken = _spoken(tokens, start, end)
    if name in {"stop_recording", "undo"} and not _is_boundary(
        tokens[end] if end < len(tokens) else None
    ):
        return None
    if name == "next_field":
        next_section = min(doc.section + 1, len(SECTIONS) - 1)
        doc.open_section(next_section)
        events.append(CommandEvent(name, SECTIONS[next_section][0], spoken=spoken))
    elif name == "previous_field":
        doc.section = max(doc.section - 1, 0)
        events.append(CommandEvent(name, SECTIONS[doc.section][0], spoken=spoken))
    elif name == "delete_last_sentence":
        doc.checkpoint()
        _delete_last_sentence(doc.tokens)
        events.append(CommandEvent(name, spoken=spoken))
    elif name == "delete_last_word":
        doc.checkpoint()
        _delete_last_word(doc.tokens)
        events.append(CommandEvent(name, spoken=spoken))
    elif name == "undo":
        if doc.history:
            doc.tokens = doc.history.pop()
        events.append(CommandEvent(name, spoken=spoken))
    elif name == "stop_recording":
        events.append(CommandEvent(name, spoken=spoken))
    elif name == "replace":
        return _execute_replace(tokens, start, end, doc, events)
    elif name == "field":
        return _execute_field(tokens, start, end, doc, events)
    return end


def _execute_replace(
    tokens: list[Token], start: int, end: int, doc: _Document, events: list[CommandEvent]
) -> int | None:
    """«заменить X на Y»: the last X in the document becomes Y."""
    old_end = _words_until_boundary(tokens, end, "на")
    if old_end == end or old_end >= len(tokens) or fold(tokens[old_end].text) != "на":
        return None
    new_end = _words_until_boundary(tokens, old_end + 1, None)
    if new_end == old_end + 1:
        return None
    old = [fold(token.text) for token in tokens[end:old_end]]
    new = [token.copy() for token in tokens[old_end + 1 : new_end]]
    doc.checkpoint()
    if not _replace_last(doc.tokens, old, new):
        doc.history.pop()
    events.append(
        CommandEvent(
            "replace",
            " ".join(token.text for token in tokens[end:old_end]),
            " ".join(token.text for token in new),
            spoken=_spoken(tokens, start, new_end),
        )
    )
    return new_end


def _execute_field(
    tokens: list[Token], start: int, end: int, doc: _Document, events: list[CommandEvent]
) -> int | None:
    """«поле заключение» opens that section; «поле <name>» names a template field."""
    name_end = min(_words_until_boundary(tokens, end, None), end + _MAX_FIELD_WORDS)
    if name_end == end:
        return None
    section = _SECTION_BY_WORD.get(fold(tokens[end].text))
    if section is not None:
        doc.open_section(section)
        events.append(
            CommandEvent("section", SECTIONS[section][0], spoken=_spoken(tokens, start, end + 1))
        )
        return end + 1
    if name_end < len(tokens) and tokens[name_end].kind == "word":
        return None  # «поле» inside a longer clause is not a command
    name = " ".join(token.text for token in tokens[end:name_end])
    events.append(CommandEvent("field", name, spoken=_spoken(tokens, start, name_end)))
    return name_end
