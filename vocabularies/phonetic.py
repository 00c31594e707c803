"""A coarse Russian phonetic key: what Whisper confuses (reduced vowels, voicing, «сч» for
«щ») maps alike.

«нижнедолевой» and «нижне далевой» share a key; fuzzy matching then compares keys.
"""

from __future__ import annotations

from functools import lru_cache

_VOWELS = str.maketrans(
    {"о": "а", "ы": "и", "е": "и", "э": "и", "я": "а", "ю": "у", "й": "и", "ё": "и"}
)
_DEVOICE = str.maketrans({"б": "п", "в": "ф", "г": "к", "д": "т", "ж": "ш", "з": "с", "щ": "ш"})


@lru_cache(maxsize=65536)
def phonetic_key(text: str) -> str:
    key = text.lower().replace("ь", "").replace("ъ", "").replace("-", "").replace(" ", "")
    # «сч», «зч» are pronounced «щ» («счётовидной» is heard «щитовидной»)
    key = key.replace("сч", "щ").replace("зч", "щ")
    key = key.translate(_VOWELS).translate(_DEVOICE).replace("тс", "ц")
    collapsed: list[str] = []
    for char in key:
        if not collapsed or collapsed[-1] != char:
            collapsed.append(char)
    return "".join(collapsed)
