"""A stream's recent audio, addressed by absolute sample index.

Frames are kept as a list and joined only when a window is cut: appending a 100 ms frame must
not copy the whole open utterance (at a hundred streams that copy would dominate the server).
"""

from __future__ import annotations

import numpy as np

from asr.audio import Samples


class AudioBuffer:
    def __init__(self) -> None:
        self._chunks: list[Samples] = []
        self._base = 0  # absolute index of the first kept sample
        self._size = 0

    @property
    def end(self) -> int:
        """Absolute index one past the last sample received."""
        return self._base + self._size

    @property
    def kept(self) -> int:
        return self._size

    def append(self, samples: Samples) -> None:
        if samples.size:
            self._chunks.append(samples)
            self._size += samples.size

    def trim(self, keep_from: int) -> None:
        """Forget samples before ``keep_from`` (whole frames only; the rest is cut at slice)."""
        while self._chunks and self._base + self._chunks[0].size <= keep_from:
            first = self._chunks.pop(0)
            self._base += first.size
            self._size -= first.size

    def slice(self, start: int, end: int) -> Samples:
        """Samples ``start``–``end`` (absolute), as one new array."""
        start, end = max(start, self._base), min(end, self.end)
        if end <= start:
            return np.zeros(0, dtype=np.float32)
        out = np.empty(end - start, dtype=np.float32)
        pos, filled = self._base, 0
        for chunk in self._chunks:
            lo, hi = max(start, pos), min(end, pos + chunk.size)
            if lo < hi:
                out[filled : filled + hi - lo] = chunk[lo - pos : hi - pos]
                filled += hi - lo
            pos += chunk.size
            if pos >= end:
                break
        return out
