"""СЭМД templates (open integration profiles), schemas and FNSI directories as package data."""

from __future__ import annotations

from semd_templates.model import Template
from semd_templates.registry import (
    TemplateNotFoundError,
    get_template,
    list_templates,
    resources_path,
)

__all__ = [
    "Template",
    "TemplateNotFoundError",
    "get_template",
    "list_templates",
    "resources_path",
]
