"""What a dictation session knows, apart from any I/O: numbering, the transcript, the marks a
restart resumes from. Pure: no sockets, no store, no event loop — the runtime
(``server/session.py``) does the I/O and feeds the results in here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from asr.audio import SAMPLE_RATE
from asr.vad import CHUNK

SEQ_BLOCK = 64
"""``seq`` numbers are reserved in the store this many at a time: a restarted session starts
above every number sent before (partials are not stored) for one write per block."""


@dataclass
class SessionState:
    session_id: str
    rate: int
    """The client's audio sample rate (Hz): offsets are bytes of its PCM16 stream."""
    seq: int = 0
    seq_reserved: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    """Every message sent (or kept for a resume), in ``seq`` order."""
    raw_finals: list[str] = field(default_factory=list)
    final_words: list[list[tuple[str, float]]] = field(default_factory=list)
    """Each final's (word, probability) pairs: the evidence the document's corrections use."""
    final_texts: list[str] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)
    warnings: set[tuple[str, str, str]] = field(default_factory=set)
    """(code, field, message) of every warning sent: each is sent once."""
    base_bytes: int = 0
    """Where this run's audio starts in the client's stream: 0, or after a restart the offset
    covered by the stored finals (the client resends from there)."""
    base_utterance: int = 0
    bytes_received: int = 0
    """Offset in the client's stream of the end of the audio received."""
    covered_bytes: int = 0
    """Offset of the end of the audio covered by finals."""
    completed: bool = False

    @classmethod
    def restored(
        cls,
        session_id: str,
        rate: int,
        *,
        seq_floor: int,
        audio_bytes: int,
        messages: Iterable[Mapping[str, Any]],
    ) -> SessionState:
        """A session known only to the store (e.g. after a restart): numbering resumes above
        ``seq_floor``, audio at ``audio_bytes``."""
        state = cls(session_id, rate, seq=seq_floor, seq_reserved=seq_floor)
        for message in messages:
            state.record(dict(message))
            if message["type"] == "final":
                state.base_utterance = int(message["utterance"]) + 1
        state.base_bytes = state.bytes_received = state.covered_bytes = audio_bytes
        return state

    # -- numbering ------------------------------------------------------------------------------

    def next_seq(self) -> tuple[int, int | None]:
        """The next ``seq``, and the new ceiling to store first when the reserve is used up."""
        self.seq += 1
        if self.seq <= self.seq_reserved:
            return self.seq, None
        self.seq_reserved = self.seq + SEQ_BLOCK - 1
        return self.seq, self.seq_reserved

    def replay_after(self, seq: int) -> list[dict[str, Any]]:
        return [m for m in self.log if int(m["seq"]) > seq]

    # -- transcript -----------------------------------------------------------------------------

    def record(self, message: dict[str, Any]) -> None:
        """A message that was sent (or kept for a resume): the transcript follows it."""
        self.log.append(message)
        kind = message["type"]
        if kind == "final":
            self.raw_finals.append(str(message["raw"]))
            self.final_words.append(
                [(str(w["w"]), float(w["p"])) for w in message.get("words", ())]
            )
            self.final_texts.append(str(message["text"]))
        elif kind == "field":
            self.fields[str(message["field"])] = message["value"]
        elif kind == "warning":
            self.warnings.add(
                (str(message["code"]), str(message["field"]), str(message["message"]))
            )
        elif kind == "completed":
            self.completed = True

    def sentence_start(self) -> bool:
        previous = next((t for t in reversed(self.final_texts) if t.strip()), "")
        return not previous or previous.rstrip()[-1] in ".!?:\n"

    def field_changes(self, values: Mapping[str, object]) -> list[tuple[str, object]]:
        """The fields whose value differs from the one last sent (empty ones not yet sent are
        left out: nothing was dictated for them)."""
        changed = []
        for name, value in values.items():
            if name not in self.fields and value in (None, "", [], {}):
                continue
            if self.fields.get(name) != value:
                changed.append((name, value))
        return changed

    def new_warnings(self, found: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """The warnings not sent before, in order, each once."""
        fresh: list[tuple[str, str, str]] = []
        for warning in found:
            if warning not in self.warnings and warning not in fresh:
                fresh.append(warning)
        return fresh

    # -- audio offsets --------------------------------------------------------------------------

    @property
    def base_samples(self) -> int:
        """``base_bytes`` in 16 kHz samples: where this run's stream time starts."""
        return self.base_bytes // 2 * SAMPLE_RATE // self.rate

    @property
    def base_s(self) -> float:
        return self.base_bytes / 2 / self.rate

    def on_audio(self, nbytes: int) -> None:
        self.bytes_received += nbytes

    def covered_by(self, end_sample: int) -> int:
        """The client-stream offset a final ending at ``end_sample`` (16 kHz, counted from this
        run's start) covers. Rounded down to a VAD chunk, so that a run resumed there sees the
        same chunk boundaries as the uninterrupted one."""
        aligned = end_sample // CHUNK * CHUNK
        offset = self.base_bytes + 2 * (aligned * self.rate // SAMPLE_RATE)
        self.covered_bytes = max(self.covered_bytes, min(offset, self.bytes_received))
        return self.covered_bytes

    def audio_received_s(self) -> float:
        return round(self.bytes_received / 2 / self.rate, 3)
