"""Scheduling across model workers: which batch may start when (the decode step is injected,
so the test can hold a batch inside a worker; decoding itself is tested in test_decoder.py)."""

from __future__ import annotations

import asyncio
import threading

import numpy as np

from asr.decoder import DecodeRequest, DecodeResult
from asr.scheduler import InferenceScheduler


class HeldDecode:
    """Decodes instantly once released; records what was inside the workers at once."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.running: list[str] = []
        self.peak_partials = 0
        self.started: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, requests: list[DecodeRequest]) -> list[DecodeResult]:
        kind = requests[0].prompt
        with self._lock:
            self.running.append(kind)
            self.started.append(kind)
            self.peak_partials = max(self.peak_partials, self.running.count("partial"))
        if kind == "partial":
            self.release.wait(timeout=10)
        with self._lock:
            self.running.remove(kind)
        return [DecodeResult(kind, 0.0, 0.0, 0.0) for _ in requests]


def request(kind: str) -> DecodeRequest:
    return DecodeRequest(np.zeros(1600, dtype=np.float32), kind)


def test_a_final_does_not_wait_for_partials_in_the_other_worker() -> None:
    decode = HeldDecode()

    async def run() -> list[str]:
        scheduler = InferenceScheduler(decode, batch_key=lambda r: r.prompt, workers=2)
        scheduler.start()
        try:
            partials = [
                asyncio.ensure_future(scheduler.partial(f"s{i}", request("partial")))
                for i in range(3)
            ]
            await asyncio.sleep(0.05)
            final = await asyncio.wait_for(scheduler.final(request("final")), timeout=5)
            assert final.text == "final"  # done while the partial still holds a worker
            decode.release.set()
            done = await asyncio.gather(*partials)
            return [r.text for r in done if r is not None]
        finally:
            decode.release.set()
            await scheduler.stop()

    texts = asyncio.run(run())
    assert texts == ["partial"] * 3  # batched together in one partial batch
    assert decode.peak_partials == 1  # partials never took the last free worker
    assert decode.started == ["partial", "final"]


def test_finals_use_every_worker() -> None:
    gate = threading.Barrier(2, timeout=5)

    def decode(requests: list[DecodeRequest]) -> list[DecodeResult]:
        gate.wait()  # returns only when two batches are inside the workers at once
        return [DecodeResult(r.prompt, 0.0, 0.0, 0.0) for r in requests]

    async def run() -> list[str]:
        scheduler = InferenceScheduler(decode, batch_key=lambda r: r.prompt, workers=2)
        scheduler.start()
        try:
            results = await asyncio.gather(
                scheduler.final(request("a")), scheduler.final(request("b"))
            )
        finally:
            await scheduler.stop()
        return [r.text for r in results]

    assert asyncio.run(run()) == ["a", "b"]


def test_one_worker_still_decodes_partials() -> None:
    async def run() -> DecodeResult | None:
        scheduler = InferenceScheduler(
            lambda rs: [DecodeResult("p", 0.0, 0.0, 0.0) for _ in rs], workers=1
        )
        scheduler.start()
        try:
            return await asyncio.wait_for(scheduler.partial("s", request("partial")), 5)
        finally:
            await scheduler.stop()

    result = asyncio.run(run())
    assert result is not None and result.text == "p"


def test_idle_workers_share_pending_finals_instead_of_batching_them() -> None:
    sizes: list[int] = []
    gate = threading.Barrier(2, timeout=5)

    def decode(requests: list[DecodeRequest]) -> list[DecodeResult]:
        sizes.append(len(requests))
        gate.wait()  # both halves must be inside the workers at once
        return [DecodeResult(r.prompt, 0.0, 0.0, 0.0) for r in requests]

    async def run() -> list[str]:
        scheduler = InferenceScheduler(decode, batch_key=lambda r: "same", workers=2)
        finals = [asyncio.ensure_future(scheduler.final(request(k))) for k in "abcd"]
        await asyncio.sleep(0)  # all four pending before the scheduler starts
        scheduler.start()
        try:
            return [r.text for r in await asyncio.gather(*finals)]
        finally:
            await scheduler.stop()

    assert asyncio.run(run()) == ["a", "b", "c", "d"]
    assert sizes == [2, 2]


def test_no_partial_starts_while_a_final_holds_a_worker() -> None:
    # Two workers: while one decodes a final, the other stays free for the next final.
    release = threading.Event()
    started: list[str] = []

    def decode(requests: list[DecodeRequest]) -> list[DecodeResult]:
        started.append(requests[0].prompt)
        if requests[0].prompt == "slow final":
            release.wait(timeout=10)
        return [DecodeResult(r.prompt, 0.0, 0.0, 0.0) for r in requests]

    async def run() -> None:
        scheduler = InferenceScheduler(decode, batch_key=lambda r: r.prompt, workers=2)
        scheduler.start()
        try:
            slow = asyncio.ensure_future(scheduler.final(request("slow final")))
            await asyncio.sleep(0.05)
            partial = asyncio.ensure_future(scheduler.partial("s2", request("partial")))
            await asyncio.sleep(0.1)
            assert started == ["slow final"]  # the partial waits
            assert (await scheduler.final(request("next final"))).text == "next final"
            release.set()
            assert (await slow).text == "slow final"
            result = await partial
            assert result is not None and result.text == "partial"
        finally:
            release.set()
            await scheduler.stop()

    asyncio.run(run())
    assert started == ["slow final", "next final", "partial"]


def test_bulk_windows_go_after_finals_and_partials_and_leave_a_worker_for_finals() -> None:
    release = threading.Event()
    bulk_started = threading.Event()
    started: list[str] = []

    def decode(requests: list[DecodeRequest]) -> list[DecodeResult]:
        started.append(requests[0].prompt)
        if requests[0].prompt == "bulk 1":
            bulk_started.set()
            release.wait(timeout=10)
        return [DecodeResult(r.prompt, 0.0, 0.0, 0.0) for r in requests]

    async def run() -> None:
        scheduler = InferenceScheduler(decode, batch_key=lambda r: r.prompt, workers=2)
        pending = [
            asyncio.ensure_future(scheduler.bulk(request("bulk 1"))),
            asyncio.ensure_future(scheduler.partial("s", request("partial"))),
            asyncio.ensure_future(scheduler.final(request("final"))),
        ]
        await asyncio.sleep(0)  # all three pending before the scheduler starts
        scheduler.start()
        try:
            await asyncio.wait_for(asyncio.gather(*pending[1:]), 5)
            # the bulk window starts on the worker the partial frees, in a worker thread
            assert await asyncio.to_thread(bulk_started.wait, 5)
            assert started == ["final", "partial", "bulk 1"]
            second = asyncio.ensure_future(scheduler.bulk(request("bulk 2")))
            await asyncio.sleep(0.1)
            assert started[-1] == "bulk 1"  # a bulk window never takes the last free worker
            # ... which a live final finds free while the upload's window decodes.
            assert (await asyncio.wait_for(scheduler.final(request("f2")), 5)).text == "f2"
            release.set()
            assert (await asyncio.wait_for(second, 5)).text == "bulk 2"
        finally:
            release.set()
            await scheduler.stop()

    asyncio.run(run())
    assert started == ["final", "partial", "bulk 1", "f2", "bulk 2"]


def test_a_bulk_window_that_waited_its_patience_goes_before_partials() -> None:
    started: list[str] = []

    def decode(requests: list[DecodeRequest]) -> list[DecodeResult]:
        started.append(requests[0].prompt)
        return [DecodeResult(r.prompt, 0.0, 0.0, 0.0) for r in requests]

    async def run() -> None:
        scheduler = InferenceScheduler(
            decode, batch_key=lambda r: r.prompt, workers=1, bulk_patience_s=0.05
        )
        bulk = asyncio.ensure_future(scheduler.bulk(request("bulk")))
        await asyncio.sleep(0.1)  # the bulk window has waited longer than its patience
        partial = asyncio.ensure_future(scheduler.partial("s", request("partial")))
        await asyncio.sleep(0)
        scheduler.start()
        try:
            await asyncio.wait_for(asyncio.gather(bulk, partial), 5)
        finally:
            await scheduler.stop()

    asyncio.run(run())
    assert started == ["bulk", "partial"]
