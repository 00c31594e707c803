"""Re-export of the package's WER helpers for benchmark scripts."""

from semdict.metrics import edit_distance, wer, wer_tokens, word_errors

__all__ = ["edit_distance", "wer", "wer_tokens", "word_errors"]
