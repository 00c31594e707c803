"""Finals decoded ahead, in the pause that may end an utterance (``speculate_after_ms``).

Best effort, at partial priority: a speculation never delays another session's final, and a
final uses its result only when it decoded the very same span with the very same prompt.
Its task belongs to the session's ``TaskOwner``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from asr.decoder import DecodeOptions, DecodeRequest, DecodeResult
from asr.scheduler import InferenceScheduler
from asr.stream_policy import FinalJob, SpeculativeJob
from server.metrics import Metrics
from server.tasks import TaskOwner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Speculation:
    span: tuple[int, int, int, str]
    """(utterance, start, end, prompt): a final uses the result only if all four match."""
    task: asyncio.Task[DecodeResult | None]


class Speculator:
    def __init__(
        self,
        key: str,
        scheduler: InferenceScheduler,
        options: DecodeOptions,
        metrics: Metrics,
        tasks: TaskOwner,
    ) -> None:
        self.key = key
        self.scheduler = scheduler
        self.options = options
        self.metrics = metrics
        self.tasks = tasks
        self._current: _Speculation | None = None

    def start(self, job: SpeculativeJob, prompt: str) -> None:
        """Decode ``job``'s would-be final now (replacing an older speculation)."""
        if self._current:
            self._current.task.cancel()
        request = DecodeRequest(job.audio, prompt, self.options)
        task = self.tasks.spawn(self._decode(request), "speculation")
        self._current = _Speculation((job.utterance, job.start, job.end, prompt), task)

    async def _decode(self, request: DecodeRequest) -> DecodeResult | None:
        try:
            return await self.scheduler.partial(self.key, request)
        except asyncio.CancelledError:
            raise
        except Exception:  # the final is decoded normally instead
            log.info("%s: a speculative final failed", self.key, exc_info=True)
            return None

    async def take(self, job: FinalJob, prompt: str) -> DecodeResult | None:
        """The speculative result for this final, when it decoded the same span and prompt."""
        speculation, self._current = self._current, None
        if speculation is None:
            return None
        if speculation.span != (job.utterance, job.start, job.end, prompt):
            speculation.task.cancel()
            self.metrics.speculative_finals.labels("discarded").inc()
            return None
        try:
            result = await speculation.task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the session is closing, not just the speculation
            result = None
        self.metrics.speculative_finals.labels("used" if result else "failed").inc()
        return result
