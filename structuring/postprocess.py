"""The text pipeline applied to every final transcript: dictionary correction → normalisation
→ voice commands → rendering. Stages compose like jiwer's ``Compose``; presets name the
usual combinations.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from structuring.commands import run_commands
from structuring.confidence import WordProbability, attach_probabilities
from structuring.events import CommandEvent, Correction, PostprocessResult, Withheld
from structuring.itn import normalise_tokens
from structuring.itn.tokens import Token, render, tokenize
from vocabularies.corrector import SOUND_ALIKE, Replacement
from vocabularies.evidence import TEXT, Candidate, EvidenceGate, EvidencePolicy
from vocabularies.loader import Vocabulary, load_vocabulary
from vocabularies.numeral_compounds import SOURCE as NUMERAL_COMPOUND
from vocabularies.numeral_compounds import NumeralCompounds
from vocabularies.particles import ParticleSplit
from vocabularies.script import MixedScriptRepair
from vocabularies.specialties import SPECIALTIES, resolve_specialty
from vocabularies.user import UserLexicon, dictionaries_folder


@dataclass
class Draft:
    """The document while the stages work on it."""

    tokens: list[Token]
    vocabulary: Vocabulary | None = None
    user_lexicon: UserLexicon | None = None
    evidence: EvidencePolicy = TEXT
    corrections: list[Correction] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)
    """Changes a finder proposed and the evidence gate refused (for audits and benchmarks)."""
    commands: list[CommandEvent] = field(default_factory=list)
    section: int = -1
    """The open section (index into ``structuring.commands.SECTIONS``; -1: none yet)."""


Stage = Callable[[Draft], Draft]


class Compose:
    """Apply stages in order."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = tuple(stages)

    def __call__(self, draft: Draft) -> Draft:
        for stage in self.stages:
            draft = stage(draft)
        return draft


def _apply(tokens: list[Token], found: list[Replacement], source: str | None) -> list[Correction]:
    corrections = []
    for replacement in sorted(found, key=lambda r: r.start, reverse=True):
        known = [t.p for t in tokens[replacement.start : replacement.end] if t.p is not None]
        # A split («без очаговых») becomes words of its own, which later finders see; they
        # keep the recogniser's doubt about the words they came from.
        tokens[replacement.start : replacement.end] = [
            Token(part, "word", p=min(known) if known else None)
            for part in replacement.text.split(" ")
        ]
        corrections.append(
            Correction(
                replacement.raw,
                replacement.text,
                source or replacement.dictionary,
                round(replacement.score, 3),
            )
        )
    return corrections[::-1]


def _typed_name(draft: Draft, replacement: Replacement) -> bool:
    """A capitalised word inside a sentence: after a word, or after an opening bracket or
    quote, a comma or a dash («(Коллеса)», «, Бейкера»); after a colon a capital starts an
    item («мать: Гипертоническая болезнь»)."""
    if replacement.start == 0 or replacement.end - replacement.start != 1:
        return False
    word = draft.tokens[replacement.start].text
    before = draft.tokens[replacement.start - 1]
    inside = before.kind == "word" or (before.kind == "punct" and before.text in _INSIDE)
    return inside and word[:1].isupper() and word[1:].islower()


_INSIDE = frozenset({"(", "[", "«", '"', ",", "—", "–"})


def _admitted(draft: Draft, gate: EvidenceGate, found: list[Replacement]) -> list[Replacement]:
    """The replacements the evidence gate admits; the others are recorded as withheld."""
    admitted = []
    for replacement in found:
        span = draft.tokens[replacement.start : replacement.end]
        candidate = Candidate([t.text for t in span], [t.p for t in span], replacement.text)
        rejected = draft.user_lexicon is not None and draft.user_lexicon.refuses(
            replacement.raw, replacement.text
        )
        reason = "doctor_rejected" if rejected else gate.refusal(candidate)
        # A slip by ear or a figure for a spoken stem is the recogniser's: typed text has
        # other slips (keys, not sounds), and «2-сторонний» is a writer's own shorthand.
        heard_only = replacement.dictionary in _HEARD_ONLY
        if reason is None and heard_only and not draft.evidence.acoustic:
            reason = "typed_text"
        # Typed, a capitalised word inside a sentence is a name («по типу Коллеса»); the
        # recogniser's capitals are no such evidence.
        if reason is None and not draft.evidence.acoustic and _typed_name(draft, replacement):
            reason = "proper_name"
        if reason is None:
            admitted.append(replacement)
        else:
            draft.withheld.append(
                Withheld(replacement.raw, replacement.text, replacement.dictionary, reason)
            )
    return admitted


_MIXED_SCRIPT = MixedScriptRepair()
_PARTICLES = ParticleSplit()
_HEARD_ONLY = frozenset({SOUND_ALIKE, NUMERAL_COMPOUND})


def correct(draft: Draft) -> Draft:
    """Half-Latin words respelled and «-то» split off, user lexicon (exact), then near-miss
    correction of unknown words against the dictionaries, then real-word errors inside
    multi-word terms and spoken abbreviations, then endings, agreement and word boundaries
    by grammar."""
    vocabulary = draft.vocabulary
    gate = EvidenceGate(vocabulary.is_valid if vocabulary else _always_valid, draft.evidence)
    finders = (
        _MIXED_SCRIPT,
        _PARTICLES,
        NumeralCompounds(vocabulary.is_valid) if vocabulary else None,
        draft.user_lexicon,
        vocabulary.corrector if vocabulary else None,
        vocabulary.phrases if vocabulary else None,
        vocabulary.grammar.boundaries if vocabulary else None,
        vocabulary.grammar if vocabulary else None,
    )
    for finder in finders:
        if finder is None:
            continue
        words = [t.text if t.kind == "word" and not t.number else None for t in draft.tokens]
        found = finder.find(words)
        # The user's own accepted corrections are evidence enough.
        admitted = found if finder is draft.user_lexicon else _admitted(draft, gate, found)
        draft.corrections += _apply(draft.tokens, admitted, None)
    return draft


def _always_valid(word: str) -> bool:
    return True


def normalise(draft: Draft) -> Draft:
    draft.tokens = normalise_tokens(draft.tokens)
    return draft


def punctuation_only(draft: Draft) -> Draft:
    draft.tokens = normalise_tokens(draft.tokens, numbers=False)
    return draft


def execute_commands(draft: Draft) -> Draft:
    run = run_commands(draft.tokens, section=draft.section)
    draft.tokens, draft.commands, draft.section = (
        run.tokens,
        draft.commands + run.events,
        run.section,
    )
    return draft


PRESETS: dict[str, tuple[Stage, ...]] = {
    "full": (correct, normalise, execute_commands),
    "dictionaries": (correct,),
    "normalise": (normalise,),
    "raw": (),
}


def postprocess(
    text: str,
    *,
    specialty: str | None = None,
    template_id: str | None = None,
    user_lexicon: UserLexicon | None = None,
    correct: bool = True,
    normalise: bool = True,
    commands: bool = True,
    sentence_start: bool = True,
    data_dir: Path | None = None,
    words: Sequence[WordProbability] | None = None,
    evidence: EvidencePolicy | None = None,
    open_section: int = -1,
) -> PostprocessResult:
    """Correct, normalise and execute commands in one final transcript.

    ``sentence_start=False`` for a streaming final that continues a sentence (its first word
    is then not capitalised). ``data_dir``: the user/site data folder; the drop-in dictionaries
    under ``data_dir/dictionaries/`` are active too. Dictionaries load once per specialty and
    folder and are cached (see :func:`warm_up`).

    ``words``: the recogniser's (word, probability) pairs for ``text``; with them a valid word
    the recogniser was unsure of may be corrected (acoustic evidence). Without them the text
    is taken as written: only non-words are corrected, as typos (vocabularies.evidence).
    ``open_section``: the section a streaming final continues («следующее поле» moves on
    from it); the result's ``section`` is the one open after this text.
    """
    stages: list[Stage] = []
    vocabulary = None
    if correct:
        folder = dictionaries_folder(data_dir) if data_dir is not None else None
        vocabulary = load_vocabulary(resolve_specialty(specialty, template_id), folder)
        stages.append(globals()["correct"])
    if normalise:
        stages.append(globals()["normalise"])
    elif commands:
        stages.append(punctuation_only)
    if commands:
        stages.append(execute_commands)
    tokens = tokenize(text)
    if words:
        attach_probabilities(tokens, words)
    policy = evidence or (EvidencePolicy(acoustic=True) if words else TEXT)
    draft = Compose(stages)(Draft(tokens, vocabulary, user_lexicon, policy, section=open_section))
    return PostprocessResult(
        text=render(draft.tokens, sentence_start=sentence_start, written_case=not policy.acoustic)
        if stages
        else text,
        raw=text,
        corrections=draft.corrections,
        commands=draft.commands,
        withheld=draft.withheld,
        section=draft.section,
    )


def warm_up(specialties: Iterable[str] | None = None, *, data_dir: Path | None = None) -> float:
    """Load dictionaries, morphology and indexes before the first final; returns seconds.

    The server calls it at start-up (all specialties by default, ~4 s each the first time, as
    the FNSI forms and pymorphy dictionaries load); a final then costs milliseconds.
    """
    started = time.perf_counter()
    sample = "Каты признаки нижне далевой пневмонии, воротная вина двадцать три на семнадцать мм."
    for specialty in specialties if specialties is not None else SPECIALTIES:
        postprocess(sample, specialty=specialty, data_dir=data_dir)
    return time.perf_counter() - started
