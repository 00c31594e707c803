"""Modality, examined area and template from the dictated study title.

The area vocabulary maps the grammatical forms a title uses («органов грудной клетки»,
«левого коленного сустава») to the nominative area the corpus and the МИС expect, to a body
region used for template detection and to the anatomy code of 1.2.643.5.1.13.13.11.1477.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from semd_templates import Template, list_templates
from structuring.area_phrase import title_area

# Order matters only for overlapping words: the earliest match in the text wins.
_MODALITY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("КТ", re.compile(r"компьютерн\w*[ -]томограф\w*|\bМСКТ\b|\bКТ\b", re.IGNORECASE)),
    ("МРТ", re.compile(r"магнитно-резонансн\w*|\bМРТ\b|\bМР-?томограф\w*", re.IGNORECASE)),
    ("маммография", re.compile(r"маммограф\w*", re.IGNORECASE)),
    ("флюорография", re.compile(r"флюорограф\w*", re.IGNORECASE)),
    ("рентгенография", re.compile(r"рентгенограф\w*|рентгеноскоп\w*", re.IGNORECASE)),
    ("УЗИ", re.compile(r"ультразвуков\w*|\bУЗИ\b|сонограф\w*|эхограф\w*", re.IGNORECASE)),
)

_ADJ = r"\w*"  # any case ending


@dataclass(frozen=True)
class AreaTerm:
    area: str
    pattern: re.Pattern[str]
    region: str
    anatomy_code: str | None


def _term(area: str, pattern: str, region: str, anatomy_code: str | None) -> AreaTerm:
    return AreaTerm(
        area, re.compile(_spaced_compounds(pattern), re.IGNORECASE), region, anatomy_code
    )


def _spaced_compounds(pattern: str) -> str:
    """A hyphenated compound also as two words or one: recognised speech does not hear the
    hyphen («пояснично крестцового отдела»)."""
    return re.sub(r"(?<=[а-яё])-(?=[а-яё])", r"[-\\s]?", pattern)


AREA_TERMS: tuple[AreaTerm, ...] = (
    _term(
        "органы грудной клетки",
        rf"(?:орган{_ADJ} )?грудной клетки|легк{_ADJ}|лёгк{_ADJ}",
        "chest",
        "168",
    ),
    _term("органы брюшной полости", rf"(?:орган{_ADJ} )?брюшной полости", "abdomen", "11"),
    _term("органы малого таза", rf"(?:орган{_ADJ} )?малого таза", "pelvis", None),
    _term("забрюшинное пространство", rf"забрюшинн{_ADJ} пространств{_ADJ}", "abdomen", "34"),
    _term("головной мозг", rf"головн{_ADJ} мозг{_ADJ}", "head", "24"),
    _term("гипофиз", rf"гипофиз{_ADJ}", "head", "20"),
    _term("кости черепа", rf"(?:кост{_ADJ} )?череп{_ADJ}", "head", "105"),
    _term("придаточные пазухи носа", rf"(?:придаточн{_ADJ} )?пазух{_ADJ} носа", "head", None),
    _term(
        "шейный отдел позвоночника", rf"шейн{_ADJ} отдел{_ADJ} позвоночник{_ADJ}", "spine", "106"
    ),
    _term(
        "грудной отдел позвоночника", rf"грудн{_ADJ} отдел{_ADJ} позвоночник{_ADJ}", "spine", "27"
    ),
    _term(
        "пояснично-крестцовый отдел позвоночника",
        rf"пояснично-крестцов{_ADJ} отдел{_ADJ} позвоночник{_ADJ}",
        "spine",
        "72",
    ),
    _term(
        "поясничный отдел позвоночника",
        rf"поясничн{_ADJ} отдел{_ADJ} позвоночник{_ADJ}",
        "spine",
        "72",
    ),
    _term("позвоночник", rf"позвоночник{_ADJ}", "spine", "67"),
    _term("коленный сустав", rf"коленн{_ADJ} сустав{_ADJ}", "joint", "38"),
    _term("плечевой сустав", rf"плечев{_ADJ} сустав{_ADJ}", "joint", "64"),
    _term("тазобедренный сустав", rf"тазобедренн{_ADJ} сустав{_ADJ}", "joint", "98"),
    _term("голеностопный сустав", rf"голеностопн{_ADJ} сустав{_ADJ}", "joint", "22"),
    _term("локтевой сустав", rf"локтев{_ADJ} сустав{_ADJ}", "joint", "45"),
    _term("лучезапястный сустав", rf"лучезапястн{_ADJ} сустав{_ADJ}", "joint", "46"),
    _term("кисть", r"\bкист(?:ь|и|ей|ям)\b", "bone", "1107"),
    _term("стопа", r"\bстоп(?:а|ы|е|у|ой)\b", "bone", "1123"),
    _term("голень", r"\bголен(?:ь|и|ей)\b", "bone", "23"),
    _term("кости таза", rf"(?:кост{_ADJ} )?таза\b", "bone", None),
    _term("молочные железы", rf"молочн{_ADJ} желез{_ADJ}|молочн{_ADJ} желёз{_ADJ}", "breast", "48"),
    _term("почки", r"\bпоч(?:ка|ки|ек|кам|ке|ку|кой)\b", "kidney", "70"),
    _term("щитовидная железа", rf"щитовидн{_ADJ} желез{_ADJ}", "thyroid", "108"),
    _term("печень", r"\bпечен(?:ь|и)\b", "abdomen", "62"),
)


def detect_modality(text: str) -> str | None:
    """The modality named earliest in ``text``, or None."""
    best: tuple[int, str] | None = None
    for modality, pattern in _MODALITY_PATTERNS:
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), modality)
    return best[1] if best else None


def detect_area(text: str) -> AreaTerm | None:
    """The area named earliest in ``text`` (the title names the study area first)."""
    best: tuple[int, int, AreaTerm] | None = None
    for index, term in enumerate(AREA_TERMS):
        match = term.pattern.search(text)
        # Earliest match wins; on a tie the more specific (earlier listed) term.
        if match and (best is None or (match.start(), index) < (best[0], best[1])):
            best = (match.start(), index, term)
    return best[2] if best else None


def area_name(title: str, term: AreaTerm | None, default: str) -> str:
    """The area field: the vocabulary's name when the title's phrase starts with it
    («тазобедренных суставов» → «тазобедренный сустав»), else the title's own phrase in the
    nominative («грудной аорты» → «грудная аорта»), else ``term``'s area or ``default``."""
    phrase = title_area(title)
    if phrase is None:
        return term.area if term else default
    name, source = phrase
    known = term.pattern.search(source) if term else None
    if term is not None and (known is None or known.start() == 0):
        # What follows a known area is another area or, in recognised speech, noise
        # («органов грудной клетки бесконтрастного усиления»); only words before it
        # («грудного и поясничного отделов», «грудо|поясничного») make it another area.
        return term.area
    return name


ANY_REGION = "any"
"""A template for its modality's other areas (``ct_other`` …): chosen when the title names an
area no specific template covers («КТ височных костей», «УЗИ вен нижних конечностей»)."""


def detect_template(
    modality: str | None, area: AreaTerm | None, *, area_named: bool = False
) -> Template | None:
    """The template whose modalities and regions fit; modality alone decides mammography; a
    named area no specific template covers gets its modality's general template."""
    if modality is None:
        return None
    candidates = [t for t in list_templates() if modality in t.detect.modalities]
    specific = [t for t in candidates if ANY_REGION not in t.detect.regions]
    if area is not None:
        fitting = [t for t in specific if area.region in t.detect.regions]
        if fitting:
            # Templates list their primary region first.
            return min(fitting, key=lambda t: t.detect.regions.index(area.region))
    if len(specific) == 1:
        return specific[0]
    general = [t for t in candidates if ANY_REGION in t.detect.regions]
    return general[0] if general and (area is not None or area_named) else None
