"""StructuredReport + SemdContext → СЭМД «Протокол инструментального исследования» (Ред.4).

Built with lxml element calls only, so any dictated text is escaped by the serialiser;
characters XML 1.0 cannot carry (control characters, lone surrogates) are dropped first.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from lxml import etree

from semd_templates import Template, get_template
from structuring import semd_codes as codes
from structuring.context import Address, CodedValue, PersonName, SemdContext
from structuring.report import StructuredReport

HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
IDENTITY = "urn:hl7-ru:identity"
ADDRESS = "urn:hl7-ru:address"
MEDSERVICE = "urn:hl7-ru:medService"
FIAS = "urn:hl7-ru:fias"
NSMAP: dict[str | None, str] = {
    None: HL7,
    "xsi": XSI,
    "identity": IDENTITY,
    "address": ADDRESS,
    "medService": MEDSERVICE,
    "fias": FIAS,
}
# Suggestions below this confidence stay out of the coded diagnosis (nullFlavor instead).
MIN_ICD_CONFIDENCE = 0.6

_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class SemdContentError(ValueError):
    """The report lacks what the СЭМД requires (e.g. an empty conclusion)."""


def xml_safe(text: str) -> str:
    """Text with the characters XML 1.0 forbids removed (lxml escapes the rest)."""
    return _NOT_XML_RE.sub("", text)


def _el(
    parent: etree._Element, tag: str, ns: str = HL7, text: str | None = None, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def _coded(
    parent: etree._Element,
    tag: str,
    system: str,
    code: str,
    name: str,
    *,
    version: str | None = None,
    ns: str = HL7,
    **extra: str,
) -> etree._Element:
    system_name, default_version = codes.CODE_SYSTEMS[system]
    return _el(
        parent,
        tag,
        ns,
        code=code,
        codeSystem=system,
        codeSystemName=system_name,
        codeSystemVersion=version or default_version,
        displayName=xml_safe(name),
        **extra,
    )


def _coded_value(
    parent: etree._Element, tag: str, system: str, value: CodedValue, ns: str = HL7
) -> etree._Element:
    return _coded(parent, tag, system, value.code, value.name, version=value.version, ns=ns)


def _ts(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return moment.strftime("%Y%m%d%H%M%z")
    return moment.strftime("%Y%m%d")


class _Roots:
    """OIDs of the МИС branch: <organisation>.100.<system>.<instance>.<kind>."""

    def __init__(self, context: SemdContext) -> None:
        mis = context.mis
        self.base = f"{context.organization.oid}.100.{mis.system_number}.{mis.instance_number}"

    def __call__(self, kind: int) -> str:
        return f"{self.base}.{kind}"


def build_semd(report: StructuredReport, context: SemdContext) -> bytes:
    """The СЭМД as UTF-8 bytes (XML declaration, no BOM, no schemaLocation)."""
    if not report.findings.strip():
        raise SemdContentError("the СЭМД needs findings («Описание», RESINFO 1805): none dictated")
    if not report.conclusion.strip():
        raise SemdContentError(
            "the СЭМД needs a conclusion («Заключение», RESINFO 1806): none dictated"
        )
    template = get_template(report.template_id)
    study_code = _study_code(report, template, context)
    roots = _Roots(context)
    # lxml-stubs type nsmap without the None key that declares the default namespace.
    doc = etree.Element(f"{{{HL7}}}ClinicalDocument", nsmap=NSMAP)  # type: ignore[arg-type]
    _header(doc, report, template, context, roots)
    body = _el(_el(doc, "component"), "structuredBody")
    _docinfo(body, report, context, study_code)
    if report.anatomy is not None:
        _objectinfo(body, report)
    _resinfo(body, report, context, roots)
    return etree.tostring(doc, xml_declaration=True, encoding="UTF-8")


def _study_code(report: StructuredReport, template: Template, context: SemdContext) -> CodedValue:
    if context.study.code is not None:
        return context.study.code
    known = next((s for s in template.study_codes if s.modality == report.modality), None)
    if known is None:
        raise SemdContentError(
            "context.study.code is required: the ФСИДИ (1.2.643.5.1.13.13.11.1471) code of the "
            f"ordered study; template {template.id!r} knows none for {report.modality!r}"
        )
    return CodedValue(code=known.code, name=known.name, version=known.version)


# --- header -----------------------------------------------------------------------------


def _header(
    doc: etree._Element,
    report: StructuredReport,
    template: Template,
    context: SemdContext,
    roots: _Roots,
) -> None:
    _el(doc, "realmCode", code="RU")
    _el(doc, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_MT000040")
    _el(doc, "templateId", root=codes.TEMPLATE_ID)
    _el(doc, "id", root=roots(51), extension=context.document_id)
    _coded(doc, "code", "1.2.643.5.1.13.13.11.1522", *codes.DOC_KIND)
    _el(doc, "title", text=f"{codes.DOC_KIND[1]}: {report.title or template.title}")
    _el(doc, "effectiveTime", value=_ts(context.created_at))
    _coded(doc, "confidentialityCode", "1.2.643.5.1.13.13.99.2.285", *codes.CONFIDENTIALITY)
    _el(doc, "languageCode", code="ru-RU")
    _el(doc, "setId", root=roots(50), extension=context.set_id or context.document_id)
    _el(doc, "versionNumber", value=str(context.version_number))
    _record_target(doc, context, roots)
    _author(doc, context, roots)
    _custodian(doc, context)
    recipient = _el(
        _el(_el(doc, "informationRecipient"), "intendedRecipient"), "receivedOrganization"
    )
    _el(recipient, "id", root=codes.MINZDRAV_OID)
    _el(recipient, "name", text="Министерство здравоохранения Российской Федерации")
    _legal_authenticator(doc, context, roots)
    _documentation_of(doc, context, roots)
    _component_of(doc, context, roots)


def _address(parent: etree._Element, address: Address, patient: bool = False) -> None:
    addr = _el(parent, "addr")
    if patient:
        _coded(addr, "Type", "1.2.643.5.1.13.13.11.1504", *codes.ADDRESS_TYPE, ns=ADDRESS)
    _el(addr, "streetAddressLine", text=address.street_line)
    _coded_value(addr, "stateCode", "1.2.643.5.1.13.13.99.2.206", address.region, ns=ADDRESS)
    _el(addr, "postalCode", text=address.postal_code)
    fias = _el(addr, "Address", FIAS)
    _el(fias, "AOGUID", FIAS, text=str(address.aoguid))
    if address.houseguid is not None:
        _el(fias, "HOUSEGUID", FIAS, text=str(address.houseguid))


def _name(parent: etree._Element, name: PersonName) -> None:
    element = _el(parent, "name")
    _el(element, "family", text=name.family)
    _el(element, "given", text=name.given)
    if name.patronymic:
        _el(element, "Patronymic", IDENTITY, text=name.patronymic)


def _organization(
    parent: etree._Element, tag: str, context: SemdContext, with_props: bool = False, **attrs: str
) -> etree._Element:
    org = context.organization
    element = _el(parent, tag, **attrs)
    _el(element, "id", root=org.oid)
    if with_props:
        if org.license_number and org.license_issuer:
            _el(
                element,
                "id",
                root=codes.LICENSE_OID,
                extension=org.license_number,
                assigningAuthorityName=xml_safe(org.license_issuer),
            )
        props = _el(element, "Props", IDENTITY)
        if org.ogrn:
            _el(props, "Ogrn", IDENTITY, text=org.ogrn)
    _el(element, "name", text=org.name)
    if org.phone:
        _el(element, "telecom", value=org.phone, use="WP")
    _address(element, org.address)
    return element


def _record_target(doc: etree._Element, context: SemdContext, roots: _Roots) -> None:
    patient = context.patient
    role = _el(_el(doc, "recordTarget"), "patientRole")
    _el(role, "id", root=roots(10), extension=patient.mis_id)
    _el(role, "id", root=codes.SNILS_OID, extension=patient.snils)
    document = patient.identity_document
    identity = _el(role, "IdentityDoc", IDENTITY)
    _coded_value(
        identity, "IdentityCardType", "1.2.643.5.1.13.13.99.2.48", document.type, ns=IDENTITY
    )
    _el(identity, "Series", IDENTITY, text=document.series)
    _el(identity, "Number", IDENTITY, text=document.number)
    _el(identity, "IssueOrgName", IDENTITY, text=document.issued_by)
    _el(identity, "IssueOrgCode", IDENTITY, text=document.issuer_code)
    _el(identity, "IssueDate", IDENTITY, value=_ts(document.issue_date))
    policy = patient.insurance_policy
    insurance = _el(role, "InsurancePolicy", IDENTITY)
    _coded_value(
        insurance, "InsurancePolicyType", "1.2.643.5.1.13.13.11.1035", policy.type, ns=IDENTITY
    )
    if policy.series:
        _el(insurance, "Series", IDENTITY, text=policy.series)
    _el(insurance, "Number", IDENTITY, text=policy.number)
    _address(role, patient.address, patient=True)
    person = _el(role, "patient")
    _name(person, patient.name)
    _coded(
        person,
        "administrativeGenderCode",
        "1.2.643.5.1.13.13.11.1040",
        *codes.GENDER[patient.gender],
    )
    _el(person, "birthTime", value=_ts(patient.birth_date))
    _organization(role, "providerOrganization", context, with_props=True)


def _assigned(
    parent: etree._Element,
    tag: str,
    context: SemdContext,
    roots: _Roots,
    with_organization: bool = True,
) -> None:
    author = context.author
    entity = _el(parent, tag)
    _el(entity, "id", root=roots(70), extension=author.mis_id)
    _el(entity, "id", root=codes.SNILS_OID, extension=author.snils)
    _coded_value(entity, "code", "1.2.643.5.1.13.13.11.1002", author.position)
    if author.phone:
        _el(entity, "telecom", value=author.phone, use="WP")
    _name(_el(entity, "assignedPerson"), author.name)
    if with_organization:
        _organization(entity, "representedOrganization", context, classCode="ORG")


def _author(doc: etree._Element, context: SemdContext, roots: _Roots) -> None:
    author = _el(doc, "author")
    _el(author, "time", nullFlavor="NI")
    _assigned(author, "assignedAuthor", context, roots)


def _custodian(doc: etree._Element, context: SemdContext) -> None:
    assigned = _el(_el(doc, "custodian"), "assignedCustodian")
    _organization(assigned, "representedCustodianOrganization", context, classCode="ORG")


def _legal_authenticator(doc: etree._Element, context: SemdContext, roots: _Roots) -> None:
    legal = _el(doc, "legalAuthenticator")
    _el(legal, "time", nullFlavor="NI")
    _el(legal, "signatureCode", nullFlavor="NI")
    _assigned(legal, "assignedEntity", context, roots)


def _documentation_of(doc: etree._Element, context: SemdContext, roots: _Roots) -> None:
    event = _el(_el(doc, "documentationOf"), "serviceEvent")
    _coded(event, "code", "1.2.643.5.1.13.13.99.2.726", *codes.SERVICE_EVENT)
    period = _el(event, "effectiveTime")
    _el(period, "low", value=_ts(context.study.performed_at))
    if context.study.finished_at is not None:
        _el(period, "high", value=_ts(context.study.finished_at))
    service = context.service
    _coded_value(event, "serviceForm", "1.2.643.5.1.13.13.11.1551", service.form, MEDSERVICE)
    if service.type is not None:
        _coded_value(event, "serviceType", "1.2.643.5.1.13.13.11.1034", service.type, MEDSERVICE)
    _coded_value(event, "serviceCond", "1.2.643.5.1.13.13.99.2.322", service.condition, MEDSERVICE)
    performer = _el(event, "performer", typeCode="PPRF")
    _assigned(performer, "assignedEntity", context, roots)


def _component_of(doc: etree._Element, context: SemdContext, roots: _Roots) -> None:
    encounter = context.encounter
    element = _el(_el(doc, "componentOf"), "encompassingEncounter")
    _el(element, "id", root=roots(15), extension=encounter.case_id)
    _coded_value(element, "code", "1.2.643.5.1.13.13.99.2.723", encounter.card_type)
    period = _el(element, "effectiveTime")
    _el(period, "low", value=_ts(encounter.started_at))


# --- body -------------------------------------------------------------------------------


def _section(body: etree._Element, code: str, paragraphs: list[str]) -> etree._Element:
    section = _el(_el(body, "component"), "section")
    _coded(section, "code", "1.2.643.5.1.13.13.99.2.197", code, codes.SECTION_NAMES[code])
    _el(section, "title", text=codes.SECTION_NAMES[code])
    text = _el(section, "text")
    for paragraph in paragraphs:
        _el(text, "paragraph", text=paragraph)
    return section


def _observation(
    parent: etree._Element, field_code: str, *, relationship: bool = False
) -> etree._Element:
    holder = (
        _el(parent, "entryRelationship", typeCode="COMP") if relationship else _el(parent, "entry")
    )
    observation = _el(holder, "observation", classCode="OBS", moodCode="EVN")
    _coded(
        observation, "code", "1.2.643.5.1.13.13.99.2.166", field_code, codes.FIELD_NAMES[field_code]
    )
    return observation


def _value(observation: etree._Element, xsi_type: str, **attrs: str) -> etree._Element:
    value = _el(observation, "value", **attrs)
    value.set(f"{{{XSI}}}type", xsi_type)
    return value


def _coded_observation(
    parent: etree._Element,
    field_code: str,
    system: str,
    value: CodedValue,
    *,
    relationship: bool = False,
) -> etree._Element:
    observation = _observation(parent, field_code, relationship=relationship)
    system_name, version = codes.CODE_SYSTEMS[system]
    _value(
        observation,
        "CD",
        code=value.code,
        codeSystem=system,
        codeSystemName=system_name,
        codeSystemVersion=value.version or version,
        displayName=xml_safe(value.name),
    )
    return observation


def _text_observation(parent: etree._Element, field_code: str, text: str) -> None:
    _value(_observation(parent, field_code), "ST").text = xml_safe(text)


def _docinfo(
    body: etree._Element, report: StructuredReport, context: SemdContext, study_code: CodedValue
) -> None:
    study = context.study
    icd = report.icd10 if report.icd10 and report.icd10.confidence >= MIN_ICD_CONFIDENCE else None
    lines = [
        f"Обращение: {study.visit_kind.name}.",
        f"Место проведения: {study.place.name}.",
        f"Исследование: {study_code.name}; модальность: {report.modality}; "
        f"область: {report.area}; контрастирование: {'да' if report.contrast else 'нет'}.",
        f"Диагноз: {icd.code} {icd.name}." if icd else "Диагноз: не кодирован.",
    ]
    if report.dose_msv is not None:
        lines.append(f"Лучевая нагрузка: {report.dose_msv:g} мЗв.")
    section = _section(body, "DOCINFO", lines)
    _coded_observation(section, "800", "1.2.643.5.1.13.13.11.1007", study.visit_kind)
    _coded_observation(section, "801", "1.2.643.5.1.13.13.11.1008", study.place)
    if icd is not None:
        _coded_observation(
            section, "838", "1.2.643.5.1.13.13.11.1005", CodedValue(code=icd.code, name=icd.name)
        )
    else:
        # The diagnosis entry is mandatory; an unsure suggestion is not written as a code.
        _value(_observation(section, "838"), "CD", nullFlavor="NI")
    act = _el(_el(section, "entry"), "act", classCode="ACT", moodCode="EVN")
    _coded_value(act, "code", "1.2.643.5.1.13.13.11.1471", study_code)
    period = _el(act, "effectiveTime")
    _el(period, "low", value=_ts(study.performed_at))
    if study.finished_at is not None:
        _el(period, "high", value=_ts(study.finished_at))
    if report.dose_msv is not None and study.dose_unit is not None:
        dose = _observation(act, "4159", relationship=True)
        value = _value(dose, "PQ", value=f"{report.dose_msv:g}", unit="мЗв")
        system_name, version = codes.CODE_SYSTEMS["1.2.643.5.1.13.13.11.1358"]
        _el(
            value,
            "translation",
            value=f"{report.dose_msv:g}",
            code=study.dose_unit.code,
            codeSystem="1.2.643.5.1.13.13.11.1358",
            codeSystemName=system_name,
            codeSystemVersion=study.dose_unit.version or version,
            displayName=xml_safe(study.dose_unit.name),
        )


def _objectinfo(body: etree._Element, report: StructuredReport) -> None:
    assert report.anatomy is not None
    side = codes.LATERALITY_CODES.get(report.laterality)
    lines = [
        f"Анатомическая локализация: {report.anatomy.name}.",
        f"Латеральность: {side[1] if side else 'не применимо'}.",
    ]
    section = _section(body, "OBJECTINFO", lines)
    anatomy = _coded_observation(
        section,
        "8037",
        "1.2.643.5.1.13.13.11.1477",
        CodedValue(code=report.anatomy.code, name=report.anatomy.name),
    )
    if side is not None:
        _coded_observation(
            anatomy,
            "6034",
            "1.2.643.5.1.13.13.99.2.778",
            CodedValue(code=side[0], name=side[1]),
            relationship=True,
        )
    else:
        _value(_observation(anatomy, "6034", relationship=True), "CD", nullFlavor="NA")


def _resinfo(
    body: etree._Element, report: StructuredReport, context: SemdContext, roots: _Roots
) -> None:
    lines = [f"Описание: {report.findings}", f"Заключение: {report.conclusion}"]
    if report.recommendations.strip():
        lines.append(f"Рекомендации: {report.recommendations}")
    section = _section(body, "RESINFO", lines)
    _text_observation(section, "8024", context.study.protocol_number)
    _text_observation(section, "1805", report.findings)
    _text_observation(section, "1806", report.conclusion)
    if report.recommendations.strip():
        _text_observation(section, "807", report.recommendations)
    for index, pathology in enumerate(report.pathologies, start=1):
        observation = _observation(section, "808")
        # id must precede code in the observation.
        observation.insert(
            0,
            etree.Element(
                f"{{{HL7}}}id", root=roots(52), extension=f"{context.document_id}.{index}"
            ),
        )
        _coded_value_into(observation, pathology.code, pathology.name)


def _coded_value_into(observation: etree._Element, code: str, name: str) -> None:
    system = "1.2.643.5.1.13.13.11.1473"
    system_name, version = codes.CODE_SYSTEMS[system]
    _value(
        observation,
        "CD",
        code=code,
        codeSystem=system,
        codeSystemName=system_name,
        codeSystemVersion=version,
        displayName=xml_safe(name),
    )
