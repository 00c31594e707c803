"""``benchmarks.bench_text_libraries`` on two made-up dictations and a few clinical sentences:
it runs and its figures say what the inputs make them say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks import bench_text_libraries as bench

DICTATIONS = (
    {
        "id": "t01",
        "template": "ct_head",
        "spoken": (
            "Компьютерная томография головного мозга. Описание. В правой теменной доле очаг "
            "размером двенадцать на восемь миллиметров, плотностью плюс сорок единиц "
            "Хаунсфилда. Заключение. Очаговое образование правой теменной доли."
        ),
        "written": (
            "Компьютерная томография головного мозга. Описание. В правой теменной доле очаг "
            "размером 12 × 8 мм, плотностью +40 HU. Заключение. Очаговое образование правой "
            "теменной доли."
        ),
        "fields": {
            "findings": "В правой теменной доле очаг размером 12 × 8 мм, плотностью +40 HU.",
            "conclusion": "Очаговое образование правой теменной доли.",
        },
    },
    {
        "id": "t02",
        "template": "ct_chest",
        "spoken": (
            "Описание. Лимфатический узел до девяти миллиметров. Индекс ноль целых семь "
            "десятых. Заключение. Лимфаденопатии нет."
        ),
        "written": (
            "Описание. Лимфатический узел до 9 мм. Индекс 0,7. Заключение. Лимфаденопатии нет."
        ),
        "fields": {},
    },
)
CLINICAL = (
    "Операция в 2010 г. по поводу узла.",
    "Размер узла до 2 см.",
    "Без изменений, т.е. норма.",
    "Наблюдается у терапевта.",
)


def _run(tmp_path: Path) -> dict[str, Any]:
    corpus = tmp_path / "dev"
    corpus.mkdir()
    lines = [json.dumps(d, ensure_ascii=False) for d in DICTATIONS]
    (corpus / "dictations.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    clinical = tmp_path / "sentences.txt"
    clinical.write_text("\n".join(CLINICAL) + "\n", encoding="utf-8")
    out = tmp_path / "figures.json"
    argv = ["--corpus", str(corpus), "--clinical", str(clinical), "--no-nemo", "--json", str(out)]
    assert bench.main(argv) == 0
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return figures


def test_figures(tmp_path: Path) -> None:
    figures = _run(tmp_path)
    assert figures["dictations"] == 2
    assert figures["clinical_sentences"] == len(CLINICAL)
    itn = {(row["system"], row["input"]): row for row in figures["itn"]}
    # «12 × 8 мм», «+40 HU», «9 мм», «0,7»: none in the spoken text, all after our ITN.
    raw = itn[("input as-is", "as dictated")]
    assert raw["expressions"] == 4
    assert raw["expressions_exact"] == 0
    assert raw["wer"] > 20
    for form in ("as dictated", "ASR form", "written"):
        ours = itn[("ours (ITN)", form)]
        assert ours["expressions_exact"] == 4, ours
        assert ours["wer"] == 0, ours
    assert itn[("ours (ITN)", "as dictated")]["punct_wer"] == 0
    assert itn[("ours (ITN)", "ASR form")]["punct_wer"] > 0  # the full stops are gone
    # razdel splits «+40» into «+» «40»: the sign is lost when written text is re-read.
    assert itn[("ours (ITN) on razdel tokens", "written")]["expressions_exact"] < 4

    sentences = {row["splitter"]: row for row in figures["sentences"]["clinical"]}
    for row in sentences.values():
        assert row["reference"] == len(CLINICAL) - 1
    # «в 2010 г. по поводу»: ours ends a sentence after «г.», razdel does not; razdel does not
    # end one after «2 см.» («см.» = «смотри»).
    assert sentences["ours (sections)"]["spurious"]
    assert sentences["razdel.sentenize"]["missed"]
    assert sentences["ours (sections)"]["recall"] == 100

    tokens = figures["tokens"]["written"]
    assert tokens["same"] < tokens["ours"]
    assert any("+40" in difference for difference, _ in tokens["differences"])

    constructed = figures["agreement"]["constructed"]
    assert constructed["cases"] > 0
    assert (
        constructed["ours_restored"] + constructed["ours_other"] + constructed["ours_untouched"]
        == constructed["cases"]
    )
    assert constructed["ours_other"] == 0


def test_number_expressions() -> None:
    assert bench.expressions("узел 12 × 8 мм, плотность +40 HU, код I26.9, индекс 1,2") == [
        "12х8 мм",
        "+40 hu",
        "i26.9",
        "1,2",
    ]
    assert bench.asr_form("Описание. Узел — 12 мм!") == "описание узел 12 мм"
