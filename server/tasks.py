"""One owner for a live session's background tasks.

A session outlives its connections, so its tasks cannot live inside one ``async with
asyncio.TaskGroup()`` of a handler. ``TaskOwner`` gives the same guarantees for that lifetime:
every task is tracked from ``spawn`` to its end, a task that fails is reported to the owner's
``on_failure`` (never swallowed), and ``close`` cancels whatever still runs and waits for it
within a deadline — a task that ignores its cancellation is logged and left, it does not hang
the session's end, a dropped link's expiry or the server's shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
FailureHook = Callable[[str, BaseException], None]


class TaskOwner:
    def __init__(self, name: str, on_failure: FailureHook | None = None) -> None:
        self.name = name
        self._on_failure = on_failure
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def running(self) -> int:
        return sum(1 for t in self._tasks if not t.done())

    @property
    def closed(self) -> bool:
        return self._closed

    def spawn(self, coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        """Start ``coro`` as a task this owner cancels on ``close``."""
        if self._closed:
            coro.close()
            raise RuntimeError(f"{self.name}: closed, cannot start {name}")
        task = asyncio.create_task(coro, name=f"{self.name}/{name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        log.error("%s failed", task.get_name(), exc_info=exc)
        if self._on_failure is not None:
            self._on_failure(task.get_name(), exc)

    async def close(self, timeout_s: float) -> bool:
        """Cancel every task and wait at most ``timeout_s`` for them to end. True when all
        ended in time. Idempotent; no task can be started afterwards."""
        self._closed = True
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        if not pending:
            return True
        _, stuck = await asyncio.wait(pending, timeout=timeout_s)
        for task in stuck:
            log.error(
                "%s did not stop within %.1f s of its cancellation", task.get_name(), timeout_s
            )
        return not stuck
