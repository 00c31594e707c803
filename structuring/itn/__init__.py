"""Russian radiology inverse text normalisation (ITN) of final dictation text.

``normalise("до тридцати двух миллиметров")`` → ``"до 32 мм"``. The stages work on a token
stream (``structuring.itn.tokens``) so that voice commands can run on the same tokens before
the text is rendered.
"""

from __future__ import annotations

from structuring.itn.codes import rewrite_codes
from structuring.itn.markers import mark_sections
from structuring.itn.measures import rewrite_measures
from structuring.itn.numerals import convert_numbers, settle_numbers
from structuring.itn.punctuation import apply_dictated_punctuation
from structuring.itn.tokens import Token, render, tokenize

__all__ = ["normalise", "normalise_tokens"]


def normalise_tokens(tokens: list[Token], *, numbers: bool = True) -> list[Token]:
    """Dictated punctuation, then numbers, codes and measurements, then the spoken section
    markers of a plain dictation and the title's case."""
    tokens = apply_dictated_punctuation(tokens)
    if not numbers:
        return tokens
    tokens = convert_numbers(tokens)
    tokens = rewrite_codes(tokens)
    tokens = rewrite_measures(tokens)
    return mark_sections(settle_numbers(tokens))


def normalise(text: str) -> str:
    """Normalise one final transcript (no voice commands, no dictionary correction)."""
    return render(normalise_tokens(tokenize(text)))
