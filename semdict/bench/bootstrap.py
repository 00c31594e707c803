"""Bootstrap confidence intervals for corpus-level rates (errors / total).

Dictations, not recordings or words, are resampled: the voices of one dictation share its
text, so they are not independent samples.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RESAMPLES = 2000
SEED = 0
"""Fixed, so that the same hypotheses always give the same interval."""


def ratio_ci(
    groups: Sequence[tuple[int, int]], *, level: float = 0.95, resamples: int = RESAMPLES
) -> tuple[float, float]:
    """Percentile interval of sum(errors) / sum(total) over resampled groups."""
    if not groups:
        return (0.0, 0.0)
    counts = np.asarray(groups, dtype=np.float64)
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(counts), size=(resamples, len(counts)))
    errors = counts[picks, 0].sum(axis=1)
    totals = counts[picks, 1].sum(axis=1)
    rates = np.divide(errors, totals, out=np.zeros_like(errors), where=totals > 0)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(rates, [tail, 100 - tail])
    return float(low), float(high)
