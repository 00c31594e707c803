"""The three text pipelines compared by the benchmark, applied to the model's raw text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

from structuring.postprocess import postprocess

Pipeline = Literal["raw", "dict", "full"]
PIPELINES: tuple[Pipeline, ...] = get_args(Pipeline)
"""raw: the model's text; dict: + dictionary correction; full: + normalisation and commands
(the text the server sends, which structuring then reads)."""


def apply(
    pipeline: Pipeline,
    raw: str,
    template_id: str | None,
    specialty: str | None,
    words: Sequence[tuple[str, float]] = (),
) -> str:
    """``words``: the recogniser's (word, probability) pairs, the acoustic evidence a
    correction of a valid word needs; without them the text is corrected as written."""
    if pipeline == "raw":
        return raw
    evidence = {"specialty": specialty, "template_id": template_id, "words": words or None}
    if pipeline == "dict":
        return postprocess(raw, normalise=False, commands=False, **evidence).text  # type: ignore[arg-type]
    return postprocess(raw, **evidence).text  # type: ignore[arg-type]


def spoken_form(
    text: str, *, corrected: bool, template_id: str | None, specialty: str | None
) -> str:
    """Text in the form WER against ``spoken`` compares: numbers normalised, commands kept.

    Both the reference and the hypothesis go through the same normalisation so that «двенадцать»
    and «12» agree; command words stay because they were spoken.
    """
    return postprocess(
        text, specialty=specialty, template_id=template_id, correct=corrected, commands=False
    ).text
