"""PostgreSQL goes down in the middle of a live dictation (a real cluster, stopped as a crash
looks, restarted 8 s later). The session must say so (``error store_unavailable``, close 1013),
acknowledge nothing it did not store, and — resumed once the store is back — end with the text
of an undisturbed dictation, every final it sent stored."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from asr.audio import Samples
from asr.engine import Engine
from semdict.client import stream_audio
from server.app import create_app
from server.settings import Settings, StoreSettings
from tests.conftest import ws_url
from tests.live_server import serve
from tests.pg import PostgresCluster

pytestmark = pytest.mark.slow

OUTAGE_S = 8.0
"""Longer than the pool's 5 s wait: the write in flight fails rather than waits it out."""


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    own = PostgresCluster()  # stopped and started by the test: not the shared one
    own.start()
    try:
        yield own
    finally:
        own.stop()


def test_a_store_outage_mid_dictation_loses_and_doubles_nothing(
    cluster: PostgresCluster, engine: Engine, dictation_audio: Samples, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, store=StoreSettings(url=cluster.new_database()))
    with serve(create_app(settings, engine=engine)) as base:
        url = ws_url(base)
        clean = asyncio.run(stream_audio(url, dictation_audio, speed=None))
        assert len(clean.of_type("final")) >= 3

        back = threading.Timer(OUTAGE_S, cluster.start_server)

        def on_message(message: dict[str, Any]) -> None:
            if message["type"] == "final" and not back.is_alive() and not back.finished.is_set():
                cluster.stop_server()  # at the first final: the next ones meet the outage
                back.start()

        try:
            result = asyncio.run(
                stream_audio(url, dictation_audio, speed=2.0, on_message=on_message, timeout_s=300)
            )
        finally:
            back.cancel()
            if back.is_alive():
                back.join(timeout=60)
        stored = httpx.get(f"{base}/v1/sessions/{result.session_id}").json()
        ready = httpx.get(f"{base}/readyz")

    told = [r.message for r in result.of_type("error")] + result.refusals
    assert any(m.get("code") == "store_unavailable" for m in told), told
    assert 1013 in result.closes, result.closes  # "come back later", and it came back
    assert result.text == clean.text
    finals = [r.message["utterance"] for r in result.of_type("final")]
    assert len(finals) == len(set(finals)), "a final was delivered twice"
    # Every final the client got is in the store: none was acknowledged unstored.
    assert [f["utterance"] for f in stored["finals"]] == finals
    assert stored["status"] == "completed" and stored["text"] == clean.text
    assert ready.status_code == 200
