"""The session store's contract, against SQLite and a real PostgreSQL alike; then what only
PostgreSQL does: versioned migrations, leases across nodes with fencing, and a store that goes
away mid-write."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from server.settings import Settings, StoreSettings
from server.store import LeaseLost, SessionStore, StoreError, StoreUnavailable, open_store
from server.store_migrations import MIGRATIONS, migrate, schema_version
from server.store_postgres import PostgresStore
from server.tokens import TokenStore
from tests.pg import PostgresCluster

REPO = Path(__file__).resolve().parents[1]
CONTEXT = {"patient": {"name": {"family": "Иванова"}}, "note": "«кавычки» и ё"}


def _final(seq: int, utterance: int) -> dict[str, Any]:
    return {"type": "final", "seq": seq, "utterance": utterance, "text": f"Фраза {utterance}."}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# -- the contract, on both backends ----------------------------------------------------------


def test_a_session_round_trips_with_its_options_context_and_messages(store_url: str) -> None:
    async def scenario() -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]], Any]:
        store = await open_store(store_url, node_id="node-a")
        options = {"options": {"raw": False}, "context": CONTEXT}
        await store.create("sess-0001", "ct_chest", "ct", options, tenant="clinic-a")
        for seq in (2, 5, 9):
            await store.append("sess-0001", _final(seq, seq), audio_bytes=seq * 1000)
        await store.append("sess-0001", {"type": "field", "seq": 10, "field": "f", "value": 1})
        await store.set_status("sess-0001", "completed", "Фраза 2. Фраза 5. Фраза 9.")
        record = await store.get("sess-0001")
        every, after = await store.messages("sess-0001"), await store.messages("sess-0001", 5)
        missing = await store.get("sess-none")
        await store.close()
        return record, every, after, missing

    record, every, after, missing = run(scenario())
    assert missing is None
    assert (record.template_id, record.specialty, record.tenant) == ("ct_chest", "ct", "clinic-a")
    assert record.options["context"] == CONTEXT
    assert (record.status, record.text) == ("completed", "Фраза 2. Фраза 5. Фраза 9.")
    assert (record.last_seq, record.audio_bytes) == (10, 9000)
    assert [m["seq"] for m in every] == [2, 5, 9, 10] and every[0] == _final(2, 2)
    assert [m["seq"] for m in after] == [9, 10]


def test_a_failed_append_stores_nothing(store_url: str) -> None:
    """A second message with the same seq is refused, and neither its audio mark nor the
    session's ``last_seq`` move: what the client was not sent is not in the store."""

    async def scenario() -> tuple[Any, list[dict[str, Any]]]:
        store = await open_store(store_url, node_id="node-a")
        await store.create("sess-0002", None, None, {})
        await store.append("sess-0002", _final(3, 0), audio_bytes=1000)
        with pytest.raises(StoreError):
            await store.append("sess-0002", {**_final(3, 1), "seq": 3}, audio_bytes=50_000)
        record, messages = await store.get("sess-0002"), await store.messages("sess-0002")
        await store.close()
        return record, messages

    record, messages = run(scenario())
    assert (record.last_seq, record.audio_bytes) == (3, 1000)
    assert messages == [_final(3, 0)]


def test_a_session_has_one_lease_at_a_time(store_url: str) -> None:
    async def scenario() -> list[bool]:
        store = await open_store(store_url, node_id="node-a")
        got = [await store.acquire("sess-0003"), await store.acquire("sess-0003")]
        await store.release("sess-0003")
        got.append(await store.acquire("sess-0003"))
        await store.close()
        return got

    assert run(scenario()) == [True, False, True]


# -- PostgreSQL: migrations ----------------------------------------------------------------------


def test_migrations_build_an_empty_database_once_even_when_nodes_start_together(
    pg_url: str,
) -> None:
    applied: list[list[int]] = []
    starts = [threading.Thread(target=lambda: applied.append(migrate(pg_url))) for _ in range(3)]
    for start in starts:
        start.start()
    for start in starts:
        start.join(timeout=60)
    every = [m.version for m in MIGRATIONS]
    assert sorted(applied, key=len) == [[], [], every]  # one node applied them, under the lock
    assert schema_version(pg_url) == every[-1]
    assert migrate(pg_url) == []  # a second start: nothing to do
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall()
        columns = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'sessions'"
            )
        }
    assert [r[0] for r in rows] == every and all(r[1] for r in rows)
    assert {"audio_bytes", "seq_reserved", "tenant", "owner", "epoch"} <= columns


# -- PostgreSQL: leases across nodes ---------------------------------------------------------

_HOLDER = """
import asyncio, sys
from server.store_postgres import PostgresStore
from server.tokens import TokenStore

async def main() -> None:
    store = await PostgresStore.open(sys.argv[1], node_id="node-a")
    await store.create("sess-lease", None, None, {})
    assert await store.acquire("sess-lease")
    print("held", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def test_a_lease_is_free_the_moment_its_node_is_killed(pg_url: str) -> None:
    """Node A (a process of its own) holds the session; B cannot take it. A is SIGKILLed:
    its connection closes and B takes the session at once — no TTL to wait out."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, pg_url], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"

        async def scenario() -> tuple[bool, float]:
            node_b = await PostgresStore.open(pg_url, node_id="node-b")
            refused = await node_b.acquire("sess-lease")
            holder.kill()
            killed = time.monotonic()
            while not await node_b.acquire("sess-lease"):
                assert time.monotonic() - killed < 10, "the lease was not freed"
                await asyncio.sleep(0.01)
            took = time.monotonic() - killed
            with psycopg.connect(pg_url) as conn:
                row = conn.execute("SELECT owner, epoch FROM sessions").fetchone()
            await node_b.close()
            assert row == ("node-b", 2)  # A's lease was epoch 1
            return refused, took

        refused, took = run(scenario())
    finally:
        holder.kill()
        holder.wait(timeout=30)
    print(f"lease free {took * 1000:.0f} ms after SIGKILL of its holder")
    assert not refused
    assert took < 5


def test_a_node_that_lost_its_lease_connection_is_fenced_out(pg_url: str) -> None:
    """A's lease connection dies (A lives on, unaware); B takes the session over. A's next
    writes fail with ``LeaseLost`` and store nothing; B's go through."""

    async def scenario() -> tuple[list[str], Any, list[int]]:
        node_a = await PostgresStore.open(pg_url, node_id="node-a")
        node_b = await PostgresStore.open(pg_url, node_id="node-b")
        assert await node_a.acquire("sess-fence")
        await node_a.create("sess-fence", None, None, {})
        await node_a.append("sess-fence", _final(1, 0), audio_bytes=100)
        assert not await node_b.acquire("sess-fence")
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'semdict-lease node-a'"
            )
        deadline = time.monotonic() + 10
        while not await node_b.acquire("sess-fence"):
            assert time.monotonic() < deadline, "the lease was not freed"
            await asyncio.sleep(0.01)
        refused = []
        writes = (
            node_a.append("sess-fence", _final(2, 1), audio_bytes=200),
            node_a.reserve_seq("sess-fence", 500),
            node_a.set_status("sess-fence", "completed", "stale"),
        )
        for write in writes:
            try:
                await write
            except LeaseLost:
                refused.append("refused")
        await node_b.append("sess-fence", _final(2, 1), audio_bytes=300)
        record = await node_b.get("sess-fence")
        seqs = [m["seq"] for m in await node_b.messages("sess-fence")]
        await node_a.close()
        await node_b.close()
        return refused, record, seqs

    refused, record, seqs = run(scenario())
    assert refused == ["refused"] * 3
    assert (record.status, record.audio_bytes, record.seq_reserved) == ("active", 300, 0)
    assert seqs == [1, 2]


# -- PostgreSQL goes away ------------------------------------------------------------------------


def test_a_store_that_goes_away_fails_writes_with_a_clear_error() -> None:
    """Its own cluster, stopped under the open store: the write is refused within the pool's
    timeout with ``StoreUnavailable`` (naming no data), and works again once it is back."""
    cluster = PostgresCluster()
    cluster.start()
    try:
        url = cluster.new_database()

        async def scenario() -> tuple[str, float, Any]:
            store: SessionStore = await open_store(url, node_id="node-a")
            await store.create("sess-gone", None, None, CONTEXT)
            cluster.stop_server()
            t0 = time.monotonic()
            with pytest.raises(StoreUnavailable) as refused:
                await store.append("sess-gone", _final(1, 0), audio_bytes=100)
            took = time.monotonic() - t0
            cluster.start_server()
            deadline = time.monotonic() + 30
            while True:
                try:
                    await store.append("sess-gone", _final(1, 0), audio_bytes=100)
                    break
                except StoreUnavailable:
                    assert time.monotonic() < deadline, "the store did not come back"
                    await asyncio.sleep(0.2)
            record = await store.get("sess-gone")
            await store.close()
            return str(refused.value), took, record

        message, took, record = run(scenario())
    finally:
        cluster.stop()
    assert "unavailable" in message and "Иванова" not in message
    assert took < 15
    assert record.last_seq == 1


# -- PostgreSQL: tokens every node sees ------------------------------------------------------


def test_a_token_created_on_one_node_works_on_every_node_until_revoked(
    pg_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, store=StoreSettings(url=pg_url))
    node_a, node_b = TokenStore.for_settings(settings), TokenStore.for_settings(settings)
    try:
        record, token = node_a.create("clinic-a", ["dictation"], name="workstation-1")
        principal = node_b.lookup(token)
        assert principal is not None and principal.tenant == "clinic-a"
        assert node_b.has_active() and not (tmp_path / TokenStore.FILENAME).exists()
        node_b.revoke("workstation-1")
        assert node_a.lookup(token) is None and not node_a.has_active()
        with psycopg.connect(pg_url) as conn:
            row = conn.execute("SELECT hash FROM tokens WHERE id = %s", (record.id,)).fetchone()
        assert row is not None and row[0] != token  # only its hash
    finally:
        node_a.close()
        node_b.close()
