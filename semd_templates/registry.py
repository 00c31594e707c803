"""Loads the template JSON files once and serves them by id."""

from __future__ import annotations

from functools import cache
from importlib import resources

from semd_templates.model import Template

PROFILES_PACKAGE = "semd_templates"
PROFILES_DIR = "profiles"


class TemplateNotFoundError(LookupError):
    """No template with that id; the message lists the known ones."""

    def __init__(self, template_id: str, known: list[str]) -> None:
        super().__init__(f"unknown template {template_id!r}; known templates: {', '.join(known)}")
        self.template_id = template_id
        self.known = known


@cache
def _templates() -> dict[str, Template]:
    folder = resources.files(PROFILES_PACKAGE).joinpath(PROFILES_DIR)
    loaded: dict[str, Template] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        template = Template.model_validate_json(entry.read_text(encoding="utf-8"))
        if f"{template.id}.json" != entry.name:
            raise ValueError(f"{entry.name}: template id {template.id!r} must match file name")
        loaded[template.id] = template
    return loaded


def list_templates() -> list[Template]:
    """All templates, sorted by id."""
    return list(_templates().values())


def get_template(template_id: str) -> Template:
    """The template with that id, or ``TemplateNotFoundError``."""
    try:
        return _templates()[template_id]
    except KeyError:
        raise TemplateNotFoundError(template_id, sorted(_templates())) from None


def resources_path(name: str) -> resources.abc.Traversable:
    """A data file shipped in the package (e.g. ``example_context.json``)."""
    return resources.files(PROFILES_PACKAGE).joinpath(name)
