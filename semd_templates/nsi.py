"""FNSI directories shipped as package data, loaded lazily once per process."""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

MKB10_OID = "1.2.643.5.1.13.13.11.1005"
MKB10_VERSION = "2.27"
PATHOLOGY_OID = "1.2.643.5.1.13.13.11.1473"
PATHOLOGY_VERSION = "2.16"
ANATOMY_OID = "1.2.643.5.1.13.13.11.1477"
ANATOMY_VERSION = "4.12"
MORPHOLOGY_OID = "1.2.643.5.1.13.13.11.1486"
MORPHOLOGY_VERSION = "2.7"
LATERALITY_OID = "1.2.643.5.1.13.13.99.2.778"
LATERALITY_VERSION = "1.1"

_MKB10_FILE = "1.2.643.5.1.13.13.11.1005_2.27_mkb10.csv.gz"
_PATHOLOGY_FILES = tuple(f"1.2.643.5.1.13.13.11.1473_2.16_part{i}.json.gz" for i in (1, 2, 3))
_MORPHOLOGY_FILE = "1.2.643.5.1.13.13.11.1486_2.7_mkbo.csv.gz"
_ANATOMY_FILE = "1.2.643.5.1.13.13.11.1477_4.12_part1.json.gz"
_LATERALITY_FILE = "1.2.643.5.1.13.13.99.2.778_1.1_part1.json.gz"


@dataclass(frozen=True)
class Entry:
    code: str
    name: str


def _read_gz(name: str) -> str:
    data = resources.files("semd_templates").joinpath("nsi", name).read_bytes()
    return gzip.decompress(data).decode("utf-8")


def _fnsi_rows(name: str) -> list[dict[str, str | None]]:
    """Rows of an FNSI API page dump (``{"list": [[{"column","value"}...]...]}``)."""
    page = json.loads(_read_gz(name))
    return [{cell["column"]: cell["value"] for cell in row} for row in page["list"]]


@cache
def mkb10() -> dict[str, Entry]:
    """Actual МКБ-10 codes (leaf and group rows that carry a code like ``J90`` or ``I26.0``)."""
    reader = csv.DictReader(io.StringIO(_read_gz(_MKB10_FILE)), delimiter=";")
    codes: dict[str, Entry] = {}
    for row in reader:
        code = (row.get("MKB_CODE") or "").strip()
        if row.get("ACTUAL") != "1" or "-" in code or len(code) < 3 or not code[1].isdigit():
            continue
        codes[code] = Entry(code, (row.get("MKB_NAME") or "").strip())
    return codes


@cache
def pathologies() -> dict[str, Entry]:
    rows = [row for name in _PATHOLOGY_FILES for row in _fnsi_rows(name)]
    return {
        str(row["ID"]): Entry(str(row["ID"]), str(row["FULLNAME"]))
        for row in rows
        if row.get("ID") and row.get("FULLNAME")
    }


@cache
def morphology() -> dict[str, Entry]:
    """МКБ-О tumour morphology (11.1486): ``8140/0`` → «Аденома, БДУ»; the digit after the
    slash is the behaviour (0 benign, 1 uncertain, 2 in situ, 3 malignant, 6 metastatic)."""
    reader = csv.DictReader(io.StringIO(_read_gz(_MORPHOLOGY_FILE)), delimiter=";")
    return {
        code: Entry(code, (row.get("NAME") or "").strip())
        for row in reader
        if "/" in (code := (row.get("CODE") or "").strip())
    }


@cache
def anatomy() -> dict[str, Entry]:
    return {
        str(row["ID"]): Entry(str(row["ID"]), str(row["NAME"]))
        for row in _fnsi_rows(_ANATOMY_FILE)
        if row.get("ID") and row.get("NAME")
    }


@cache
def laterality() -> dict[str, Entry]:
    return {
        str(row["ID"]): Entry(str(row["ID"]), str(row["laterality"]))
        for row in _fnsi_rows(_LATERALITY_FILE)
    }
