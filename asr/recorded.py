"""A recorded dictation cut into utterances exactly as a live session would cut it.

The audio goes through the live path's VAD and streaming policy in 100 ms frames (what a
client sends), so each utterance window, and with the same prompts each final's text, is the
one the dictation WebSocket would have produced for the same recording. Partials and
speculation are off: nobody waits for them.
"""

from __future__ import annotations

from dataclasses import replace

from asr.audio import SAMPLE_RATE, Samples
from asr.stream_policy import FinalJob, PolicyOptions, StreamPolicy
from asr.vad import StreamingVad

FRAME = SAMPLE_RATE // 10
"""Samples per frame fed to the VAD: the 100 ms frames of a live client."""


def recorded_policy(options: PolicyOptions) -> StreamPolicy:
    """The live policy without partials and speculation."""
    return StreamPolicy(replace(options, partial_interval_s=float("inf"), speculate_after_ms=0))


def utterance_jobs(samples: Samples, policy: StreamPolicy) -> list[FinalJob]:
    """Every utterance of ``samples`` as a final job, in order (the policy must be fresh)."""
    vad = StreamingVad()
    jobs: list[FinalJob] = []
    for at in range(0, samples.size, FRAME):
        frame = samples[at : at + FRAME]
        jobs += [j for j in policy.feed(frame, vad(frame).tolist()) if isinstance(j, FinalJob)]
    jobs += [j for j in policy.end_utterance() if isinstance(j, FinalJob)]
    return jobs
