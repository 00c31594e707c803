"""One model, many sessions: a batching inference scheduler.

Sessions submit decode requests; the scheduler takes everything pending, groups it by batch key
(finals first: they carry the latency target; partials are best effort), and runs each group as
one batched CTranslate2 call. While batches run, new requests queue up and form the next ones —
batching comes from load, not from waiting.

With several model workers (CPU: one per core) that many batches run at once, but partials
never occupy the last free worker, and a final being decoded takes a partial's place: a final
that arrives finds a worker idle instead of waiting for another session's partial.

Recorded uploads submit *bulk* windows: never dropped, below live work. A bulk batch starts
only when no final waits and, like a partial, never on the last free worker; partials go
before it unless the oldest bulk window has waited ``bulk_patience_s`` (then it goes first,
so that a steady stream of partials cannot starve an upload).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from asr.decoder import DecodeRequest, DecodeResult

log = logging.getLogger(__name__)

BatchObserver = Callable[[str, int, float], None]
"""Called after each batch with (kind, batch size, seconds)."""


@dataclass(eq=False)  # identity, not field equality: requests hold numpy arrays
class _Pending:
    request: DecodeRequest
    future: asyncio.Future[DecodeResult | None]
    kind: str
    key: Hashable
    """The request's batch key, computed once: it tokenizes the prompt."""
    enqueued: float = field(default_factory=time.perf_counter)


class InferenceScheduler:
    def __init__(
        self,
        decode: Callable[[list[DecodeRequest]], list[DecodeResult]],
        *,
        batch_key: Callable[[DecodeRequest], Hashable] = lambda r: r.options,
        max_batch: int = 8,
        max_queue: int = 64,
        workers: int = 1,
        observer: BatchObserver | None = None,
        bulk_patience_s: float = 2.0,
    ) -> None:
        self._decode = decode
        self._batch_key = batch_key
        self.max_batch = max_batch
        self.max_queue = max_queue
        self.workers = max(1, workers)
        self._observer = observer
        self.bulk_patience_s = bulk_patience_s
        self._finals: list[_Pending] = []
        self._bulk: list[_Pending] = []
        self._partials: dict[Hashable, _Pending] = {}  # latest partial per session only
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="inference"
        )
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    @property
    def depth(self) -> int:
        return len(self._finals) + len(self._partials) + len(self._bulk)

    @property
    def saturated(self) -> bool:
        return len(self._finals) >= self.max_queue

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="inference-scheduler")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for pending in [*self._finals, *self._partials.values(), *self._bulk]:
            if not pending.future.done():
                pending.future.cancel()
        # Batches already in a worker finish (a thread cannot be interrupted) and are dropped.
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        self._executor.shutdown(wait=True)

    async def final(self, request: DecodeRequest) -> DecodeResult:
        """Decode a final window. Never dropped: finals hold dictated speech."""
        future: asyncio.Future[DecodeResult | None] = asyncio.get_running_loop().create_future()
        self._finals.append(_Pending(request, future, "final", self._batch_key(request)))
        self._wakeup.set()
        result = await future
        assert result is not None
        return result

    async def bulk(self, request: DecodeRequest) -> DecodeResult:
        """Decode a window of a recorded upload: never dropped, after live finals and (within
        ``bulk_patience_s``) live partials."""
        future: asyncio.Future[DecodeResult | None] = asyncio.get_running_loop().create_future()
        self._bulk.append(_Pending(request, future, "bulk", self._batch_key(request)))
        self._wakeup.set()
        result = await future
        assert result is not None
        return result

    async def partial(self, key: Hashable, request: DecodeRequest) -> DecodeResult | None:
        """Decode a partial window; ``None`` when superseded by a newer one of the same key."""
        future: asyncio.Future[DecodeResult | None] = asyncio.get_running_loop().create_future()
        old = self._partials.pop(key, None)
        if old and not old.future.done():
            old.future.set_result(None)
        self._partials[key] = _Pending(request, future, "partial", self._batch_key(request))
        self._wakeup.set()
        return await future

    def _next_batch(self) -> list[_Pending]:
        """The next batch to start, or [] when nothing may start now."""
        if self._finals:
            source, idle = self._finals, self.workers - len(self._running)
        elif (self._partials or self._bulk) and (slots := self._partial_slots()) > 0:
            source, idle = self._background(), slots
        else:
            return []
        key = source[0].key
        matching = [p for p in source if p.key == key]
        # Idle workers share what is pending: on CPU two windows in one batch take nearly
        # twice as long as one, while two workers decode them side by side.
        batch = matching[: min(self.max_batch, -(-len(matching) // max(1, idle)))]
        taken = {id(p) for p in batch}
        if source is self._finals:
            self._finals = [p for p in self._finals if id(p) not in taken]
        elif source is self._bulk:
            self._bulk = [p for p in self._bulk if id(p) not in taken]
        else:
            self._partials = {k: p for k, p in self._partials.items() if id(p) not in taken}
        return [p for p in batch if not p.future.done()] or self._next_batch()

    def _background(self) -> list[_Pending]:
        """Partials, or bulk windows when none is pending or the oldest has waited too long."""
        if self._bulk and (
            not self._partials
            or time.perf_counter() - self._bulk[0].enqueued >= self.bulk_patience_s
        ):
            return self._bulk
        return list(self._partials.values())

    def _partial_slots(self) -> int:
        """Partial batches that may start now. With one worker, whenever it is free. With
        more, one worker stays free for finals, and a final being decoded takes a partial's
        place: a session's final must not queue behind another session's partial."""
        return 1 if self.workers == 1 else self.workers - 1 - len(self._running)

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            while len(self._running) < self.workers and (batch := self._next_batch()):
                task = asyncio.create_task(self._run_batch(batch))
                self._running.add(task)
                task.add_done_callback(self._batch_done)
            await self._wakeup.wait()

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wakeup.set()

    async def _run_batch(self, batch: list[_Pending]) -> None:
        started = time.perf_counter()
        try:
            results = await asyncio.get_running_loop().run_in_executor(
                self._executor, self._decode, [p.request for p in batch]
            )
        except asyncio.CancelledError:
            for p in batch:
                p.future.cancel()
            raise
        except Exception as exc:  # a decoder failure must fail its requests, not the loop
            log.exception("decoding a batch of %d failed", len(batch))
            for p in batch:
                if not p.future.done():
                    p.future.set_exception(exc)
            return
        if self._observer:
            self._observer(batch[0].kind, len(batch), time.perf_counter() - started)
        for p, r in zip(batch, results, strict=True):
            if not p.future.done():
                p.future.set_result(r)
