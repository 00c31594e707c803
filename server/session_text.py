"""A session's text work, off the event loop.

Normalisation, dictionaries, commands, the whole-document text, live fields and consistency
warnings run in worker threads (``asyncio.to_thread``): while one session's text is processed
the loop keeps moving every other session's audio and messages. The document text is computed
once per final and shared by the fields, the warnings, the session endpoint and ``completed``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from server.protocol import Start
from server.session_state import SessionState
from server.store import DEFAULT_TENANT
from server.text_pipeline import TextPipeline
from structuring.commands import SECTIONS
from vocabularies.user import UserLexicon


@dataclass(frozen=True)
class ProcessedFinal:
    text: str
    corrections: list[dict[str, Any]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Live:
    fields: dict[str, object]
    warnings: list[tuple[str, str, str]]


class SessionText:
    def __init__(
        self, pipeline: TextPipeline | None, start: Start, tenant: str = DEFAULT_TENANT
    ) -> None:
        self.pipeline = None if start.options.raw else pipeline
        """None: raw text only (no normalisation, dictionaries, commands, fields, warnings)."""
        self.start = start
        self._document: tuple[int, str] | None = None  # (finals it covers, text)
        self.section = -1
        """The section open after the last final: «следующее поле» in the next one moves on
        from it (set from the stored commands when a session is restored)."""
        self.lexicon: UserLexicon | None = None
        """The doctor's own lexicon (``start.user``), under the service's data folder."""
        data_dir = self.pipeline.data_dir if self.pipeline is not None else None
        if data_dir is not None and start.user:
            self.lexicon = UserLexicon.for_user(data_dir, start.user, tenant)

    def restore_section(self, messages: Sequence[dict[str, Any]]) -> None:
        """The section the stored commands left open (a session continued after a restart)."""
        names = [name for name, _ in SECTIONS]
        for message in messages:
            if message.get("type") == "command" and message.get("arg") in names:
                self.section = names.index(str(message["arg"]))

    async def feedback(self, raw: str, corrected: str, *, accepted: bool) -> None:
        """Teach the doctor's lexicon (a file write: off the loop)."""
        assert self.lexicon is not None
        learn = self.lexicon.learn if accepted else self.lexicon.reject
        await asyncio.to_thread(learn, raw, corrected)
        self._document = None  # the document text follows the doctor's lexicon

    @property
    def raw_mode(self) -> bool:
        return self.pipeline is None

    @property
    def live_wanted(self) -> bool:
        options = self.start.options
        return self.pipeline is not None and (options.fields or options.warnings)

    def prompt(self) -> str:
        if self.pipeline is None:
            return ""
        return self.pipeline.prompt(self.start.specialty, self.start.template_id)

    async def final(
        self, raw: str, words: Sequence[tuple[str, float]], *, sentence_start: bool
    ) -> ProcessedFinal:
        if self.pipeline is None:
            return ProcessedFinal(raw)
        processed = await asyncio.to_thread(
            self.pipeline.final,
            raw,
            list(words),
            specialty=self.start.specialty,
            template_id=self.start.template_id,
            sentence_start=sentence_start,
            user_lexicon=self.lexicon,
            open_section=self.section,
        )
        self.section = processed.section
        return ProcessedFinal(
            processed.text,
            [asdict(c) for c in processed.corrections],
            [asdict(c) for c in processed.commands],
        )

    def cached_document(self, state: SessionState) -> str | None:
        """The document text when it is known for the finals so far (no work)."""
        if self.pipeline is None:
            return _raw_document(state)
        if self._document is not None and self._document[0] == len(state.raw_finals):
            return self._document[1]
        return None

    async def document(self, state: SessionState) -> str:
        """The whole dictation (commands act across finals), computed once per final."""
        cached = self.cached_document(state)
        if cached is not None:
            return cached
        assert self.pipeline is not None
        count = len(state.raw_finals)
        text = await asyncio.to_thread(
            self.pipeline.document,
            list(state.raw_finals),
            [list(w) for w in state.final_words],
            specialty=self.start.specialty,
            template_id=self.start.template_id,
            user_lexicon=self.lexicon,
        )
        self._document = (count, text)
        return text

    async def live(self, state: SessionState) -> Live:
        """Field values and consistency warnings of the text so far."""
        if not self.live_wanted:
            return Live({}, [])
        assert self.pipeline is not None
        text = await self.document(state)
        options, template_id = self.start.options, self.start.template_id
        fields = (
            await asyncio.to_thread(self.pipeline.fields, text, template_id)
            if options.fields
            else {}
        )
        warnings = (
            await asyncio.to_thread(self.pipeline.warnings, text, template_id)
            if options.warnings
            else []
        )
        return Live(fields, warnings)


def _raw_document(state: SessionState) -> str:
    return " ".join(t for t in state.raw_finals if t)
