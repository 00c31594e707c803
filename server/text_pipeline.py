"""What the dictation session does to text: normalisation, dictionaries, commands, live fields.

One object per app, built at start-up, so that the session code does not know which
structuring functions exist and tests can run sessions in raw mode.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from structuring.api import live_fields
from structuring.api import warm_up as warm_up_validation
from structuring.events import PostprocessResult
from structuring.postprocess import postprocess
from vocabularies.prompt import prompt_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextPipeline:
    data_dir: Path | None = None

    def warm_up(self) -> None:
        """Load dictionaries, morphology and compiled schemas before the first dictation."""
        warm_up_validation()
        self.final(
            "Описание. Очаг 5 мм. Заключение.",
            specialty=None,
            template_id=None,
            sentence_start=True,
        )
        self.fields("Описание. Очаг 5 мм. Заключение. Очаг.", None)
        self.prompt(None, None)

    def prompt(self, specialty: str | None, template_id: str | None) -> str:
        return prompt_for(specialty, template_id)

    def final(
        self, raw: str, *, specialty: str | None, template_id: str | None, sentence_start: bool
    ) -> PostprocessResult:
        return postprocess(
            raw, specialty=specialty, template_id=template_id, sentence_start=sentence_start
        )

    def document(self, raws: list[str], *, specialty: str | None, template_id: str | None) -> str:
        """The whole dictation: commands may act across finals (delete the last sentence)."""
        joined = " ".join(r for r in raws if r.strip())
        if not joined:
            return ""
        return postprocess(joined, specialty=specialty, template_id=template_id).text

    def fields(self, text: str, template_id: str | None) -> dict[str, object]:
        return live_fields(text, template_id)
