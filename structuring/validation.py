"""Validate a СЭМД against the official XSD package and schematron of РЭМД 174.

Both are compiled once per process and cached; a validation is then a few milliseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Protocol, cast

from lxml import etree
from pydantic import BaseModel, Field

from structuring.schematron import CompiledSchematron, load_schematron

_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
)


class _LogEntry(Protocol):
    """What lxml's error log yields (lxml-stubs leave ``_ErrorLog`` opaque)."""

    message: str
    line: int


class ValidationIssue(BaseModel):
    source: str = Field(description='"xml", "xsd" or "schematron"')
    message: str
    location: str = ""


class ValidationReport(BaseModel):
    valid: bool
    xsd_valid: bool
    schematron_valid: bool
    issues: list[ValidationIssue] = Field(default_factory=list)


def schemas_dir() -> Path:
    return Path(str(resources.files("semd_templates").joinpath("schemas", "instrumental_r4")))


_xsd_lock = threading.Lock()


@cache
def _xsd() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # The package is local; includes resolve relative to CDA.xsd on disk.
    tree = etree.parse(str(schemas_dir() / "xsd" / "CDA.xsd"), parser)
    return etree.XMLSchema(tree)


@cache
def _schematron() -> CompiledSchematron:
    return load_schematron(schemas_dir() / "schematron_174_v1.0.1.sch")


def warm_up() -> None:
    """Compile the XSD and schematron now (e.g. at server start) rather than on first use."""
    _xsd()
    _schematron()


def validate_semd(xml: bytes) -> ValidationReport:
    """XSD and schematron validation of one СЭМД document."""
    try:
        document = etree.fromstring(xml, _SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        issue = ValidationIssue(source="xml", message=str(exc))
        return ValidationReport(
            valid=False, xsd_valid=False, schematron_valid=False, issues=[issue]
        )
    if document.getroottree().docinfo.internalDTD is not None:
        # A СЭМД has no DTD; refusing one rules out entity tricks in what follows.
        issue = ValidationIssue(source="xml", message="DOCTYPE is not allowed in a СЭМД")
        return ValidationReport(
            valid=False, xsd_valid=False, schematron_valid=False, issues=[issue]
        )
    schema = _xsd()
    with _xsd_lock:  # an XMLSchema's error_log is per instance, not per call
        xsd_valid = bool(schema.validate(document))
        issues = [
            ValidationIssue(source="xsd", message=e.message, location=f"line {e.line}")
            for e in cast("Iterable[_LogEntry]", schema.error_log)
        ]
    for failure in _schematron().validate(document):
        issues.append(
            ValidationIssue(source="schematron", message=failure.message, location=failure.location)
        )
    schematron_valid = not any(i.source == "schematron" for i in issues)
    return ValidationReport(
        valid=xsd_valid and schematron_valid,
        xsd_valid=xsd_valid,
        schematron_valid=schematron_valid,
        issues=issues,
    )
