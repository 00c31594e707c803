"""A compact ISO Schematron → XSLT 3 compiler for the subset the Ministry's schematrons use.

Why our own: the ISO skeleton XSLTs are not shipped with saxonche and there is no network at
run time; lxml's ``isoschematron`` is XSLT 1 only while the Ministry's rules need XPath 2+
(``@root=['a','b']``, ``matches()``). The official 174 schematron uses only ``ns``,
``pattern``, ``rule``, ``assert``, ``report`` (and ``let``, which we support too), so the
compiler stays small: every rule becomes one ``xsl:for-each`` over the nodes its context
selects, and a node is checked by the first matching rule of each pattern only, as ISO
Schematron specifies.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
XSL_NS = "http://www.w3.org/1999/XSL/Transform"
_SVRL_FAILURES = "failures"  # element name of our minimal report

_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


class SchematronError(Exception):
    """The schematron uses a construct this compiler does not support."""


@dataclass(frozen=True)
class SchematronFailure:
    """One failed assert or fired report."""

    kind: str  # "assert" | "report"
    test: str
    location: str
    message: str


def _xsl(tag: str) -> str:
    return f"{{{XSL_NS}}}{tag}"


def _sch(tag: str) -> str:
    return f"{{{SCH_NS}}}{tag}"


def _add_lets(parent: etree._Element, scope: etree._Element) -> None:
    for let in scope.iterfind(_sch("let")):
        var = etree.SubElement(parent, _xsl("variable"))
        var.set("name", let.get("name", ""))
        var.set("select", let.get("value", ""))


def compile_to_xslt(schematron: etree._Element) -> etree._Element:
    """Translate a parsed schematron into an XSLT 3 stylesheet tree."""
    nsmap: dict[str, str] = {"xsl": XSL_NS}
    for ns in schematron.iterfind(_sch("ns")):
        prefix = ns.get("prefix")
        if prefix:
            nsmap[prefix] = ns.get("uri", "")
    for unsupported in ("include", "extends", "phase", "diagnostics"):
        if schematron.find(f".//{_sch(unsupported)}") is not None:
            raise SchematronError(f"sch:{unsupported} is not supported by this compiler")
    sheet = etree.Element(_xsl("stylesheet"), nsmap=nsmap)
    sheet.set("version", "3.0")
    etree.SubElement(sheet, _xsl("output"), method="xml", indent="no")
    _add_lets(sheet, schematron)

    root_template = etree.SubElement(sheet, _xsl("template"), match="/")
    out = etree.SubElement(root_template, _SVRL_FAILURES)
    for pattern in schematron.iterfind(_sch("pattern")):
        if pattern.get("abstract") == "true":
            raise SchematronError("abstract patterns are not supported by this compiler")
        _add_pattern(out, pattern)
    return sheet


def _as_selection(context: str) -> str:
    """A rule context (a match pattern) as an expression selecting the same nodes.

    Selecting by ``//(...)`` lets Saxon use its element-name index instead of running every
    template against every node, which keeps one validation in milliseconds.
    """
    return context if context.startswith("/") else f"//({context})"


def _add_pattern(out: etree._Element, pattern: etree._Element) -> None:
    earlier: list[str] = []
    for rule in pattern.iterfind(_sch("rule")):
        if rule.get("abstract") == "true" or rule.find(_sch("extends")) is not None:
            raise SchematronError("abstract rules are not supported by this compiler")
        selection = _as_selection(rule.get("context", ""))
        if earlier:
            # A node is checked only by the first rule of a pattern that matches it.
            selection = f"({selection}) except ({' | '.join(earlier)})"
        earlier.append(_as_selection(rule.get("context", "")))
        loop = etree.SubElement(out, _xsl("for-each"), select=selection)
        _add_lets(loop, pattern)
        _add_lets(loop, rule)
        for check in rule:
            if check.tag in (_sch("assert"), _sch("report")):
                _add_check(loop, check)


def _add_check(template: etree._Element, check: etree._Element) -> None:
    kind = "assert" if check.tag == _sch("assert") else "report"
    test = check.get("test", "true()")
    cond = etree.SubElement(template, _xsl("if"))
    cond.set("test", f"not({test})" if kind == "assert" else f"({test})")
    failure = etree.SubElement(cond, "failure", kind=kind, test=test)
    location = etree.SubElement(failure, _xsl("attribute"), name="location")
    location.set("select", "path()")
    failure_text = etree.SubElement(failure, _xsl("text"))
    failure_text.text = " ".join("".join(str(t) for t in check.itertext()).split())


class CompiledSchematron:
    """A schematron compiled once into a Saxon executable; ``validate`` is thread-safe."""

    def __init__(self, sch_path: Path) -> None:
        schematron = etree.parse(str(sch_path), _SAFE_PARSER).getroot()
        stylesheet = etree.tostring(compile_to_xslt(schematron), encoding="unicode")
        self._processor = PySaxonProcessor(license=False)
        self._executable = self._processor.new_xslt30_processor().compile_stylesheet(
            stylesheet_text=stylesheet
        )
        # SaxonC executables are not documented as re-entrant; serialise calls.
        self._lock = threading.Lock()

    def validate(self, document: etree._Element) -> list[SchematronFailure]:
        """Run the rules on ``document`` (the HL7 default namespace is stripped first)."""
        text = etree.tostring(strip_default_namespace(document), encoding="unicode")
        with self._lock:
            node = self._processor.parse_xml(xml_text=text)
            result = self._executable.transform_to_string(xdm_node=node)
        if result is None:
            raise SchematronError("schematron transform produced no output")
        report = etree.fromstring(result.encode("utf-8"), _SAFE_PARSER)
        return [
            SchematronFailure(
                kind=el.get("kind", ""),
                test=el.get("test", ""),
                location=el.get("location", ""),
                message=el.text or "",
            )
            for el in report.iterfind("failure")
        ]


HL7_NS = "urn:hl7-org:v3"


def strip_default_namespace(document: etree._Element) -> etree._Element:
    """Copy of ``document`` with ``urn:hl7-org:v3`` elements moved to no namespace.

    The Ministry's rules use unprefixed paths; both public validators strip it the same way.
    """
    copy = etree.fromstring(etree.tostring(document), _SAFE_PARSER)
    prefix = f"{{{HL7_NS}}}"
    for element in copy.iter():
        if isinstance(element.tag, str) and element.tag.startswith(prefix):
            element.tag = element.tag[len(prefix) :]
    etree.cleanup_namespaces(copy)
    return copy


@cache
def load_schematron(sch_path: Path) -> CompiledSchematron:
    """Compile each schematron file once per process."""
    return CompiledSchematron(sch_path)
