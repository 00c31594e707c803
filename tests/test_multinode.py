"""Several nodes, one PostgreSQL, nginx in front (docs/deploy.md), end to end: two real
``semdict serve`` processes, a real nginx terminating TLS, the real model. A dictation streamed
through the front loses its link once (and comes back to the node that holds it), then loses
its node (SIGKILL); the client resumes through the front, another node takes the session over
from the store, and the document is the uninterrupted run's, word for word."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest

from asr.audio import Samples
from semdict.bench.live_server import free_port
from semdict.client import stream_audio
from tests.conftest import silence
from tests.nginx import Nginx
from tests.pg import PostgresCluster
from tests.server_process import ServerProcess

pytestmark = pytest.mark.slow

NODES = ("node-a", "node-b")


def _word_differences(expected: str, got: str) -> tuple[int, int]:
    """(lost, doubled): words of ``expected`` missing from ``got``, and extra words in it."""
    want, have = Counter(expected.lower().split()), Counter(got.lower().split())
    return sum((want - have).values()), sum((have - want).values())


class Cluster:
    def __init__(self, url: str, nodes: dict[str, ServerProcess], front: Nginx) -> None:
        self.url = url
        self.nodes = nodes
        self.front = front

    @property
    def ws(self) -> str:
        return self.front.base.replace("https://", "wss://") + "/v1/dictation"

    def owner(self, session_id: str) -> str | None:
        with psycopg.connect(self.url) as conn:
            row = conn.execute("SELECT owner FROM sessions WHERE id = %s", (session_id,))
            found = row.fetchone()
        return None if found is None else str(found[0])


@pytest.fixture(scope="module")
def cluster(
    postgres: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    url = postgres.new_database()
    root = tmp_path_factory.mktemp("multinode")
    nodes: dict[str, ServerProcess] = {}
    for name in NODES:
        port = free_port()
        env = {
            "SEMDICT_STORE__URL": url,
            "SEMDICT_STORE__NODE_ID": name,
            "SEMDICT_DATA_DIR": str(root / name),
            "SEMDICT_MODEL__WORKERS": "1",  # two nodes share this machine's cores
        }
        command = [sys.executable, "-m", "semdict.cli", "serve", "--port", str(port)]
        nodes[name] = ServerProcess(root / name, port, command=command, env=env)
    for node in nodes.values():
        node.data_dir.mkdir(parents=True)
    # Both start at once: their migrations race for the advisory lock, as in a real roll-out.
    with ThreadPoolExecutor(len(nodes)) as starting:
        for started in [starting.submit(n.start) for n in nodes.values()]:
            started.result(timeout=400)
    front_root = root / "nginx"
    front_root.mkdir()
    try:
        with Nginx(front_root, [n.port for n in nodes.values()]) as front:
            yield Cluster(url, nodes, front)
    finally:
        for node in nodes.values():
            node.stop()


def test_the_front_routes_a_new_session_to_the_node_its_reconnects_reach(cluster: Cluster) -> None:
    """The node takes the front's routing key as the new session's id, so ``?session=ID``
    hashes to it: every reconnect lands where the session lives."""
    ssl = cluster.front.client_ssl()
    for _ in range(6):  # half of them start on each node, on average
        result = asyncio.run(
            stream_audio(cluster.ws, silence(1.0), speed=None, ssl_context=ssl, drop_at_s=0.5)
        )
        # A reconnect that reached the other node would be refused (session_elsewhere).
        assert result.refusals == [] and result.reconnects == 1
        assert cluster.owner(result.session_id) in cluster.nodes


def test_a_dictation_survives_the_loss_of_its_node(
    cluster: Cluster, dictation_audio: Samples
) -> None:
    ssl = cluster.front.client_ssl()
    with httpx.Client(verify=ssl) as http:
        assert http.get(f"{cluster.front.base}/readyz").json()["store"] == "ok"
    clean = asyncio.run(stream_audio(cluster.ws, dictation_audio, speed=None, ssl_context=ssl))
    assert len(clean.of_type("final")) >= 3 and clean.text

    killed_at: list[float] = []
    victim: list[str] = []
    session_id: list[str] = []
    finals_seen = 0

    def on_message(message: dict[str, Any]) -> None:
        nonlocal finals_seen
        if message["type"] != "final" or killed_at:
            return
        finals_seen += 1
        if finals_seen == 2:  # after the link drop and its resume, two finals in
            owner = cluster.owner(session_id[0])
            assert owner in cluster.nodes
            victim.append(owner)
            killed_at.append(time.perf_counter())
            cluster.nodes[owner].kill()  # SIGKILL: its lock connection dies with it

    def hook(message: dict[str, Any]) -> None:
        if message["type"] == "ready" and not session_id:
            session_id.append(str(message["session_id"]))
        on_message(message)

    result = asyncio.run(
        stream_audio(
            cluster.ws,
            dictation_audio,
            speed=2.0,
            on_message=hook,
            drop_at_s=2.0,  # a Wi-Fi drop first: the reconnect must reach the same node
            timeout_s=600,
            ssl_context=ssl,
        )
    )
    assert killed_at, "the node was never killed"
    after = [r for r in result.messages if r.t > killed_at[0]]
    resumed = [r for r in after if r.message["type"] == "ready"]
    finals_after = [r for r in after if r.message["type"] == "final"]
    assert resumed and resumed[0].message["resumed"] and finals_after
    ready_s = resumed[0].t - killed_at[0]
    failover_s = finals_after[0].t - killed_at[0]
    survivor = next(n for n in cluster.nodes if n != victim[0])
    assert cluster.owner(result.session_id) == survivor

    # The drop before the kill came back to the node that held the session: never refused.
    assert result.refusals == [], result.refusals
    assert result.reconnects >= 2
    seqs = [r.message["seq"] for r in result.messages]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    utterances = [r.message["utterance"] for r in result.of_type("final")]
    assert len(utterances) == len(set(utterances)), "a final was delivered twice"
    lost, doubled = _word_differences(clean.text, result.text)
    print(
        f"\nfailover: SIGKILL of {victim[0]} → resumed ready {ready_s * 1000:.0f} ms, "
        f"→ first resumed final {failover_s * 1000:.0f} ms (on {survivor}); "
        f"lost {lost}, doubled {doubled} words"
    )
    assert (lost, doubled) == (0, 0), (clean.text, result.text)
    assert result.text == clean.text
    with httpx.Client(verify=ssl) as http:
        stored = http.get(f"{cluster.front.base}/v1/sessions/{result.session_id}").json()
    assert stored["status"] == "completed" and stored["text"] == clean.text
    assert [f["utterance"] for f in stored["finals"]] == utterances
