"""Rebuild ``vocabularies/data/`` from the seeds, the FNSI dumps and the medspellchecker lexicon.

Run ``python -m vocabularies.build [--nsi ../shared/semd/nsi]``. The output is deterministic:
the same sources give byte-identical files (gzip without timestamps).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pymorphy3

from vocabularies.lexicon import morphology
from vocabularies.model import Dictionary, write_dictionary
from vocabularies.sources import read_anatomy, read_icd10, read_pathology, read_seed

PACKAGE = Path(__file__).resolve().parent
DEFAULT_NSI = PACKAGE.parent.parent / "shared" / "semd" / "nsi"
# A wheel already downloaded there is used as is; otherwise pip downloads it.
MSC_WHEEL = Path("/tmp/msc/medspellchecker-0.0.4-py3-none-any.whl")  # noqa: S108
MSC_MEMBER = "medspellchecker/tool/data/processed_lemmatized_all_dict.txt"
MSC_SOURCE = "PyPI medspellchecker 0.0.4, " + MSC_MEMBER
MSC_LICENCE = "Apache-2.0 (medspellchecker by DmitryPogrebnoy)"
_CYRILLIC_WORD = re.compile(r"[а-яё]{3,}")


def _gzip_text(path: Path, text: str) -> None:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        handle.write(text.encode("utf-8"))
    path.write_bytes(buffer.getvalue())


_ADJECTIVE_ENDING = re.compile(
    r"(ый|ий|ой|ая|яя|ое|ее|ые|ие|ого|его|ых|их|ым|им|ую|юю|ом|ем|ыми|ими)$"
)


def _best_parse(morph: pymorphy3.MorphAnalyzer, word: str) -> list[Any]:
    """The parse to inflect; for a word the morphology only guesses, an adjective reading
    when it looks like one («болюсное» is not a noun)."""
    parses: list[Any] = morph.parse(word)
    if not morph.word_is_known(word) and _ADJECTIVE_ENDING.search(word):
        adjectives = [p for p in parses if p.tag.POS in {"ADJF", "PRTF"}]
        return adjectives[:1] or []
    return parses[:1]


def word_forms(dictionaries: list[Dictionary]) -> dict[str, str]:
    """Every inflected form of every Cyrillic word of the terms → the first dictionary naming it."""
    morph = morphology()
    forms: dict[str, str] = {}
    seen: set[str] = set()
    for dictionary in dictionaries:
        for entry in dictionary.entries:
            for text in (entry.term, *entry.spoken):
                for found in _CYRILLIC_WORD.findall(text.lower()):
                    if found in seen:
                        continue
                    seen.add(found)
                    forms.setdefault(found, dictionary.name)
                    for parse in _best_parse(morph, found):
                        for form in parse.lexeme:
                            forms.setdefault(form.word, dictionary.name)
    return forms


def _msc_wheel() -> Path:
    if MSC_WHEEL.exists():
        return MSC_WHEEL
    target = Path(tempfile.mkdtemp(prefix="msc-"))
    subprocess.run(  # noqa: S603 - fixed arguments, build time only
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "medspellchecker==0.0.4",
            "-d",
            str(target),
        ],
        check=True,
    )
    return next(target.glob("medspellchecker-*.whl"))


def ordinary_lemmas() -> list[str]:
    with zipfile.ZipFile(_msc_wheel()) as wheel:
        text = wheel.read(MSC_MEMBER).decode("utf-8")
    return sorted({line.strip().lower() for line in text.splitlines() if line.strip()})


def build(nsi: Path, out: Path) -> dict[str, object]:
    seeds = [read_seed(path) for path in sorted((PACKAGE / "seeds").glob("*.tsv"))]
    dictionaries = [*seeds, read_anatomy(nsi), read_pathology(nsi), read_icd10(nsi)]
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {"dictionaries": [], "files": {}}
    for dictionary in dictionaries:
        # Big FNSI dictionaries are gzipped to keep the package small.
        suffix = ".jsonl.gz" if len(dictionary.entries) > 1000 else ".jsonl"
        write_dictionary(dictionary, out / f"{dictionary.name}{suffix}")
        manifest["dictionaries"].append(  # type: ignore[attr-defined]
            {**dictionary.meta.__dict__, "entries": len(dictionary.entries)}
        )
    forms = word_forms(dictionaries)
    _gzip_text(out / "forms.tsv.gz", "".join(f"{f}\t{d}\n" for f, d in sorted(forms.items())))
    lemmas = ordinary_lemmas()
    _gzip_text(out / "ordinary_lemmas.txt.gz", "\n".join(lemmas) + "\n")
    manifest["files"] = {
        "forms.tsv.gz": {
            "what": "inflected forms (pymorphy3 / OpenCorpora) of the dictionaries' words",
            "count": len(forms),
        },
        "ordinary_lemmas.txt.gz": {
            "what": "Russian medical + general lemmas: the 'ordinary word' guard",
            "source": MSC_SOURCE,
            "licence": MSC_LICENCE,
            "count": len(lemmas),
        },
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nsi", type=Path, default=DEFAULT_NSI, help="FNSI dump folder")
    parser.add_argument("--out", type=Path, default=PACKAGE / "data", help="output folder")
    args = parser.parse_args(argv)
    manifest = build(args.nsi, args.out)
    for item in manifest["dictionaries"]:  # type: ignore[attr-defined]
        print(f"{item['name']:>20}: {item['entries']} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
