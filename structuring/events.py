"""Typed records shared by the text pipeline, the structuring stage and the server.

They are plain frozen dataclasses so that every stage can produce and consume them without
importing each other's machinery; ``asdict`` gives their wire form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CommandName = Literal[
    "section",  # arg: "findings" | "conclusion" | "recommendations"
    "field",  # arg: the spoken field name («поле <name>»)
    "next_field",
    "previous_field",
    "delete_last_word",
    "delete_last_sentence",
    "undo",
    "replace",  # arg: the text replaced, value: its replacement
    "stop_recording",
]


@dataclass(frozen=True)
class CommandEvent:
    """A voice command recognised in final text and removed from the document."""

    name: CommandName
    arg: str | None = None
    value: str | None = None
    spoken: str = ""
    """The words that carried the command, as recognised."""


@dataclass(frozen=True)
class Correction:
    """One dictionary correction, reported so a doctor or auditor can see it."""

    raw: str
    corrected: str
    dictionary: str
    score: float


@dataclass(frozen=True)
class Withheld:
    """A change a finder proposed that the evidence gate refused, with the reason."""

    raw: str
    suggested: str
    dictionary: str
    reason: str


@dataclass(frozen=True)
class PostprocessResult:
    """Final text after normalisation, dictionary correction and command execution."""

    text: str
    raw: str
    corrections: list[Correction] = field(default_factory=list)
    commands: list[CommandEvent] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)
    section: int = -1
    """The section open after this text (index into ``structuring.commands.SECTIONS``)."""
