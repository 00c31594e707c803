"""The dependency direction: the command line (``semdict/``) uses the service (``server/``),
and nothing below the service imports the service or the command line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

FORBIDDEN = {
    "server": {"semdict"},
    "asr": {"server", "semdict"},
    "vocabularies": {"server", "semdict", "asr"},
    "structuring": {"server", "semdict", "asr"},
    "semd_templates": {"server", "semdict", "asr", "vocabularies", "structuring"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_against_the_data_flow(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(_imported_packages(path) & FORBIDDEN[package])
        for path in (REPO / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
