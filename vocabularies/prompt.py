"""A short Whisper context prompt per specialty and template (Whisper keeps ≤ ~200 tokens)."""

from __future__ import annotations

from vocabularies.loader import packaged_dictionary
from vocabularies.specialties import SPECIALTIES, resolve_specialty

MAX_PROMPT_CHARS = 400
"""About 150-200 Whisper tokens of Russian text."""
_OPENINGS = {
    "ct": "Компьютерная томография.",
    "mri": "Магнитно-резонансная томография.",
    "xray": "Рентгенография органов грудной клетки.",
    "mammography": "Маммография.",
    "ultrasound": "Ультразвуковое исследование.",
    "neuroradiology": "МРТ и КТ головного мозга.",
    "pulmonology": "КТ органов грудной клетки.",
    "trauma_orthopedics": "Рентгенография, МРТ суставов.",
    "urology": "УЗИ почек.",
    "cardiology": "КТ сердца и аорты.",
    "oncology": "КТ, МРТ.",
    "general": "Протокол лучевого исследования.",
}


def prompt_for(specialty: str | None, template_id: str | None = None) -> str:
    """Opening + section words + the heaviest terms of the specialty's own dictionaries."""
    key = resolve_specialty(specialty, template_id)
    text = f"{_OPENINGS[key]} Описание. Заключение. Рекомендации."
    own = SPECIALTIES[key][0]
    terms = sorted(
        (entry for name in own for entry in packaged_dictionary(name).entries),
        key=lambda entry: -entry.weight,
    )
    seen: set[str] = set()
    for entry in terms:
        if entry.term in seen or entry.weight < 2:
            continue
        seen.add(entry.term)
        candidate = f"{text} {entry.term},"
        if len(candidate) > MAX_PROMPT_CHARS:
            break
        text = candidate
    return text.rstrip(",") + ("." if not text.endswith(".") else "")
