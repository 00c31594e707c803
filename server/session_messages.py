"""What a session says about its finals: the ``final`` message from a decoded utterance and
its processed text, a final rebuilt from a stored message, and the text of a failure."""

from __future__ import annotations

from typing import Any

from asr.stream_policy import Final
from server.protocol import FinalMsg
from server.session_text import ProcessedFinal


def final_message(final: Final, processed: ProcessedFinal, base_s: float) -> FinalMsg:
    """The ``final`` for ``final`` as processed; times on the session's clock (``base_s``:
    where this connection's audio starts in the session)."""
    return FinalMsg(
        utterance=final.utterance,
        text=processed.text,
        raw=final.text,
        start_s=round(final.start_s + base_s, 3),
        end_s=round(final.end_s + base_s, 3),
        words=[
            {
                "w": w.w,
                "start": round(w.start + base_s, 2),
                "end": round(w.end + base_s, 2),
                "p": w.p,
            }
            for w in final.words
        ],
        corrections=processed.corrections,
    )


def stored_final(message: dict[str, Any]) -> Final:
    """The policy's view of a final the store kept (the prompt of later windows needs it)."""
    return Final(
        utterance=int(message["utterance"]),
        text=str(message["raw"]),
        raw=str(message["raw"]),
        start_s=float(message["start_s"]),
        end_s=float(message["end_s"]),
        words=(),
    )


def failed(what: str, exc: BaseException) -> str:
    return f"{what} processing failed ({type(exc).__name__}); the words are kept as heard"
