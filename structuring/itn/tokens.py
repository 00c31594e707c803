"""Token stream shared by normalisation and voice commands, and its rendering back to text.

The pipeline works on tokens rather than on strings so that each stage can tell Whisper's own
punctuation from punctuation the doctor dictated, and numbers from words, without re-parsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

TokenKind = Literal["word", "punct", "break"]

# Numbers keep their inner separators ("1,2", "12.05.2023"); words keep inner hyphens and
# apostrophes ("лобно-теменной", "BI-RADS", "L4-L5"); a sign glued to a number stays with it.
# A figure glued to Latin letters is a name, not a number: nuclides («99mTc», «18F-ФДГ»),
# «3D» (but «10x12» is a size).
# An МКБ-10 code keeps its dot («I26.9»).
# A suspended compound's first part keeps its hyphen («двух- или трехколесным», «право- и
# левосторонний»): it is no number and no word of its own.
_TOKEN_RE = re.compile(
    r"[А-Яа-яЁё]+-(?=\s+(?:или|и|либо)\s)"
    r"|[A-Z]\d{2}\.\d{1,2}(?!\w)"
    r"|\d+(?![xX]\d)[A-Za-z]\w*(?:[-–]\w+)*"
    r"|(?:(?<![\w])[+−])?\d+(?:[.,]\d+)*(?:[-–][\w]+)*"
    r"|\w+(?:[-–'’]\w+)*"
    r"|\n+"
    r"|\.\.\.|…|[^\w\s]"
)

SENTENCE_END = frozenset({".", "!", "?", "…", "..."})
_NO_SPACE_BEFORE = frozenset({".", ",", ":", ";", "!", "?", ")", "]", "»", "%", "…", "..."})
_NO_SPACE_AFTER = frozenset({"(", "[", "«"})
_CLAUSE_MARKS = {".": 4, "!": 4, "?": 4, ":": 3, ";": 2, ",": 1}


@dataclass(slots=True)
class Token:
    """One word, punctuation mark or line break of the document being built."""

    text: str
    kind: TokenKind = "word"
    dictated: bool = False
    """Punctuation or layout the doctor spoke («точка»), as opposed to Whisper's own."""
    number: bool = False
    """A number written in digits (possibly converted from words)."""
    spoken: str = ""
    """The words this token replaced, when a rule rewrote them."""
    header: bool = False
    """The colon closing a section header («Описание:»): its body starts capitalised."""
    lower_first: bool = False
    """Whisper capitalised this word after punctuation that was dropped: lower-case it."""
    ordinal: bool = False
    unit: bool = False
    """A unit of measurement written as its symbol ("мм", "HU")."""
    p: float | None = None
    """The recogniser's probability for this word; None for text without audio."""

    def copy(self, **changes: object) -> Token:
        return replace(self, **changes)  # type: ignore[arg-type]


def word(text: str, **flags: bool | str) -> Token:
    return Token(text, "word", **flags)  # type: ignore[arg-type]


def punct(text: str, *, dictated: bool = False) -> Token:
    return Token(text, "break" if text.startswith("\n") else "punct", dictated=dictated)


# «12х8 мм», «10x12»: a typed size's times sign glued to its numbers.
_GLUED_TIMES_RE = re.compile(r"(?<=\d)\s*[xXхХ×*]\s*(?=\d)")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    text = _GLUED_TIMES_RE.sub(" × ", text.replace("\r\n", "\n"))
    for match in _TOKEN_RE.finditer(text):
        piece = match.group()
        if piece.startswith("\n"):
            tokens.append(Token("\n\n" if len(piece) > 1 else "\n", "break"))
        elif piece[0].isalnum() or (piece[0] in "+−" and len(piece) > 1):
            is_number = bool(re.fullmatch(r"[+−]?\d+(?:[.,]\d+)*", piece))
            tokens.append(Token(piece, "word", number=is_number))
        else:
            tokens.append(Token(piece, "punct"))
    return tokens


def is_word(token: Token | None, *texts: str) -> bool:
    """Whether ``token`` is a word, optionally one of ``texts`` (case- and ё-insensitive)."""
    if token is None or token.kind != "word":
        return False
    return not texts or fold(token.text) in texts


def fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def _collapse_punctuation(tokens: list[Token]) -> list[Token]:
    """Keep one mark where two clause marks meet («, .» → «.», «..» → «.»)."""
    out: list[Token] = []
    for token in tokens:
        previous = out[-1] if out else None
        if (
            token.kind == "punct"
            and previous is not None
            and previous.kind == "punct"
            and token.text in _CLAUSE_MARKS
            and previous.text in _CLAUSE_MARKS
        ):
            if _CLAUSE_MARKS[token.text] >= _CLAUSE_MARKS[previous.text]:
                out[-1] = token.copy(header=token.header or previous.header)
            continue
        if token.kind == "break" and previous is not None and previous.text in {",", ";"}:
            out.pop()
        out.append(token)
    while out and out[0].kind in {"punct", "break"} and out[0].text not in {"(", "«", "["}:
        out.pop(0)
    while out and out[-1].kind == "break":
        out.pop()
    return out


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def render(tokens: list[Token], *, sentence_start: bool = True, written_case: bool = False) -> str:
    """Join tokens with Russian spacing; capitalise sentence, line and section starts.

    ``sentence_start=False`` leaves the first word alone (a streaming final that continues
    the previous one mid-sentence). ``written_case``: typed text keeps its writer's case after
    a full stop it was typed with («хр. гастрит», «мед. карте» are abbreviations, not sentence
    ends); a spoken «точка» still starts a sentence.
    """
    parts: list[str] = []
    capitalise_next = sentence_start
    previous: Token | None = None
    for token in _collapse_punctuation(tokens):
        text = token.text
        if token.kind == "word":
            if token.lower_first and text[:1].isupper() and text[1:] == text[1:].lower():
                text = text[:1].lower() + text[1:]
            if capitalise_next:
                text = _capitalised(text)
            capitalise_next = False
        elif token.kind == "break" or token.header:
            capitalise_next = True
        elif token.text in SENTENCE_END:
            capitalise_next = token.dictated or not written_case
        if parts and previous is not None:
            glued = (
                token.kind == "break"
                or previous.kind == "break"
                or (token.kind == "punct" and token.text in _NO_SPACE_BEFORE)
                or (previous.kind == "punct" and previous.text in _NO_SPACE_AFTER)
            )
            if not glued:
                parts.append(" ")
        parts.append(text)
        previous = token
    return "".join(parts).strip(" ")


def match_words(tokens: list[Token], start: int, phrase: tuple[str, ...]) -> int | None:
    """End index if the words of ``phrase`` start at ``start`` (Whisper's commas between
    them are skipped: it often writes «описание, двоеточие»); else None."""
    index = start
    for position, expected in enumerate(phrase):
        if position:
            while (
                index < len(tokens)
                and tokens[index].kind == "punct"
                and not (tokens[index].dictated)
            ):
                index += 1
        if index >= len(tokens) or not is_word(tokens[index], expected):
            return None
        index += 1
    return index
