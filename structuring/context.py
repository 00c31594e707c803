"""What the МИС supplies at session start to head a СЭМД: patient, author, organisation, OIDs.

Validated strictly so that a bad value is refused with the field's name instead of turning
into a document the РЭМД rejects: СНИЛС checksum, OID syntax, dates with a time zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from structuring.safe_text import SafeModel

OID_RE = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")
_SNILS_CHECKSUM_FROM = 1_001_998  # numbers up to 001-001-998 were issued without a checksum


def _check_oid(value: str) -> str:
    if not OID_RE.match(value):
        raise ValueError(f"{value!r} is not an OID (digits separated by dots, e.g. 1.2.643.5.1)")
    return value


def snils_checksum(first_nine: str) -> int:
    """Control number of a СНИЛС from its first nine digits (Пенсионный фонд algorithm)."""
    total = sum(int(d) * (9 - i) for i, d in enumerate(first_nine))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    remainder = total % 101
    return 0 if remainder == 100 else remainder


def _check_snils(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"\d{11}", digits):
        raise ValueError("СНИЛС must have 11 digits (e.g. 112-233-445 95)")
    if int(digits[:9]) > _SNILS_CHECKSUM_FROM and snils_checksum(digits[:9]) != int(digits[9:]):
        raise ValueError("СНИЛС checksum does not match: check the number")
    return digits


def _check_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("date-time needs a time zone offset, e.g. 2025-05-02T15:30:00+03:00")
    return value


Oid = Annotated[str, AfterValidator(_check_oid)]
Snils = Annotated[str, AfterValidator(_check_snils)]
AwareDatetime = Annotated[datetime, AfterValidator(_check_aware)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Digits = Annotated[str, StringConstraints(pattern=r"^\d+$")]


class Strict(SafeModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodedValue(Strict):
    """A code from an FNSI directory fixed by the field (the field's docs name it)."""

    code: NonEmpty
    name: NonEmpty = Field(description="displayName as in the directory")
    version: NonEmpty | None = Field(
        default=None, description="directory version; the usual one is used when omitted"
    )


class Address(Strict):
    street_line: NonEmpty
    region: CodedValue = Field(description="subject of the РФ, 1.2.643.5.1.13.13.99.2.206")
    postal_code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    aoguid: UUID = Field(description="ФИАС address object GUID")
    houseguid: UUID | None = None


class PersonName(Strict):
    family: NonEmpty
    given: NonEmpty
    patronymic: NonEmpty | None = None


class IdentityDocument(Strict):
    type: CodedValue = Field(description="1.2.643.5.1.13.13.99.2.48, e.g. 1 Паспорт гражданина РФ")
    series: NonEmpty
    number: NonEmpty
    issued_by: NonEmpty
    issuer_code: NonEmpty
    issue_date: date


class InsurancePolicy(Strict):
    type: CodedValue = Field(description="1.2.643.5.1.13.13.11.1035")
    series: NonEmpty | None = None
    number: NonEmpty


class Patient(Strict):
    mis_id: NonEmpty = Field(description="patient id in the МИС (id root …100.N.N.10)")
    snils: Snils
    name: PersonName
    gender: Literal["male", "female"]
    birth_date: date
    identity_document: IdentityDocument
    insurance_policy: InsurancePolicy
    address: Address


class Organization(Strict):
    oid: Oid = Field(description="OID of the medical organisation from ФРМО")
    name: NonEmpty
    ogrn: Annotated[str, StringConstraints(pattern=r"^\d{13}$")] | None = None
    license_number: NonEmpty | None = None
    license_issuer: NonEmpty | None = Field(
        default=None, description="licensing authority and date, shown as assigningAuthorityName"
    )
    phone: NonEmpty | None = None
    address: Address


class Mis(Strict):
    """Numbers that make the МИС OID branch: <organisation OID>.100.<system>.<instance>."""

    system_number: Annotated[int, Field(ge=0)] = 1
    instance_number: Annotated[int, Field(ge=0)] = 1


class Author(Strict):
    mis_id: NonEmpty = Field(description="employee id in the МИС (id root …100.N.N.70)")
    snils: Snils
    name: PersonName
    position: CodedValue = Field(description="1.2.643.5.1.13.13.11.1002, e.g. 60 Врач-рентгенолог")
    phone: NonEmpty | None = None


class Encounter(Strict):
    case_id: NonEmpty = Field(description="case id in the МИС (id root …100.N.N.15)")
    card_type: CodedValue = Field(
        default=CodedValue(code="1", name="Амбулаторная медицинская карта"),
        description="1.2.643.5.1.13.13.99.2.723",
    )
    started_at: AwareDatetime


class Service(Strict):
    form: CodedValue = Field(
        default=CodedValue(code="3", name="Плановая"), description="1.2.643.5.1.13.13.11.1551"
    )
    type: CodedValue | None = Field(default=None, description="1.2.643.5.1.13.13.11.1034")
    condition: CodedValue = Field(
        default=CodedValue(
            code="1",
            name="Амбулаторно (в условиях, не предусматривающих круглосуточного "
            "медицинского наблюдения и лечения)",
        ),
        description="1.2.643.5.1.13.13.99.2.322",
    )


class Study(Strict):
    code: CodedValue | None = Field(
        default=None,
        description="ФСИДИ 1.2.643.5.1.13.13.11.1471 code of the ordered study; required "
        "unless the template knows one for the modality",
    )
    performed_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    protocol_number: NonEmpty
    visit_kind: CodedValue = Field(
        default=CodedValue(code="1", name="Первичный"), description="1.2.643.5.1.13.13.11.1007"
    )
    place: CodedValue = Field(
        default=CodedValue(code="1", name="Амбулаторно-поликлиническое учреждение"),
        description="1.2.643.5.1.13.13.11.1008",
    )
    dose_unit: CodedValue | None = Field(
        default=None,
        description="1.2.643.5.1.13.13.11.1358 entry for мЗв; the dose entry 4159 is written "
        "only when it is given (the directory is not shipped)",
    )


class SemdContext(Strict):
    """Everything the СЭМД header needs; the МИС sends it when the session starts."""

    document_id: NonEmpty = Field(description="document number in the МИС (id root …100.N.N.51)")
    set_id: NonEmpty | None = Field(default=None, description="defaults to document_id")
    version_number: Annotated[int, Field(ge=1)] = 1
    created_at: AwareDatetime
    organization: Organization
    mis: Mis = Mis()
    patient: Patient
    author: Author
    encounter: Encounter
    service: Service = Service()
    study: Study
