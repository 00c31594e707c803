"""The session runtime's parts, without a model: the task owner, the pure state, the store's
resume marks and durability, and a send to a client that never reads."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any, cast

import pytest

from asr.scheduler import InferenceScheduler
from server.metrics import Metrics
from server.protocol import ErrorMsg, FieldMsg, Start, WarningMsg
from server.services import SessionServices
from server.session import DictationSession
from server.session_state import SEQ_BLOCK, SessionState
from server.sessions import restored_start
from server.store import SessionRecord, open_store
from server.store_sqlite import SQLiteStore
from server.tasks import TaskOwner

# -- TaskOwner --------------------------------------------------------------------------------


def test_task_owner_stops_its_tasks_and_reports_failures() -> None:
    failures: list[str] = []

    async def scenario() -> tuple[bool, bool, int]:
        owner = TaskOwner("t", on_failure=lambda name, exc: failures.append(f"{name}:{exc}"))

        async def fail() -> None:
            raise ValueError("boom")

        owner.spawn(asyncio.sleep(3600), "sleeper")
        owner.spawn(fail(), "failing")
        await asyncio.sleep(0.01)
        stopped = await owner.close(timeout_s=1.0)
        with pytest.raises(RuntimeError):
            owner.spawn(asyncio.sleep(0), "late")
        return stopped, owner.closed, owner.running

    stopped, closed, running = asyncio.run(scenario())
    assert stopped and closed and running == 0
    assert failures == ["t/failing:boom"]


def test_task_owner_close_has_a_deadline_even_for_a_task_that_ignores_cancellation() -> None:
    async def stubborn() -> None:
        for _ in range(12):
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                continue  # swallows its cancellation

    async def scenario() -> tuple[bool, float]:
        owner = TaskOwner("t")
        task = owner.spawn(stubborn(), "stubborn")
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        stopped = await owner.close(timeout_s=0.2)
        took = loop.time() - t0
        task.cancel()
        return stopped, took

    stopped, took = asyncio.run(scenario())
    assert not stopped and took < 1.0


# -- SessionState -----------------------------------------------------------------------------


def test_seq_numbers_are_reserved_in_blocks_and_resume_above_the_reserve() -> None:
    state = SessionState("s", 16_000)
    seq, ceiling = state.next_seq()
    assert (seq, ceiling) == (1, SEQ_BLOCK)
    assert all(state.next_seq()[1] is None for _ in range(SEQ_BLOCK - 1))
    assert state.next_seq() == (SEQ_BLOCK + 1, 2 * SEQ_BLOCK)
    # A restart: only finals were stored (seq 3), but partials up to the reserve were sent.
    stored = [_final(3, utterance=0, raw="очаг", text="Очаг.")]
    again = SessionState.restored(
        "s", 16_000, seq_floor=2 * SEQ_BLOCK, audio_bytes=32_768, messages=stored
    )
    assert again.next_seq()[0] == 2 * SEQ_BLOCK + 1
    assert again.base_utterance == 1 and again.raw_finals == ["очаг"]
    assert again.bytes_received == 32_768 and again.base_s == pytest.approx(1.024)


def test_covered_offsets_are_vad_chunk_aligned_and_never_past_the_received_audio() -> None:
    state = SessionState("s", 16_000)
    state.on_audio(20_000)
    assert state.covered_by(5_000) == 2 * 4_608  # 9 chunks of 512 samples
    assert state.covered_by(100_000) == 20_000  # not past what arrived
    resampled = SessionState("s", 8_000, base_bytes=1_000, bytes_received=1_000)
    resampled.on_audio(8_000)
    assert resampled.covered_by(1_024) == 1_000 + 2 * 512  # 1024 samples at 16 kHz


def test_fields_and_warnings_are_sent_once_even_after_a_restore() -> None:
    state = SessionState("s", 16_000)
    assert state.field_changes({"findings": "", "modality": "КТ"}) == [("modality", "КТ")]
    state.record({"type": "field", "seq": 1, "field": "modality", "value": "КТ"})
    assert state.field_changes({"modality": "КТ"}) == []
    side = ("laterality_conflict", "laterality", "Проверьте сторону.")
    assert state.new_warnings([side, side]) == [side]
    state.record(
        {"type": "warning", "seq": 2, "code": side[0], "field": side[1], "message": side[2]}
    )
    assert state.new_warnings([side]) == []
    again = SessionState.restored("s", 16_000, seq_floor=2, audio_bytes=0, messages=state.log)
    assert again.new_warnings([side]) == [] and again.fields == {"modality": "КТ"}


def _final(seq: int, *, utterance: int, raw: str, text: str) -> dict[str, Any]:
    return {
        "type": "final",
        "seq": seq,
        "utterance": utterance,
        "text": text,
        "raw": raw,
        "start_s": 0.0,
        "end_s": 1.0,
        "words": [{"w": raw, "start": 0.0, "end": 1.0, "p": 0.9}],
        "corrections": [],
    }


# -- the store --------------------------------------------------------------------------------


def test_store_keeps_the_resume_marks_across_a_reopen(store_url: str) -> None:
    async def write() -> None:
        store = await open_store(store_url, node_id="test")
        await store.create("abcdefgh", None, None, {})
        await store.append("abcdefgh", _final(5, utterance=0, raw="a", text="A"), audio_bytes=4096)
        await store.append("abcdefgh", {"type": "field", "seq": 6, "field": "x", "value": 1})
        await store.reserve_seq("abcdefgh", 70)
        await store.close()

    async def read() -> Any:
        store = await open_store(store_url, node_id="test")
        record = await store.get("abcdefgh")
        await store.close()
        return record

    asyncio.run(write())
    record = asyncio.run(read())
    assert (record.last_seq, record.audio_bytes, record.seq_reserved) == (6, 4096, 70)
    assert record.seq_floor == 70


def test_sqlite_store_commits_with_synchronous_full(tmp_path: Path) -> None:
    async def scenario() -> int:
        store = SQLiteStore(tmp_path / "s.sqlite3")
        level: int = store.db.execute("PRAGMA synchronous").fetchone()[0]
        await store.close()
        return level

    assert asyncio.run(scenario()) == 2  # FULL


def test_store_adds_the_resume_columns_to_an_older_file(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at REAL NOT "
        "NULL, updated_at REAL NOT NULL, template_id TEXT, specialty TEXT, options TEXT NOT "
        "NULL, last_seq INTEGER NOT NULL DEFAULT 0, text TEXT NOT NULL DEFAULT '');"
        "INSERT INTO sessions VALUES ('oldsession', 'active', 0, 0, NULL, NULL, '{}', 9, '');"
    )
    db.commit()
    db.close()

    async def read() -> Any:
        store = SQLiteStore(path)
        record = await store.get("oldsession")
        await store.close()
        return record

    record = asyncio.run(read())
    assert (record.last_seq, record.audio_bytes, record.seq_floor) == (9, 0, 9)


def test_a_session_rebuilt_from_the_store_keeps_what_it_was_started_with() -> None:
    """A resume on another node (or after a restart) may send only its session and seq: the
    template, specialty, options, context and doctor come from the store, not from it."""
    record = SessionRecord(
        id="sess-0004",
        status="active",
        created_at=0.0,
        updated_at=0.0,
        template_id="ct_chest",
        specialty="ct",
        options={
            "options": {"raw": True, "partials": False},
            "context": {"patient": {"name": {"family": "Иванова"}}},
            "user": "dr.petrov",
        },
        last_seq=3,
        text="",
    )
    resume = Start.model_validate(
        {"type": "start", "session_id": "sess-0004", "resume_from_seq": 3, "template_id": "ct_head",
         "audio": {"sample_rate": 8000}}
    )  # fmt: skip
    start = restored_start(resume, record)
    assert (start.template_id, start.specialty, start.user) == ("ct_chest", "ct", "dr.petrov")
    assert start.options.raw and not start.options.partials
    assert start.context == {"patient": {"name": {"family": "Иванова"}}}
    assert start.audio.sample_rate == 8000 and start.resume_from_seq == 3


# -- a client that never reads ----------------------------------------------------------------


def test_a_send_to_a_stalled_client_has_a_deadline(store_url: str) -> None:
    """The message waits in the log for a resume; the link is released and closed."""

    async def scenario() -> tuple[bool, list[str], list[int]]:
        store = await open_store(store_url, node_id="test")
        await store.create("stalled1", None, None, {})
        services = SessionServices(
            scheduler=cast(InferenceScheduler, None),  # no audio in this test
            store=store,
            metrics=Metrics(),
            text=None,
            send_timeout_s=0.2,
        )
        start = Start.model_validate({"type": "start"})
        session = DictationSession(SessionState("stalled1", 16_000), start, services)
        session.begin()
        owner, closed = object(), []
        never = asyncio.Event()

        async def stalled_send(message: dict[str, Any]) -> None:
            await never.wait()

        async def close(code: int, reason: str) -> None:
            closed.append(code)

        session.claim(owner)
        # ``ready`` is never taken: after 0.2 s the link is let go (and closed).
        await asyncio.wait_for(session.attach(owner, stalled_send, close, None), 5)
        released = not session.connected
        await asyncio.wait_for(session.emit(ErrorMsg(code="x", message="y")), 5)
        await asyncio.wait_for(session.emit(FieldMsg(field="f", value=1)), 5)
        await asyncio.wait_for(session.emit(WarningMsg(code="c", field="f", message="m")), 5)
        await asyncio.sleep(0.05)
        kinds = [m["type"] for m in session.state.log]
        stopped = await session.close()
        await store.close()
        return released and stopped, kinds, closed

    ok, kinds, closed = asyncio.run(scenario())
    assert ok
    assert kinds == ["error", "field", "warning"]
    assert closed == [1008]
