"""A short Whisper context prompt per template and specialty.

Whisper continues the style of the text before a window: a prompt written like the opening of a
normal report («… Описание. … Заключение.») with the key terms of the study makes the model spell
those terms and the section markers the way a report does. A bare list of terms does not read
like speech and makes the model copy it; a long prompt costs decoding time and invites
hallucination. So each prompt is one natural normal-findings paragraph of about 30 words,
written for the study type, not taken from any dictation (see docs/dictionaries.md for the
measured effect).
"""

from __future__ import annotations

from vocabularies.specialties import resolve_specialty

MAX_PROMPT_CHARS = 400
"""About 150-200 Whisper tokens of Russian text; Whisper keeps at most 223 prompt tokens."""

TEMPLATE_PROMPTS: dict[str, str] = {
    "ct_chest": (
        "Компьютерная томография органов грудной клетки. Описание. Лёгочные поля без очаговых "
        "и инфильтративных изменений, бронхи проходимы, внутригрудные лимфатические узлы не "
        "увеличены, плевральные полости свободны. Заключение."
    ),
    "ct_head": (
        "Компьютерная томография головного мозга. Описание. Срединные структуры не смещены, "
        "желудочковая система не расширена, субарахноидальные пространства и базальные ядра "
        "без особенностей, костно-травматических изменений нет. Заключение."
    ),
    "ct_abdomen": (
        "Компьютерная томография органов брюшной полости. Описание. Печень, селезёнка и "
        "поджелудочная железа обычных размеров, внутрипечёночные желчные протоки не расширены, "
        "забрюшинные лимфатические узлы не увеличены. Заключение."
    ),
    "mri_brain": (
        "Магнитно-резонансная томография головного мозга. Описание. В режимах T1, T2, FLAIR и "
        "DWI очаговых изменений вещества мозга не выявлено, желудочки не расширены, гипофиз "
        "обычной формы. Заключение."
    ),
    "mri_spine": (
        "Магнитно-резонансная томография позвоночника. Описание. Физиологический лордоз "
        "сохранён, высота межпозвонковых дисков не снижена, сигнал дисков в режиме T2 обычный, "
        "позвоночный канал и дуральный мешок не сужены. Заключение."
    ),
    "mri_joint": (
        "Магнитно-резонансная томография сустава. Описание. Суставные поверхности конгруэнтны, "
        "мениски, крестообразные связки и сухожилия вращательной манжеты прослеживаются на "
        "всём протяжении, выпота и отёка костного мозга нет. Заключение."
    ),
    "xray_chest": (
        "Рентгенография органов грудной клетки в прямой проекции. Описание. Лёгочные поля без "
        "очаговых и инфильтративных теней, корни структурны, синусы свободны, тень "
        "средостения не расширена. Заключение."
    ),
    "xray_bone": (
        "Рентгенография сустава в двух проекциях. Описание. Костно-травматических изменений "
        "не выявлено, суставная щель не сужена, кортикальный слой ровный, остеофитов и "
        "смещения отломков нет. Заключение."
    ),
    "mammography": (
        "Маммография обеих молочных желёз в двух проекциях. Описание. Тип плотности B, узловых "
        "образований, микрокальцинатов и зон перестройки структуры не выявлено, подмышечные "
        "лимфатические узлы не увеличены. Заключение. BI-RADS 1."
    ),
    "us_abdomen": (
        "Ультразвуковое исследование органов брюшной полости. Описание. Печень не увеличена, "
        "эхоструктура однородная, желчный пузырь без конкрементов, холедох не расширен, "
        "селезёнка обычных размеров. Заключение."
    ),
    "us_kidney": (
        "Ультразвуковое исследование почек. Описание. Почки обычного положения и размеров, "
        "паренхима не истончена, чашечно-лоханочная система не расширена, конкрементов нет. "
        "Заключение."
    ),
    "us_thyroid": (
        "Ультразвуковое исследование щитовидной железы. Описание. Контуры ровные, эхогенность "
        "обычная, узловых образований нет, при ЦДК кровоток не усилен, регионарные "
        "лимфатические узлы не увеличены. Заключение. TI-RADS 1."
    ),
}
"""Prompts for the report templates; a template id may extend a key (``ct_chest_contrast``)."""

SPECIALTY_PROMPTS: dict[str, str] = {
    "ct": (
        "Компьютерная томография. Описание. Очаговых и инфильтративных изменений не выявлено, "
        "лимфатические узлы не увеличены, плотность в единицах Хаунсфилда. Заключение."
    ),
    "mri": (
        "Магнитно-резонансная томография. Описание. В режимах T1, T2 и FLAIR патологических "
        "изменений сигнала не выявлено, диффузия не ограничена. Заключение."
    ),
    "xray": TEMPLATE_PROMPTS["xray_chest"],
    "mammography": TEMPLATE_PROMPTS["mammography"],
    "ultrasound": (
        "Ультразвуковое исследование. Описание. Контуры ровные, эхоструктура однородная, "
        "эхогенность обычная, при ЦДК кровоток не усилен, конкрементов нет. Заключение."
    ),
    "neuroradiology": TEMPLATE_PROMPTS["mri_brain"],
    "pulmonology": TEMPLATE_PROMPTS["ct_chest"],
    "trauma_orthopedics": TEMPLATE_PROMPTS["xray_bone"],
    "urology": TEMPLATE_PROMPTS["us_kidney"],
    "cardiology": (
        "Компьютерная томография сердца и аорты. Описание. Камеры сердца не расширены, "
        "коронарные артерии без кальциноза, аорта не расширена. Заключение."
    ),
    "oncology": (
        "Компьютерная томография. Описание. Очаговых образований не выявлено, лимфатические "
        "узлы не увеличены, признаков метастатического поражения нет. Заключение."
    ),
    "general": (
        "Протокол лучевого исследования: компьютерная томография, МРТ, рентгенография, УЗИ. "
        "Описание. Патологических изменений не выявлено, лимфатические узлы не увеличены. "
        "Заключение. Рекомендации."
    ),
}
"""Used when the template is unknown: the specialty's prompt, else the general radiology one."""


def prompt_for(specialty: str | None, template_id: str | None = None) -> str:
    """The session's context prompt: the template's own when known, else the specialty's."""
    if template_id:
        for key in sorted(TEMPLATE_PROMPTS, key=len, reverse=True):
            if template_id.startswith(key):
                return TEMPLATE_PROMPTS[key]
    if specialty is None and template_id is None:
        return SPECIALTY_PROMPTS["general"]
    return SPECIALTY_PROMPTS[resolve_specialty(specialty, template_id)]
