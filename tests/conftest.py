"""Shared fixtures: the real bundled model (loaded once per run) and the corpora."""

from __future__ import annotations

import json
import os
from pathlib import Path

# The expected texts of these tests were recognised on oneDNN's AVX2 kernels. CTranslate2 picks
# Intel MKL on Intel processors and AVX-512 where it can; their int8 products round differently
# and flip borderline tokens («4 мм» / «4 мл.»). The tests — and the servers they start, which
# inherit this environment — use the same kernels wherever the processor has AVX2. Set before
# CTranslate2 loads.
os.environ.setdefault("CT2_USE_MKL", "0")
_cpuinfo = Path("/proc/cpuinfo")
if "avx2" in (_cpuinfo.read_text(errors="replace").split() if _cpuinfo.is_file() else ()):
    os.environ.setdefault("CT2_FORCE_CPU_ISA", "AVX2")
    os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from asr.audio import SAMPLE_RATE, Samples, load_audio
from asr.engine import Engine, EngineOptions
from asr.model_store import resolve_model_dir
from server.settings import default_cache_dir
from tests.pg import PostgresCluster

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SHARED = Path(os.environ.get("SEMDICT_SHARED", REPO.parent / "shared"))
DEV_CORPUS = SHARED / "corpus" / "dev"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    yield Engine(EngineOptions(model_dir=resolve_model_dir(None, default_cache_dir())))


@pytest.fixture(scope="session")
def dev_corpus() -> list[dict[str, Any]]:
    path = DEV_CORPUS / "dictations.jsonl"
    assert path.is_file(), f"the dev corpus is expected at {DEV_CORPUS} (set SEMDICT_SHARED)"
    return read_jsonl(path)


@pytest.fixture(scope="session")
def fixtures() -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in read_jsonl(DATA / "fixtures.jsonl")}


def silence(seconds: float) -> Samples:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


@pytest.fixture(scope="session")
def dictation_audio() -> Samples:
    """Three phrases with pauses: f01, f02, f03 (≈ 17 s)."""
    parts = [silence(0.5)]
    for name in ("f01_elena", "f02_elena", "f03_elena"):
        parts += [load_audio(DATA / f"{name}.flac"), silence(0.9)]
    return np.concatenate(parts)


def ws_url(base: str) -> str:
    """The dictation WebSocket of a service at ``base`` (http://host:port)."""
    return base.replace("http://", "ws://") + "/v1/dictation"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One throw-away PostgreSQL cluster for the run (tests/pg.py)."""
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(postgres: PostgresCluster) -> str:
    """An empty database of its own for one test."""
    return postgres.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty session store of each kind: the store tests run against both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sessions.sqlite3'}"
    url: str = request.getfixturevalue("pg_url")  # PostgreSQL starts only when needed
    return url
