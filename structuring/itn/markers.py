"""Spoken section markers of a plain dictation, and the report title at the start.

A radiologist dictating without spoken punctuation says «… плевральные полости свободны,
заключение, КТ признаки …»; the report reads «… свободны. Заключение. КТ признаки …». Whisper
writes the marker as an ordinary word, often with the wrong ending or a preposition
(«в заключение», «заключения», «рекомендаций»). A section word standing at a clause start
becomes the marker sentence. The words right after a marker and at the start of the
document are the head of a noun phrase in the nominative («Рекомендации. Консультация
кардиолога», «Маммография в двух проекциях»); Whisper's unstressed endings put them in
another case («консультации кардиолога», «маммографии»), which is repaired for the study
names and «консультация» only.

Documents dictated with spoken punctuation («описание двоеточие») are left to the voice
commands.
"""

from __future__ import annotations

from typing import Any

from structuring.itn.tokens import Token, fold, punct, word
from vocabularies.lexicon import morphology as _morph

_MARKERS = {
    "описание": "Описание",
    "заключение": "Заключение",
    "заключения": "Заключение",
    "заключении": "Заключение",
    "рекомендации": "Рекомендации",
    "рекомендаций": "Рекомендации",
}
_RECOMMENDATIONS = "Рекомендации"
_STUDY_NOUNS = frozenset(
    {
        "томография",
        "маммография",
        "рентгенография",
        "флюорография",
        "рентгеноскопия",
        "ангиография",
        "денситометрия",
        "сцинтиграфия",
        "исследование",
        "сканирование",
        "эхокардиография",
    }
)
_MAX_TITLE_ADJECTIVES = 3
_BREAKS_BEFORE = frozenset({".", ",", ";", "—", "–", "-", "!", "?", "…", "..."})


def _at_clause_start(out: list[Token]) -> bool:
    return not out or out[-1].kind == "break" or out[-1].text in _BREAKS_BEFORE


def _end_sentence_before(out: list[Token]) -> None:
    """The marker starts a sentence: a clause mark before it becomes a full stop."""
    if out and out[-1].kind == "punct" and out[-1].text not in {".", "!", "?"}:
        out[-1] = punct(".")
    elif out and out[-1].kind == "word":
        out.append(punct("."))


_PREPOSITIONS = frozenset({"для", "до", "после", "без", "от", "из", "у", "около", "вместо"})


def _after_preposition(out: list[Token]) -> bool:
    """«после консультации онколога»: the genitive a preposition governs stays."""
    return bool(out) and out[-1].kind == "word" and fold(out[-1].text) in _PREPOSITIONS


def _verb_follows(tokens: list[Token], index: int) -> bool:
    while index < len(tokens) and tokens[index].kind == "punct":
        index += 1
    if index >= len(tokens) or tokens[index].kind != "word":
        return False
    tag = _morph().parse(fold(tokens[index].text))[0].tag
    return bool({"VERB", "INFN", "PRED"} & tag.grammemes)


def mark_sections(tokens: list[Token]) -> list[Token]:
    """«…, в заключение, КТ признаки …» → «…. Заключение. КТ признаки …»."""
    if any(t.dictated for t in tokens):
        return _nominative_title(tokens)
    out: list[Token] = []
    section: str | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        start = index
        if section == _RECOMMENDATIONS and not _after_preposition(out):
            # «…под контролем УЗИ, консультации онколога»: every item is a nominative
            _nominative_consultation(tokens, index)
            token = tokens[index]
        if token.kind == "word" and fold(token.text) == "в" and index + 1 < len(tokens):
            nxt = tokens[index + 1]
            if nxt.kind == "word" and fold(nxt.text) in {"заключение", "заключении"}:
                index += 1
                token = nxt
        name = _MARKERS.get(fold(token.text)) if token.kind == "word" else None
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if name is not None and start < index and _verb_follows(tokens, index + 1):
            name = None  # «В заключение хочу отметить»: the ordinary phrase
        if name is None or not _at_clause_start(out) or (following and following.text == ":"):
            out += tokens[start : index + 1]
            index += 1
            continue
        _end_sentence_before(out)
        spoken = " ".join(t.text for t in tokens[start : index + 1])
        out.append(word(name, spoken=spoken if fold(spoken) != fold(name) else ""))
        out.append(punct("."))
        section = name
        index += 1
        while index < len(tokens) and tokens[index].kind == "punct" and tokens[index].text != "(":
            index += 1  # Whisper's comma or stop after the marker
        if name == _RECOMMENDATIONS and index < len(tokens):
            _nominative_consultation(tokens, index)
    return _nominative_title(out)


_CONSULTATION = frozenset(
    {"консультации", "консультацией", "консультацию", "консультация", "консультаций"}
)
_STRAYS = frozenset({"от", "а", "я", "и", "о"})
"""A sound of «консультаци-я» heard as a word of its own («консультации от терапевта»)."""


def _nominative_consultation(tokens: list[Token], index: int) -> None:
    """«Рекомендации. Консультации (от) кардиолога» → «Консультация кардиолога»."""
    token = tokens[index]
    if token.kind != "word" or fold(token.text) not in _CONSULTATION:
        return
    following = index + 1
    stray = following + 1 < len(tokens) and fold(tokens[following].text) in _STRAYS
    if stray:
        following += 1
    if following >= len(tokens) or tokens[following].kind != "word":
        return
    if not any(
        {"gent", "NOUN", "anim"} <= p.tag.grammemes or {"gent", "ADJF"} <= p.tag.grammemes
        for p in _morph().parse(fold(tokens[following].text))
    ):
        return  # a specialist: an animate noun (or its adjective) in the genitive
    text = "Консультация" if token.text[:1].isupper() else "консультация"
    spoken = " ".join(t.text for t in tokens[index:following])
    tokens[index:following] = [token.copy(text=text, spoken=token.spoken or spoken)]


def _parse_with(word_text: str, pos: set[str], lemmas: frozenset[str] | None = None) -> Any:
    for parse in _morph().parse(fold(word_text)):
        if pos & parse.tag.grammemes and (lemmas is None or parse.normal_form in lemmas):
            return parse
    return None


def _nominative_title(tokens: list[Token]) -> list[Token]:
    """A document opening with the study name in another case: «Маммографии в двух
    проекциях» / «Компьютерной томографии органов …» → nominative singular."""
    words: list[int] = []
    noun: Any = None
    for position, token in enumerate(tokens[: _MAX_TITLE_ADJECTIVES + 1]):
        if token.kind != "word" or token.number:
            break
        words.append(position)
        noun = _parse_with(token.text, {"NOUN"}, _STUDY_NOUNS)
        if noun is not None:
            break
    if noun is None:
        return tokens
    singular = {"nomn", "sing"} <= noun.tag.grammemes or {"accs", "sing"} <= noun.tag.grammemes
    if singular and noun.word == fold(tokens[words[-1]].text):
        return tokens  # already a nominative (or identical accusative) singular
    gender = noun.tag.gender
    adjectives = [_parse_with(tokens[i].text, {"ADJF", "PRTF"}) for i in words[:-1]]
    if any(a is None for a in adjectives) or gender is None:
        return tokens
    changed = [(words[-1], noun.inflect({"nomn", "sing"}))]
    changed += [
        (i, a.inflect({"nomn", "sing", gender})) for i, a in zip(words, adjectives, strict=False)
    ]
    out = list(tokens)
    for position, inflected in changed:
        if inflected is None:
            return tokens
        old = tokens[position]
        new = inflected.word
        if old.text[:1].isupper():
            new = new[:1].upper() + new[1:]
        if fold(new) != fold(old.text):
            out[position] = old.copy(text=new, spoken=old.spoken or old.text)
    return out
