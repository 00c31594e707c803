"""Hand-written text parts against well-kept Russian libraries (issue #18): our inverse text
normalisation against nemo-text-processing's Russian inverse normaliser, our tokenizer and
sentence splitters against razdel, our agreement repair against a yargy agreement grammar.

ITN: each dictation's ``spoken`` text goes in twice, as dictated and as an ASR would give it
(lower case, no punctuation); the output is scored against ``written``: WER on words (case and
punctuation ignored, ``semdict.metrics``), WER with punctuation marks as tokens (case ignored),
number/measure expressions («32 мм», «12х8 мм», «+12 HU», «I26.9») found exactly, and time.
Ours runs without dictionary correction, so only normalisation is compared.

Tokens and sentences: token spans on the ``written`` texts and on the clinical sentences;
sentence boundaries recovered when the clinical sentences (one a line) are joined by spaces.

Agreement: constructed misagreements (an agreeing adjective + noun of a ``written`` text with
the noun put in another case) and, with ``--recognised`` (``semdict bench --mode offline``
transcripts with word probabilities), the changes our grammar stage makes to real recognised
text, checked against a yargy grammar of agreeing adjectives and noun.

    python -m benchmarks.bench_text_libraries --corpus /work/shared/corpus/dev \
        [--clinical FILE] [--recognised dev_words.jsonl] [--no-nemo] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pymorphy3
import razdel
import yargy
import yargy.predicates
import yargy.relations

import structuring.postprocess as pipeline
from semdict.metrics import edit_distance, wer_tokens
from structuring import consistency, sections
from structuring.itn.tokens import Token, tokenize
from vocabularies.loader import load_vocabulary
from vocabularies.specialties import resolve_specialty

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
CLINICAL = "anamnesis_sentences.txt"

Normaliser = Callable[[str], str]

# --- scoring -------------------------------------------------------------------------------

_PUNCT_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+|[^\w\s]")
# Units a radiology report writes after a number (longest first in the pattern).
_UNITS = (
    "мм рт. ст.",
    "мл/мин",
    "уд/мин",
    "см/с",
    "м/с",
    "мЗв",
    "мкЗв",
    "мГр",
    "см3",
    "мм",
    "см",
    "мл",
    "HU",
    "ЕД",
    "мг",
    "кг",
    "мин",
    "сек",
    "%",
    "г",
    "л",
    "м",
    "с",
    "ч",
)
_NUMBER = r"[+\-−]?\d+(?:[.,]\d+)*[a-c]?"
_EXPRESSION = re.compile(
    r"(?<![\w.,])(?:[A-Z](?=\d))?"
    + _NUMBER
    + r"(?:\s*[×хx]\s*"
    + _NUMBER
    + r")*(?:\s*(?:"
    + "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
    + r")(?![\w]))?",
    re.IGNORECASE,
)


def punct_tokens(text: str) -> list[str]:
    """Words, numbers and each punctuation mark, lower case, «ё» → «е»."""
    return _PUNCT_TOKEN.findall(text.lower().replace("ё", "е"))


def expressions(text: str) -> list[str]:
    """Number and measure expressions («32 мм», «12х8 мм», «+12 HU», «1,2», «I26.9»)."""
    out = []
    for match in _EXPRESSION.finditer(text):
        folded = " ".join(match.group().lower().replace("−", "-").split())
        out.append(re.sub(r"\s*([×хx])\s*", "х", folded))
    return out


def asr_form(text: str) -> str:
    """What an ASR without punctuation would give: lower case, words only."""
    return " ".join(re.findall(r"\w+(?:-\w+)*", text.lower()))


@dataclass
class ItnScore:
    system: str
    input: str
    dictations: int = 0
    word_edits: int = 0
    words: int = 0
    punct_edits: int = 0
    punct_tokens: int = 0
    expressions: int = 0
    expressions_exact: int = 0
    expressions_extra: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    @property
    def wer(self) -> float:
        return 100.0 * self.word_edits / max(self.words, 1)

    @property
    def punct_wer(self) -> float:
        return 100.0 * self.punct_edits / max(self.punct_tokens, 1)

    @property
    def exact(self) -> float:
        return 100.0 * self.expressions_exact / max(self.expressions, 1)

    @property
    def ms_per_dictation(self) -> float:
        return 1000.0 * self.seconds / max(self.dictations, 1)

    def add(self, written: str, output: str, seconds: float) -> None:
        self.dictations += 1
        self.seconds += seconds
        reference = wer_tokens(written)
        self.word_edits += edit_distance(reference, wer_tokens(output))
        self.words += len(reference)
        reference = punct_tokens(written)
        self.punct_edits += edit_distance(reference, punct_tokens(output))
        self.punct_tokens += len(reference)
        wanted, got = Counter(expressions(written)), Counter(expressions(output))
        self.expressions += sum(wanted.values())
        self.expressions_exact += sum((wanted & got).values())
        self.expressions_extra += sum((got - wanted).values())
        for missed in (wanted - got).elements():
            if len(self.misses) < 12:
                self.misses.append(missed)

    def summary(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "input": self.input,
            "dictations": self.dictations,
            "wer": round(self.wer, 2),
            "punct_wer": round(self.punct_wer, 2),
            "expressions": self.expressions,
            "expressions_exact": self.expressions_exact,
            "expressions_extra": self.expressions_extra,
            "exact": round(self.exact, 1),
            "ms_per_dictation": round(self.ms_per_dictation, 1),
            "misses": self.misses,
        }


# --- systems -------------------------------------------------------------------------------


def razdel_tokenize(text: str) -> list[Token]:
    """razdel's tokens in our token type: lines apart (razdel drops layout), same flags."""
    tokens: list[Token] = []
    for index, line in enumerate(text.replace("\r\n", "\n").split("\n")):
        if index:
            tokens.append(Token("\n", "break"))
        for piece in (t.text for t in razdel.tokenize(line)):
            if piece[0].isalnum() or (piece[0] in "+−" and len(piece) > 1):
                number = bool(re.fullmatch(r"[+−]?\d+(?:[.,]\d+)*", piece))
                tokens.append(Token(piece, "word", number=number))
            else:
                tokens.append(Token(piece, "punct"))
    return tokens


def pipeline_tokenizer(tokenizer: Callable[[str], list[Token]]) -> Any:
    """Run ``structuring.postprocess`` with another tokenizer for the time of the block."""
    return mock.patch.object(pipeline, "tokenize", tokenizer)


def ours(*, commands: bool) -> Normaliser:
    def run(text: str) -> str:
        return pipeline.postprocess(text, correct=False, commands=commands).text

    return run


def ours_razdel_tokens(text: str) -> str:
    with pipeline_tokenizer(razdel_tokenize):
        return pipeline.postprocess(text, correct=False, commands=False).text


def nemo_normaliser(cache_dir: Path) -> tuple[Normaliser | None, str]:
    """nemo-text-processing's Russian inverse normaliser, or None and why not."""
    try:
        from nemo_text_processing.inverse_text_normalization.inverse_normalize import (  # noqa: PLC0415
            InverseNormalizer,
        )
    except Exception as error:  # ImportError, or pynini's own load errors
        return None, f"not importable: {type(error).__name__}: {error}"
    started = time.perf_counter()
    cache_dir.mkdir(parents=True, exist_ok=True)
    normaliser = InverseNormalizer(lang="ru", cache_dir=str(cache_dir), overwrite_cache=False)
    note = f"grammars built or loaded in {time.perf_counter() - started:.0f} s"

    def run(text: str) -> str:
        return str(normaliser.inverse_normalize(text, verbose=False))

    return run, note


def _identity(text: str) -> str:
    return text


def score_itn(
    dictations: Sequence[dict[str, Any]], systems: dict[str, Normaliser]
) -> list[ItnScore]:
    scores = []
    forms: tuple[tuple[str, str, Normaliser], ...] = (
        ("as dictated", "spoken", _identity),
        ("ASR form", "spoken", asr_form),
        ("written", "written", _identity),
    )
    for form, key, prepare in forms:
        for name, normalise in systems.items():
            score = ItnScore(name, form)
            for item in dictations:
                text = prepare(item[key])
                started = time.perf_counter()
                output = normalise(text)
                score.add(item["written"], output, time.perf_counter() - started)
            scores.append(score)
    return scores


# --- tokens --------------------------------------------------------------------------------

Span = tuple[int, int]


def our_spans(text: str) -> list[Span]:
    """Our tokens as character spans (layout breaks left out)."""
    spans = []
    position = 0
    for token in tokenize(text):
        if token.kind == "break":
            continue
        start = text.index(token.text, position)
        position = start + len(token.text)
        spans.append((start, position))
    return spans


def razdel_spans(text: str) -> list[Span]:
    return [(t.start, t.stop) for t in razdel.tokenize(text)]


@dataclass
class TokenAgreement:
    texts: int = 0
    ours: int = 0
    razdel: int = 0
    same: int = 0
    differences: Counter[str] = field(default_factory=Counter)

    @property
    def f1(self) -> float:
        return 200.0 * self.same / max(self.ours + self.razdel, 1)

    def add(self, text: str) -> None:
        mine, theirs = set(our_spans(text)), set(razdel_spans(text))
        self.texts += 1
        self.ours += len(mine)
        self.razdel += len(theirs)
        self.same += len(mine & theirs)
        for region in _regions(mine ^ theirs):
            ours_part = [text[a:b] for a, b in sorted(mine) if a >= region[0] and b <= region[1]]
            razdel_part = [
                text[a:b] for a, b in sorted(theirs) if a >= region[0] and b <= region[1]
            ]
            self.differences[f"ours {ours_part} | razdel {razdel_part}"] += 1

    def summary(self) -> dict[str, Any]:
        return {
            "texts": self.texts,
            "ours": self.ours,
            "razdel": self.razdel,
            "same": self.same,
            "f1": round(self.f1, 2),
            "differences": self.differences.most_common(15),
        }


def _regions(spans: set[Span]) -> list[Span]:
    """Overlapping spans merged: each region is one place where the tokenizers differ."""
    regions: list[list[int]] = []
    for start, stop in sorted(spans):
        if regions and start < regions[-1][1]:
            regions[-1][1] = max(regions[-1][1], stop)
        else:
            regions.append([start, stop])
    return [(a, b) for a, b in regions]


PROBES = (
    "т.е. без изменений",
    "размером до 2 см. Далее",
    "толщиной 3 мм.",
    "индекс 1,2",
    "узел 12х8 мм",
    "код I26.9",
    "BI-RADS 4a",
    "на уровне L4-L5",
    "плотностью +12 HU",
    "от 12.05.2023",
    "в сегментах С1-С2",
)


def probe_tokens() -> list[dict[str, list[str]]]:
    return [
        {
            "text": [probe],
            "ours": [t.text for t in tokenize(probe)],
            "razdel": [t.text for t in razdel.tokenize(probe)],
        }
        for probe in PROBES
    ]


# --- sentences -----------------------------------------------------------------------------


def _starts(text: str, spans: Sequence[Span]) -> set[int]:
    """Sentence starts (first non-space character) other than the text's first."""
    starts = set()
    for begin, stop in spans:
        start = begin
        while start < stop and text[start].isspace():
            start += 1
        if start < stop:
            starts.add(start)
    first = len(text) - len(text.lstrip())
    starts.discard(first)
    return starts


def sections_boundaries(text: str) -> set[int]:
    """``structuring.sections``' splitter (used to classify sentences of unmarked text)."""
    matches = sections._SENTENCE_RE.finditer(text)
    return _starts(text, [m.span() for m in matches])


def consistency_boundaries(text: str) -> set[int]:
    """``structuring.consistency``' splitter (after «.!?;» and a space)."""
    pieces: list[Span] = []
    position = 0
    for match in consistency._SENTENCE_RE.finditer(text):
        pieces.append((position, match.start()))
        position = match.end()
    pieces.append((position, len(text)))
    return _starts(text, pieces)


def razdel_boundaries(text: str) -> set[int]:
    return _starts(text, [(s.start, s.stop) for s in razdel.sentenize(text)])


SPLITTERS: dict[str, Callable[[str], set[int]]] = {
    "ours (sections)": sections_boundaries,
    "ours (consistency)": consistency_boundaries,
    "razdel.sentenize": razdel_boundaries,
}


@dataclass
class BoundaryScore:
    splitter: str
    reference: int = 0
    found: int = 0
    right: int = 0
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return 100.0 * self.right / max(self.found, 1)

    @property
    def recall(self) -> float:
        return 100.0 * self.right / max(self.reference, 1)

    def summary(self) -> dict[str, Any]:
        return {
            "splitter": self.splitter,
            "reference": self.reference,
            "found": self.found,
            "right": self.right,
            "precision": round(self.precision, 2),
            "recall": round(self.recall, 2),
            "missed": self.missed[:8],
            "spurious": self.spurious[:8],
        }


def _around(text: str, position: int) -> str:
    return (text[max(position - 25, 0) : position] + "‖" + text[position : position + 20]).strip()


def score_boundaries(sentences: Sequence[str], chunk: int = 200) -> list[BoundaryScore]:
    """Sentences joined by spaces (in chunks of ``chunk``): how many joins each splitter
    finds back, and how many boundaries it puts elsewhere."""
    scores = {name: BoundaryScore(name) for name in SPLITTERS}
    for begin in range(0, len(sentences), chunk):
        part = [s.strip() for s in sentences[begin : begin + chunk] if s.strip()]
        text = " ".join(part)
        reference = set()
        position = 0
        for sentence in part[:-1]:
            position += len(sentence) + 1
            reference.add(position)
        for name, split in SPLITTERS.items():
            found = split(text)
            score = scores[name]
            score.reference += len(reference)
            score.found += len(found)
            score.right += len(found & reference)
            score.missed += [_around(text, p) for p in sorted(reference - found)]
            score.spurious += [_around(text, p) for p in sorted(found - reference)]
    return list(scores.values())


def splitter_agreement(texts: Sequence[str]) -> dict[str, Any]:
    """Where razdel and our sections splitter disagree on the ``written`` texts."""
    both = only_ours = only_razdel = 0
    examples: list[str] = []
    for text in texts:
        mine, theirs = sections_boundaries(text), razdel_boundaries(text)
        both += len(mine & theirs)
        only_ours += len(mine - theirs)
        only_razdel += len(theirs - mine)
        examples += [f"ours only: {_around(text, p)}" for p in sorted(mine - theirs)]
        examples += [f"razdel only: {_around(text, p)}" for p in sorted(theirs - mine)]
    return {"both": both, "ours_only": only_ours, "razdel_only": only_razdel, "examples": examples}


def razdel_sentences(text: str) -> list[str]:
    """razdel's sentences, line by line (a line break ends a sentence, as in ours)."""
    return [" ".join(s.text.split()) for line in text.split("\n") for s in razdel.sentenize(line)]


def unmarked_sections(dictations: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``written`` with its section markers taken out, classified sentence by sentence: how
    many findings / conclusion / recommendations come out exactly as the reference fields."""
    splitters: dict[str, Callable[[str], list[str]]] = {
        "ours (sections)": sections.split_sentences,
        "razdel.sentenize": razdel_sentences,
    }
    out: dict[str, dict[str, Any]] = {}
    for name, split in splitters.items():
        right = total = 0
        wrong: list[str] = []
        for item in dictations:
            fields = item.get("fields", {})
            text = sections._MARKER_RE.sub(" ", item["written"])
            result = sections._classify(text, split)
            for key in sections.SECTION_IDS:
                if key not in fields:
                    continue
                total += 1
                if " ".join(str(fields[key]).split()) == getattr(result, key):
                    right += 1
                else:
                    wrong.append(f"{item.get('id', '?')}.{key}")
        out[name] = {"right": right, "total": total, "wrong": wrong}
    return out


# --- agreement -----------------------------------------------------------------------------

_GNC = yargy.relations.gnc_relation()
_AGREEING = yargy.Parser(
    yargy.rule(
        yargy.predicates.gram("ADJF").match(_GNC).repeatable(max=2),
        yargy.predicates.gram("NOUN").match(_GNC),
    )
)
_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")


def yargy_agrees(phrase: str) -> bool:
    """Whether yargy parses ``phrase`` whole as adjectives agreeing with their noun."""
    match = _AGREEING.match(phrase)
    return match is not None


@dataclass
class AgreementScore:
    cases: int = 0
    ours_restored: int = 0
    ours_other: int = 0
    ours_untouched: int = 0
    yargy_flags_corrupted: int = 0
    yargy_accepts_original: int = 0
    examples: list[str] = field(default_factory=list)
    yargy_rejects: list[str] = field(default_factory=list)
    """Correct pairs of the reference that yargy's grammar does not accept."""

    def summary(self) -> dict[str, Any]:
        lists = ("examples", "yargy_rejects")
        return {k: v for k, v in asdict(self).items() if k not in lists} | {
            "examples": self.examples[:10],
            "yargy_rejects": self.yargy_rejects[:10],
        }


def _pairs(words: Sequence[str], morph: pymorphy3.MorphAnalyzer) -> Iterator[tuple[int, Any, Any]]:
    """Adjacent adjective + noun in agreement (first parses), the adjective's index."""
    for index in range(len(words) - 1):
        adjective, noun = morph.parse(words[index])[0], morph.parse(words[index + 1])[0]
        if "ADJF" not in adjective.tag or "NOUN" not in noun.tag:
            continue
        if adjective.tag.case == noun.tag.case and adjective.tag.number == noun.tag.number:
            yield index, adjective, noun


def score_agreement(dictations: Sequence[dict[str, Any]]) -> AgreementScore:
    """Nouns put in another case after an agreeing adjective: does our repair set them right,
    does yargy's grammar tell the corrupted pair from the original?"""
    morph = pymorphy3.MorphAnalyzer()
    score = AgreementScore()
    for item in dictations:
        grammar = load_vocabulary(resolve_specialty(None, item.get("template"))).grammar
        for sentence in razdel.sentenize(item["written"]):
            words = [w for w in re.findall(r"\w+(?:-\w+)*", sentence.text)]
            for index, adjective, noun in _pairs(words, morph):
                wrong = next(
                    (
                        form.word
                        for case in _CASES
                        if case != noun.tag.case
                        and (form := noun.inflect({case})) is not None
                        and form.word != noun.word
                        and not any(
                            p.tag.case == adjective.tag.case
                            for p in morph.parse(form.word)
                            if "NOUN" in p.tag
                        )
                    ),
                    None,
                )
                if wrong is None:
                    continue
                original = words[index + 1]
                corrupted = [*words[: index + 1], wrong, *words[index + 2 :]]
                score.cases += 1
                found = {r.start: r.text for r in grammar.find(corrupted) if r.start == index + 1}
                repaired = found.get(index + 1)
                if repaired is None:
                    score.ours_untouched += 1
                elif repaired.lower().replace("ё", "е") == original.lower().replace("ё", "е"):
                    score.ours_restored += 1
                else:
                    score.ours_other += 1
                score.yargy_flags_corrupted += not yargy_agrees(f"{words[index]} {wrong}")
                accepted = yargy_agrees(f"{words[index]} {original}")
                score.yargy_accepts_original += accepted
                if not accepted:
                    score.yargy_rejects.append(f"{words[index]} {original}")
                if len(score.examples) < 10:
                    score.examples.append(
                        f"{words[index]} {wrong} → ours {repaired or '(none)'}; yargy "
                        f"{'flags' if not yargy_agrees(f'{words[index]} {wrong}') else 'accepts'}"
                    )
    return score


def recognised_grammar_changes(path: Path, dictations: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Our grammar stage's changes on recognised text, checked against the reference and
    against yargy's agreement grammar."""
    verdicts: Counter[str] = Counter()
    examples: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        reference = dictations.get(str(item.get("id", "")))
        if reference is None:
            continue
        words = [(str(w["w"]), float(w["p"])) for w in item.get("words", [])]
        result = pipeline.postprocess(
            item["text"],
            template_id=reference.get("template"),
            words=words or None,
            normalise=False,
            commands=False,
        )
        wanted = Counter(wer_tokens(reference["written"]))
        output = [t for t in re.findall(r"\w+(?:-\w+)*", result.text)]
        for correction in result.corrections:
            if correction.dictionary != "grammar" or " " in correction.corrected:
                continue
            raw, fixed = (
                w.lower().replace("ё", "е") for w in (correction.raw, correction.corrected)
            )
            verdict = "right" if wanted[fixed] and not wanted[raw] else "wrong"
            verdict = "unclear" if wanted[fixed] and wanted[raw] else verdict
            folded = [w.lower().replace("ё", "е") for w in output]
            at = folded.index(fixed) if fixed in folded else -1
            yargy_verdict = "no verdict"
            raw_phrase = fixed_phrase = correction.corrected
            for before, after in ((1, 0), (2, 0), (0, 1), (0, 2), (1, 1)):
                if at < before or at + after >= len(output):
                    continue
                left, right = output[at - before : at], output[at + 1 : at + 1 + after]
                fixed_phrase = " ".join([*left, correction.corrected, *right])
                raw_phrase = " ".join([*left, correction.raw, *right])
                if yargy_agrees(fixed_phrase) and not yargy_agrees(raw_phrase):
                    yargy_verdict = "flags raw, accepts fix"
                    break
            verdicts[verdict] += 1
            verdicts[f"yargy {yargy_verdict}"] += 1
            verdicts[f"{verdict}, yargy {yargy_verdict}"] += 1
            if len(examples) < 15:
                examples.append(f"{raw_phrase} → {fixed_phrase}: {verdict}; yargy {yargy_verdict}")
    return {"verdicts": dict(verdicts), "examples": examples}


# --- report --------------------------------------------------------------------------------


def read_dictations(corpus: Path) -> list[dict[str, Any]]:
    path = corpus / "dictations.jsonl" if corpus.is_dir() else corpus
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def run(args: argparse.Namespace) -> dict[str, Any]:
    dictations = read_dictations(args.corpus)
    if args.limit:
        dictations = dictations[: args.limit]
    clinical_path: Path = args.clinical or args.corpus.parent / "clinical_text" / CLINICAL
    clinical = (
        clinical_path.read_text(encoding="utf-8").splitlines() if clinical_path.is_file() else []
    )
    report: dict[str, Any] = {"dictations": len(dictations), "clinical_sentences": len(clinical)}

    pipeline.warm_up(["general"])
    systems: dict[str, Normaliser] = {
        "input as-is": _identity,
        "ours (ITN)": ours(commands=False),
        "ours (ITN + commands)": ours(commands=True),
        "ours (ITN) on razdel tokens": ours_razdel_tokens,
    }
    if args.nemo:
        normaliser, note = nemo_normaliser(args.nemo_cache)
        report["nemo"] = note
        if normaliser is not None:
            systems["nemo ru ITN"] = normaliser
    report["itn"] = [s.summary() for s in score_itn(dictations, systems)]

    written = [d["written"] for d in dictations]
    tokens_written, tokens_clinical = TokenAgreement(), TokenAgreement()
    for text in written:
        tokens_written.add(text)
    for text in clinical:
        tokens_clinical.add(text)
    report["tokens"] = {
        "written": tokens_written.summary(),
        "clinical": tokens_clinical.summary(),
        "probes": probe_tokens(),
    }
    report["sentences"] = {
        "clinical": [s.summary() for s in score_boundaries(clinical)],
        "written_agreement": splitter_agreement(written),
        "unmarked_sections": unmarked_sections(dictations),
    }
    report["agreement"] = {"constructed": score_agreement(dictations).summary()}
    if args.recognised:
        by_id = {str(d["id"]): d for d in dictations}
        report["agreement"]["recognised"] = recognised_grammar_changes(args.recognised, by_id)
    return report


def _print(report: dict[str, Any]) -> None:
    print(f"# {report['dictations']} dictations, {report['clinical_sentences']} clinical sentences")
    if "nemo" in report:
        print(f"nemo: {report['nemo']}")
    print("\n## ITN (spoken → written)")
    print(f"{'system':<30} {'input':<12} {'WER %':>6} {'WER+p %':>8} {'exact':>11} {'ms':>7}")
    for row in report["itn"]:
        exact = f"{row['expressions_exact']}/{row['expressions']}"
        print(
            f"{row['system']:<30} {row['input']:<12} {row['wer']:>6.2f} {row['punct_wer']:>8.2f} "
            f"{exact:>11} {row['ms_per_dictation']:>7.1f}  extra {row['expressions_extra']}"
        )
        if row["misses"]:
            print(f"{'':<30} missed: {'; '.join(row['misses'][:8])}")
    print("\n## Tokens: ours vs razdel (span agreement)")
    for name in ("written", "clinical"):
        row = report["tokens"][name]
        print(
            f"{name}: {row['texts']} texts, ours {row['ours']}, razdel {row['razdel']}, "
            f"same {row['same']} (F1 {row['f1']:.2f} %)"
        )
        for difference, count in row["differences"][:10]:
            print(f"  {count:>4} × {difference}")
    for probe in report["tokens"]["probes"]:
        print(f"  {probe['text'][0]!r}: ours {probe['ours']} | razdel {probe['razdel']}")
    print("\n## Sentences: clinical sentences joined, boundaries recovered")
    for row in report["sentences"]["clinical"]:
        print(
            f"{row['splitter']:<20} P {row['precision']:6.2f} %  R {row['recall']:6.2f} %  "
            f"({row['right']} of {row['reference']}, {row['found']} found)"
        )
        print(f"  missed e.g. {' | '.join(row['missed'][:4])}")
        print(f"  spurious e.g. {' | '.join(row['spurious'][:4])}")
    agreement = report["sentences"]["written_agreement"]
    print(
        f"written texts: both {agreement['both']}, ours only {agreement['ours_only']}, "
        f"razdel only {agreement['razdel_only']}"
    )
    for example in agreement["examples"][:10]:
        print(f"  {example}")
    for name, row in report["sentences"]["unmarked_sections"].items():
        print(
            f"unmarked sections, {name}: {row['right']} of {row['total']} exact; "
            f"wrong: {' '.join(row['wrong'][:10])}"
        )
    print("\n## Agreement")
    constructed = report["agreement"]["constructed"]
    print(
        f"constructed: {constructed['cases']} nouns put in another case; ours restored "
        f"{constructed['ours_restored']}, other form {constructed['ours_other']}, untouched "
        f"{constructed['ours_untouched']}; yargy flags the corrupted pair "
        f"{constructed['yargy_flags_corrupted']}, accepts the original "
        f"{constructed['yargy_accepts_original']}"
    )
    for example in constructed["examples"][:6]:
        print(f"  {example}")
    print(f"  yargy rejects correct pairs, e.g. {'; '.join(constructed['yargy_rejects'][:6])}")
    if "recognised" in report["agreement"]:
        recognised = report["agreement"]["recognised"]
        print(f"recognised text, our grammar changes: {recognised['verdicts']}")
        for example in recognised["examples"]:
            print(f"  {example}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="dev corpus folder")
    parser.add_argument("--clinical", type=Path, default=None, help="sentences, one a line")
    parser.add_argument("--recognised", type=Path, default=None, help="transcripts JSON lines")
    parser.add_argument("--limit", type=int, default=0, help="first N dictations only")
    parser.add_argument("--no-nemo", dest="nemo", action="store_false")
    parser.add_argument(
        "--nemo-cache", type=Path, default=Path(tempfile.gettempdir()) / "semdict-nemo-ru"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    report = run(args)
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
