"""Recognition of recorded dictations (uploads) on the live sessions' model and scheduler.

A recording is cut into utterances as a live session would cut it (asr/recorded.py); each one
is decoded with the live finals' options and the text before it as prompt, then passes the
live guards and, unless raw text is asked for, the finals' text pipeline. So an upload's text
is the text its live dictation would have had.

Windows go to the shared scheduler one at a time, as *bulk* work: after live finals and, for
a while, live partials, and never on the last free worker (asr/scheduler.py). One upload
therefore holds at most one worker, and a live final always finds one
(docs/openai-api.md has the measured effect).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace

from asr.audio import SAMPLE_RATE, Samples
from asr.decoder import DecodeRequest
from asr.engine import Word
from asr.recorded import recorded_policy, utterance_jobs
from server.services import SessionServices


@dataclass(frozen=True)
class RecognitionOptions:
    prompt: str = ""
    """Text the recording continues (OpenAI's ``prompt``): vocabulary, previous report."""
    template_id: str | None = None
    specialty: str | None = None
    full: bool = True
    """The finals' text pipeline (normalisation, dictionaries, commands); False: raw text."""
    temperature: float = 0.0


@dataclass(frozen=True)
class RecognisedSegment:
    """One utterance: what a live ``final`` message would carry."""

    id: int
    start: float
    end: float
    text: str
    raw: str
    words: tuple[Word, ...]
    tokens: tuple[int, ...]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


@dataclass(frozen=True)
class Recognition:
    text: str
    """The whole dictation, as a live session's ``completed`` (commands act across finals)."""
    duration_s: float
    segments: list[RecognisedSegment]


class RecordedTranscriber:
    def __init__(self, services: SessionServices) -> None:
        self.s = services

    async def segments(
        self, samples: Samples, options: RecognitionOptions
    ) -> AsyncIterator[RecognisedSegment]:
        """Each utterance as soon as it is recognised, in order."""
        text = self.s.text if options.full else None
        context = ""
        if text is not None and self.s.context_prompt:
            context = text.prompt(options.specialty, options.template_id)
        prompt = " ".join(p for p in (context, options.prompt.strip()) if p)
        policy = recorded_policy(replace(self.s.policy, context_prompt=prompt))
        jobs = await asyncio.to_thread(utterance_jobs, samples, policy)
        decode = replace(self.s.final_options, temperature=options.temperature)
        previous = ""
        for job in jobs:
            result = await self.s.scheduler.bulk(DecodeRequest(job.audio, policy.prompt(), decode))
            final = policy.on_decoded(job, result)
            if not final.text:
                continue  # silence or a hallucination: nothing was said
            shown = final.text
            if text is not None:
                starts = not previous or previous.rstrip()[-1] in ".!?:\n"
                shown = text.final(
                    final.text,
                    [(w.w, w.p) for w in final.words],
                    specialty=options.specialty,
                    template_id=options.template_id,
                    sentence_start=starts,
                ).text
                previous = shown if shown.strip() else previous
            yield RecognisedSegment(
                id=final.utterance,
                start=final.start_s,
                end=final.end_s,
                text=shown,
                raw=final.text,
                words=final.words,
                tokens=result.tokens,
                avg_logprob=round(result.avg_logprob, 4),
                no_speech_prob=round(result.no_speech_prob, 4),
                compression_ratio=round(result.compression_ratio, 3),
            )

    def document(self, segments: list[RecognisedSegment], options: RecognitionOptions) -> str:
        """The dictation's text from its segments, as a live session's ``completed``."""
        raws = [s.raw for s in segments]
        if not options.full or self.s.text is None:
            return " ".join(r for r in raws if r)
        words = [[(w.w, w.p) for w in s.words] for s in segments]
        return self.s.text.document(
            raws, words, specialty=options.specialty, template_id=options.template_id
        )

    async def recognise(
        self,
        samples: Samples,
        options: RecognitionOptions,
        *,
        abandoned: Callable[[], Awaitable[bool]] | None = None,
    ) -> Recognition | None:
        """The whole recording; None when ``abandoned()`` (checked after each utterance) says
        that nobody waits for it any more — the client went away."""
        segments = []
        async for segment in self.segments(samples, options):
            segments.append(segment)
            if abandoned is not None and await abandoned():
                return None
        return Recognition(
            text=self.document(segments, options),
            duration_s=round(samples.size / SAMPLE_RATE, 3),
            segments=segments,
        )
