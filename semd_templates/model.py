"""The open integration profile: one template per study kind, validated with pydantic.

A template is data (``profiles/*.json``); this model is its contract. A МИС reads the same
JSON from ``GET /v1/profiles/{id}`` to build its form and to know where each field lands in
the СЭМД «Протокол инструментального исследования» (РЭМД 174, Ред.4).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

OID_PATTERN = r"^[0-2](\.(0|[1-9][0-9]*))+$"

SemdSection = Literal["DOCINFO", "OBJECTINFO", "RESINFO"]
FieldType = Literal["text", "coded", "boolean", "integer", "quantity", "measurements"]
Modality = Literal["КТ", "МРТ", "рентгенография", "флюорография", "маммография", "УЗИ"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SemdBinding(Strict):
    """Where a field goes in the СЭМД body."""

    section: SemdSection
    entry_code: str | None = Field(
        default=None,
        description="Code of the entry from 1.2.643.5.1.13.13.99.2.166 (e.g. 1805, 1806, 807, "
        "838, 4159, 8037, 6034, 808); null for the study act coded from ФСИДИ 11.1471.",
    )
    code_system: str = Field(default="1.2.643.5.1.13.13.99.2.166", pattern=OID_PATTERN)
    value_type: Literal["ST", "CD", "PQ"] = "ST"
    parent_entry_code: str | None = Field(
        default=None, description="Entry that holds this one (6034 sits under 8037)."
    )


class FieldSpec(Strict):
    """One field of a template, as the МИС form shows it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1, description="Russian label for the form")
    type: FieldType
    required: bool = False
    value_set: str | None = Field(
        default=None,
        pattern=OID_PATTERN,
        description="OID of the FNSI directory the value is coded from, when coded",
    )
    unit: str | None = None
    semd: SemdBinding | None = Field(
        default=None, description="СЭМД binding; null when the field lives in narrative only"
    )


class StudyCode(Strict):
    """A ФСИДИ (1.2.643.5.1.13.13.11.1471) code known for a modality of this template."""

    modality: Modality
    code: str
    name: str
    version: str
    source: str


class AnatomyCode(Strict):
    """Default anatomy (1.2.643.5.1.13.13.11.1477) when the text names no better one."""

    code: str
    name: str


class Detection(Strict):
    """How the template is recognised from the dictated title."""

    modalities: list[Modality] = Field(min_length=1)
    regions: list[str] = Field(min_length=1)


class Template(Strict):
    """One study kind: its fields and their СЭМД bindings."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    document_type: str = Field(
        default="174", description="РЭМД type 11.1520: Протокол инструментального исследования"
    )
    default_modality: Modality
    default_area: str
    anatomy: AnatomyCode | None = Field(
        default=None, description="null when the anatomy depends on the dictated area"
    )
    detect: Detection
    study_codes: list[StudyCode] = Field(default_factory=list)
    fields: list[FieldSpec] = Field(min_length=1)

    @field_validator("fields")
    @classmethod
    def _unique_field_ids(cls, fields: list[FieldSpec]) -> list[FieldSpec]:
        ids = [f.id for f in fields]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate field ids: {', '.join(duplicates)}")
        for spec in fields:
            if spec.type == "coded" and spec.value_set is None:
                raise ValueError(f"coded field {spec.id!r} needs a value_set OID")
        return fields

    def field(self, field_id: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.id == field_id), None)
