"""Which dictionaries a specialty (or a template) activates."""

from __future__ import annotations

# Cross-cutting dictionaries active for every specialty.
COMMON: tuple[str, ...] = ("general_radiology", "abbreviations", "anatomy", "pathology", "icd10")
# Specialty → its own seed dictionaries, plus the FNSI 11.1473 methods it reads pathologies of.
SPECIALTIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "general": (
        (
            "ct",
            "mri",
            "xray",
            "mammography",
            "ultrasound",
            "neuroradiology",
            "oncology",
            "trauma_orthopedics",
            "pulmonology",
            "cardiology",
            "urology",
        ),
        (),
    ),
    "ct": (("ct", "pulmonology", "oncology", "cardiology"), ("КТ",)),
    "mri": (("mri", "neuroradiology", "trauma_orthopedics", "oncology"), ("МРТ",)),
    "xray": (("xray", "pulmonology", "trauma_orthopedics"), ("Рентген",)),
    "mammography": (("mammography", "oncology", "ultrasound"), ("Рентген", "УЗД")),
    "ultrasound": (("ultrasound", "urology", "cardiology"), ("УЗД",)),
    "neuroradiology": (("neuroradiology", "mri", "ct"), ("КТ", "МРТ")),
    "oncology": (("oncology", "ct", "mri", "pulmonology"), ()),
    "trauma_orthopedics": (("trauma_orthopedics", "xray", "mri", "ct"), ()),
    "pulmonology": (("pulmonology", "ct", "xray"), ("КТ", "Рентген")),
    "cardiology": (("cardiology", "ct", "mri", "ultrasound"), ()),
    "urology": (("urology", "ultrasound", "ct"), ("УЗД", "КТ")),
}
ALIASES: dict[str, str] = {
    "кт": "ct",
    "мрт": "mri",
    "мр": "mri",
    "рентген": "xray",
    "рентгенография": "xray",
    "флюорография": "xray",
    "маммография": "mammography",
    "узи": "ultrasound",
    "us": "ultrasound",
    "нейрорадиология": "neuroradiology",
    "онкология": "oncology",
    "травматология": "trauma_orthopedics",
    "trauma": "trauma_orthopedics",
    "пульмонология": "pulmonology",
    "кардиология": "cardiology",
    "урология": "urology",
    "neuro": "neuroradiology",
}
# Corpus template ids → specialty (the template's prefix names the modality).
TEMPLATE_PREFIXES: dict[str, str] = {
    "ct_head": "neuroradiology",
    "mri_brain": "neuroradiology",
    "mri_spine": "mri",  # the cord (neuroradiology) and the discs and vertebrae (orthopaedics)
    "mri_joint": "trauma_orthopedics",
    "xray_bone": "trauma_orthopedics",
    "ct_chest": "pulmonology",
    "xray_chest": "pulmonology",
    "us_kidney": "urology",
    "ct": "ct",
    "mri": "mri",
    "xray": "xray",
    "mammography": "mammography",
    "us": "ultrasound",
}


def resolve_specialty(specialty: str | None, template_id: str | None = None) -> str:
    """A known specialty key; the template decides when no specialty is given."""
    if specialty:
        key = specialty.strip().lower()
        key = ALIASES.get(key, key)
        if key not in SPECIALTIES:
            known = ", ".join(sorted(SPECIALTIES))
            raise ValueError(f"unknown specialty {specialty!r}; use one of: {known}")
        return key
    if template_id:
        for prefix in sorted(TEMPLATE_PREFIXES, key=len, reverse=True):
            if template_id.startswith(prefix):
                return TEMPLATE_PREFIXES[prefix]
    return "general"


def dictionary_names(specialty: str) -> tuple[str, ...]:
    own, _ = SPECIALTIES[specialty]
    return (*own, *COMMON)


def pathology_methods(specialty: str) -> tuple[str, ...]:
    return SPECIALTIES[specialty][1]
