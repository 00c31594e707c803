"""What the dictation session does to text: normalisation, dictionaries, commands, live fields.

One object per app, built at start-up, so that the session code does not know which
structuring functions exist and tests can run sessions in raw mode.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from structuring.api import TemplateUndetectedError, live_fields, structure
from structuring.api import warm_up as warm_up_validation
from structuring.confidence import WordProbability
from structuring.events import PostprocessResult
from structuring.postprocess import postprocess
from vocabularies.prompt import prompt_for
from vocabularies.user import UserLexicon

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextPipeline:
    data_dir: Path | None = None

    def warm_up(self) -> None:
        """Load dictionaries, morphology and compiled schemas before the first dictation."""
        warm_up_validation()
        self.final(
            "Описание. Очаг 5 мм. Заключение.",
            [],
            specialty=None,
            template_id=None,
            sentence_start=True,
        )
        self.fields("Описание. Очаг 5 мм. Заключение. Очаг.", None)
        self.warnings("КТ органов грудной клетки. Описание. Очаг 5 мм. Заключение. Очаг.", None)
        self.prompt(None, None)

    def prompt(self, specialty: str | None, template_id: str | None) -> str:
        return prompt_for(specialty, template_id)

    def final(
        self,
        raw: str,
        words: Sequence[WordProbability],
        *,
        specialty: str | None,
        template_id: str | None,
        sentence_start: bool,
        user_lexicon: UserLexicon | None = None,
        open_section: int = -1,
    ) -> PostprocessResult:
        """``words``: the final's (word, probability) pairs, the acoustic evidence a correction
        of a valid word needs (vocabularies.evidence)."""
        return postprocess(
            raw,
            specialty=specialty,
            template_id=template_id,
            sentence_start=sentence_start,
            data_dir=self.data_dir,
            words=words or None,
            user_lexicon=user_lexicon,
            open_section=open_section,
        )

    def document(
        self,
        raws: list[str],
        words: Sequence[Sequence[WordProbability]],
        *,
        specialty: str | None,
        template_id: str | None,
        user_lexicon: UserLexicon | None = None,
    ) -> str:
        """The whole dictation: commands may act across finals (delete the last sentence)."""
        kept = [(raw, list(w)) for raw, w in zip(raws, words, strict=False) if raw.strip()]
        joined = " ".join(raw for raw, _ in kept)
        if not joined:
            return ""
        evidence = [pair for _, w in kept for pair in w]
        return postprocess(
            joined,
            specialty=specialty,
            template_id=template_id,
            data_dir=self.data_dir,
            words=evidence or None,
            user_lexicon=user_lexicon,
        ).text

    def fields(self, text: str, template_id: str | None) -> dict[str, object]:
        return live_fields(text, template_id)

    def warnings(self, text: str, template_id: str | None) -> list[tuple[str, str, str]]:
        """Consistency warnings of the text so far, as (code, field, message).

        ``missing_required`` is left out: while the doctor speaks, every field not yet
        dictated is missing. No template given and none detectable: no warnings yet.
        """
        if not text.strip():
            return []
        try:
            report = structure(text, template_id)
        except TemplateUndetectedError:
            return []
        return [(w.code, w.field, w.message) for w in report.warnings if w.code != LIVE_SKIPPED]


LIVE_SKIPPED = "missing_required"
