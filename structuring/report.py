"""The structured report: what ``structure()`` returns and the API serialises."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Laterality = Literal["слева", "справа", "с двух сторон", ""]
Number = int | float


class Icd10(BaseModel):
    """A МКБ-10 suggestion for the doctor to confirm, with how sure the matcher is."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(examples=["J90"])
    name: str
    confidence: float = Field(ge=0, le=1)
    matched: str = Field(description="conclusion words the suggestion rests on")
    source: Literal["classification_name", "radiology_phrasing", "examination"]
    suspected: bool = Field(default=False, description="the conclusion only suspects it")


class Icd10Candidate(BaseModel):
    """One of the best МКБ-10 codes, best first; confidence is calibrated (0–1)."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(examples=["J18.9"])
    name: str
    confidence: float = Field(ge=0, le=1)


WarningCode = Literal[
    "laterality_conflict", "implausible_size", "category_conflict", "missing_required"
]


class ReportWarning(BaseModel):
    """A clinical consistency problem for the doctor to look at; the text is never changed."""

    model_config = ConfigDict(frozen=True)

    code: WarningCode
    field: str = Field(description="profile field id the warning is about")
    message: str = Field(description="Russian, for the doctor")


class Coded(BaseModel):
    """A value from an FNSI directory."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    code_system: str


class StructuredReport(BaseModel):
    """Fields of one dictation, keyed like the template's profile fields."""

    template_id: str
    template_detected: bool = Field(description="True when the template came from the text")
    title: str
    modality: str
    area: str
    contrast: bool
    laterality: Laterality
    findings: str
    conclusion: str
    recommendations: str
    measurements_mm: list[list[Number]]
    dose_msv: float | None = None
    icd10: Icd10 | None = Field(default=None, description="best code; null when abstaining")
    icd10_candidates: list[Icd10Candidate] = Field(
        default_factory=list, description="up to 3 МКБ-10 codes, best first"
    )
    anatomy: Coded | None = None
    pathologies: list[Coded] = Field(default_factory=list)
    birads: int | None = None
    tirads: int | None = None
    sections_named: bool = Field(description="False when sections were classified, not named")
    warnings: list[ReportWarning] = Field(default_factory=list)

    def profile_fields(self, field_ids: list[str]) -> dict[str, object]:
        """Values by profile field id (``study`` comes from the МИС context, not the text)."""
        values: dict[str, object] = self.model_dump(mode="json")
        values["pathology"] = values["pathologies"]
        return {field_id: values.get(field_id) for field_id in field_ids if field_id != "study"}
