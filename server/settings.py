"""One settings object for the whole service, overridable from the environment.

Every field can be set as ``SEMDICT_<GROUP>__<FIELD>`` (e.g. ``SEMDICT_MODEL__DEVICE=cpu``)
or from a ``.env`` file in the working directory.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_cache_dir() -> Path:
    """XDG cache folder for assembled models (``$XDG_CACHE_HOME/semdict``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "semdict"


def default_data_dir() -> Path:
    """XDG data folder for the session store and user dictionaries."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "semdict"


Device = Literal["auto", "cpu", "cuda"]


class ModelSettings(BaseModel):
    path: Path | None = None
    """A CTranslate2 Whisper folder; empty means the bundled Whisper base."""
    cache_dir: Path = Field(default_factory=default_cache_dir)
    """Where the bundled model is assembled once."""
    device: Device = "auto"
    """auto: CUDA when CTranslate2 sees a GPU, else CPU."""
    compute_type: str = "auto"
    """auto: float16 on CUDA, int8 on CPU."""
    cpu_threads: int = 0
    """Threads per worker; 0: the available cores shared among the workers."""
    workers: int = 0
    """Model replicas decoding in parallel (one copy of the weights); 0: one per available
    core on CPU, one on CUDA (where batching does the sharing)."""
    beam_size: int = 5
    """Beam width of offline transcription and of streaming finals (partials are greedy)."""
    warm_up: bool | None = None
    """Decode throw-away batches at start-up so that the first dictations do not pay for
    kernel loading (None: on CUDA only, where a cold first final took 3–4 s; on CPU the first
    decode costs what later ones do)."""
    language: str = "ru"


class StreamingSettings(BaseModel):
    max_frame_bytes: int = 64_000
    """Largest binary frame accepted (2 s of 16 kHz PCM16)."""
    max_sessions: int = 32
    """Concurrent dictation sessions before new ones get ``busy``."""
    max_queue: int = 64
    """Pending inference windows before sessions get ``busy``."""
    max_batch: int = 8
    """Windows decoded together in one CTranslate2 call."""
    partial_interval_s: float = 1.0
    """How often a partial hypothesis is computed for the open utterance."""
    idle_timeout_s: float = 60.0
    """A connection silent for this long is closed (the session stays resumable)."""
    context_prompt: bool = False
    """Give the decoder the template's dictionary context (measured: worse WER with the
    bundled base model; worth re-measuring with larger models)."""
    resume_grace_s: float = 30.0
    """After a dropped link, how long the open utterance waits for the client to resume."""
    cut_lookback_s: float | None = None
    """Speech without a pause is cut at its quietest chunk within this many seconds back, and
    its final cannot come sooner. A third of the dev corpus's utterances end this way
    (benchmarks/bench_segmenter.py). None: 1 s on CUDA, where decoding takes a tenth of a
    second and this wait would dominate the latency; 2 s on CPU, where the wider search finds
    better cuts (streaming WER 41.3 % against 41.9 % at 1 s; 40.5 % at 4 s, but a 3.3 s wait)."""
    soft_max_s: float | None = None
    """Past this many seconds of speech a 96 ms pause ends the utterance (before it, 600 ms).
    None: 4 s on CPU, where a final's decoding time grows with its utterance; 5 s on CUDA
    (measured there). Against the first 8 s, on the dev corpus: CPU final p50/p95 1.68/2.96 s
    → 1.03/2.06 s and raw streaming WER 41.3 % → 38.0 %; H100, 80 streams p95 1.10 → 0.54 s
    (benchmarks/bench_segmenter.py, docs/streaming.md)."""
    cut_tolerance: float = 0.1
    """A cut goes after the latest chunk whose speech probability is within this of the
    quietest chunk in the lookback (0: the quietest itself): as good a word gap, found
    sooner (p95 wait 1.31 s against 1.69 s with a 2 s lookback)."""
    speculate_after_ms: int = 0
    """After this much pause the open utterance's final is decoded ahead, at partial priority,
    and used if the pause turns out to end it (0: off). Off by default: the dev corpus's
    voices never pause 600 ms, so the gain (up to 400 ms per pause-closed final) is not
    measured there, while its pauses of 200–600 ms make decodes that are thrown away. It acts
    on utterances shorter than ``soft_max_s`` only: longer ones end at a 96 ms pause."""
    max_tokens_per_s: float = 15.0
    """Decoding stops at this many tokens per second of audio: twice the fastest dictation
    of the dev corpus (7.2), so only loops are cut (0: no cap)."""
    guards: bool = True
    """Hallucination guards; off only for compute profiles of random-weight models
    (benchmarks/bench_gpu_streams.py)."""


class UploadSettings(BaseModel):
    max_bytes: int = Field(default=100_000_000, gt=0)
    """Largest upload accepted (``/v1/audio/transcriptions``, ``/v1/documents``): refused with
    413 while it is being received, as soon as it runs past this (about 52 minutes of 16 kHz
    16-bit WAV; OpenAI's own limit is 25 MB)."""
    max_duration_s: float = Field(default=1800.0, gt=0)
    """Longest recording accepted; decoding stops with 413 once it runs past this."""
    bulk_patience_s: float = Field(default=2.0, ge=0)
    """An upload's window waits for live partials at most this long before it goes first;
    live finals always go before it (docs/openai-api.md)."""


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8765
    tokens: list[SecretStr] = Field(default_factory=list)
    """Bearer tokens with every scope, for the ``default`` tenant (kept from before
    ``semdict token``, which creates tokens with a tenant and scopes, stored as hashes). A
    non-loopback address needs these or a token created with ``semdict token create``."""
    rate_limit_per_min: int = Field(default=600, ge=0)
    """Requests (and WebSocket handshakes) per minute per token, in bursts of up to the same
    number; over it: 429 with ``Retry-After`` (0: no limit). ``--rate-per-min`` overrides it
    per token."""
    max_sessions_per_token: int = Field(default=0, ge=0)
    """Concurrent dictations per token (0: only ``streaming.max_sessions``); over it a new one
    gets ``error session_limit``. ``--max-sessions`` overrides it per token."""
    max_body_bytes: int = Field(default=1_000_000, gt=0)
    """Largest request body other than a multipart upload (``uploads.max_bytes``): refused
    with 413 before it is read or parsed."""
    cors_origins: list[str] = Field(default_factory=list)
    """Browser origins (``https://mis.example``) allowed to call the API (CORS) and to open
    the dictation WebSocket; a WebSocket handshake with any other ``Origin`` is refused."""
    public_metrics: bool = False
    """Serve ``/metrics`` without a token (else it needs the ``admin`` scope)."""
    public_docs: bool = False
    """Serve ``/docs`` and ``/openapi.json`` without a token (else: ``documents`` scope)."""
    audit_log: Path | None = None
    """JSON lines of who read which session's transcript or document (no content);
    default ``audit.log`` in the data folder."""


class StoreSettings(BaseModel):
    url: str = ""
    """``sqlite:///path`` (default: a file in the XDG data folder; one node), or
    ``postgresql://user:password@host:port/database``: sessions and tokens in PostgreSQL,
    shared by every node (docs/deploy.md)."""
    node_id: str = ""
    """This node's name in the store (which node drives a session; empty: host-pid)."""
    pool_max_size: int = Field(default=10, ge=1)
    """PostgreSQL connections of this node's pool (plus one that holds its session leases)."""

    def node(self) -> str:
        return self.node_id or f"{socket.gethostname()}-{os.getpid()}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SEMDICT_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    model: ModelSettings = Field(default_factory=ModelSettings)
    streaming: StreamingSettings = Field(default_factory=StreamingSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    uploads: UploadSettings = Field(default_factory=UploadSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    data_dir: Path = Field(default_factory=default_data_dir)
    """Session store, user dictionaries and learned lexicons live here."""
    log_level: str = "INFO"

    def store_url(self) -> str:
        return self.store.url or f"sqlite:///{self.data_dir / 'sessions.sqlite3'}"
