"""Warm the model up before the first dictation.

On CUDA the first decode of each shape pays for loading kernels, choosing GEMM algorithms and
growing the memory pool: measured on one H100 with the bundled base model, the first final of
eight sessions that started together took 3–4 s instead of 0.2 s. A server decodes a few
throw-away batches at start-up instead, in every batch size and option set it will use, so
that no doctor's first sentence pays for it. On CPU the first decode costs what later ones do
(0.89 s against 0.85 s for a 10 s greedy window), so the server skips it there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np

from asr.audio import SAMPLE_RATE
from asr.decoder import DecodeOptions, DecodeRequest, WindowDecoder

log = logging.getLogger(__name__)

WINDOW_S = 12.0
"""The longest window the segmenter makes (its hard cut): the largest shapes to allocate."""
PREFIX = "компьютерная томография органов грудной клетки без контрастного усиления"
"""Forced through the decoder so that every batch takes several decoding steps and the word
alignment runs, whatever the noise decodes to."""
PROMPT = "описание патологических изменений не выявлено"


def batch_sizes(max_batch: int) -> list[int]:
    """1, 2, 4, … up to and including ``max_batch``."""
    sizes = [1]
    while sizes[-1] * 2 < max_batch:
        sizes.append(sizes[-1] * 2)
    if max_batch > 1:
        sizes.append(max_batch)
    return sizes


def warm_up(decoder: WindowDecoder, options: Sequence[DecodeOptions], max_batch: int) -> float:
    """Decode throw-away batches of every size up to ``max_batch`` with each option set, with
    and without previous text; returns the seconds it took."""
    started = time.perf_counter()
    noise = np.random.default_rng(0).standard_normal(int(WINDOW_S * SAMPLE_RATE)) * 0.01
    audio = noise.astype(np.float32)
    for opts in options:
        for prompt in ("", PROMPT):
            request = DecodeRequest(audio=audio, prompt=prompt, options=opts, prefix=PREFIX)
            for size in batch_sizes(max_batch):
                decoder.decode([request] * size)
    elapsed = time.perf_counter() - started
    log.info("model warmed up in %.1f s (batches up to %d)", elapsed, max_batch)
    return elapsed
