"""Streaming voice activity detection with the Silero VAD model shipped in faster-whisper.

faster-whisper runs Silero over a whole file; a live stream needs the recurrent state carried
from one 32 ms chunk to the next, which this wrapper does.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import onnxruntime
from faster_whisper.utils import get_assets_path

from asr.audio import Samples

CHUNK = 512  # samples per Silero step at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous chunk the model sees


@lru_cache(maxsize=1)
def _session() -> onnxruntime.InferenceSession:
    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1  # tiny model: threads cost more than they give
    opts.enable_cpu_mem_arena = False
    opts.log_severity_level = 4
    return onnxruntime.InferenceSession(
        os.path.join(get_assets_path(), "silero_vad_v6.onnx"),
        providers=["CPUExecutionProvider"],
        sess_options=opts,
    )


class StreamingVad:
    """Speech probability per 32 ms chunk of a 16 kHz stream, state kept between calls."""

    def __init__(self) -> None:
        self._session = _session()
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def __call__(self, samples: Samples) -> npt.NDArray[np.float32]:
        """Probabilities for every complete chunk now available (leftover samples wait)."""
        audio = np.concatenate([self._pending, samples]) if self._pending.size else samples
        n = audio.size // CHUNK
        self._pending = audio[n * CHUNK :].copy()
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        chunks = audio[: n * CHUNK].reshape(n, CHUNK)
        contexts = np.concatenate([self._context[None, :], chunks[:-1, -CONTEXT:]], axis=0)
        self._context = chunks[-1, -CONTEXT:].copy()
        batch = np.concatenate([contexts, chunks], axis=1).astype(np.float32)
        out, self._h, self._c = self._session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        return np.asarray(out, dtype=np.float32).reshape(-1)
