"""``semdict bench`` on a tiny corpus built from the committed fixtures, offline and streaming."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from semdict.bench import compare, plots
from semdict.bench.bootstrap import ratio_ci
from semdict.bench.corpus import Skipped, find_recordings, read_dictations
from semdict.bench.fields import field_matches
from semdict.cli import main
from semdict.errors import UsageError
from semdict.metrics import char_errors
from tests.conftest import DATA, read_jsonl

FIXTURES = ("f01", "f02", "f03")


def make_corpus(root: Path, ids: tuple[str, ...] = FIXTURES) -> Path:
    """The dev-corpus layout: dictations.jsonl + audio/{id}_{voice}.flac."""
    (root / "audio").mkdir(parents=True)
    rows = [r for r in read_jsonl(DATA / "fixtures.jsonl") if r["id"] in ids]
    with (root / "dictations.jsonl").open("w", encoding="utf-8") as sink:
        for row in rows:
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    for i in ids:
        shutil.copy(DATA / f"{i}_elena.flac", root / "audio" / f"{i}_elena.flac")
    return root


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("bench")
    corpus = make_corpus(root / "corpus")
    out = {"json": root / "out.json", "md": root / "out.md", "plots": root / "plots"}
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(
            [
                *("bench", str(corpus), "--limit", "2", "--json", str(out["json"])),
                *("--markdown", str(out["md"]), "--plots", str(out["plots"])),
            ]
        )
    return {"code": code, "stdout": stdout.getvalue(), "corpus": corpus, **out}


@pytest.mark.slow
def test_offline_report_has_every_hypothesis(offline_run: dict[str, Any]) -> None:
    assert offline_run["code"] == 0
    report = json.loads(offline_run["json"].read_text(encoding="utf-8"))
    assert report["mode"] == "offline"
    assert report["corpus"]["recordings"] == 2  # --limit 2
    assert set(report["pipelines"]) == {"raw", "dict", "full"}
    full = report["pipelines"]["full"]
    for metric in ("wer", "cer", "wer_spoken", "term_accuracy"):
        low, high = full[f"{metric}_ci95"]
        assert 0.0 <= low <= full[metric] <= high
    assert set(full["voices"]) == {"elena"}
    assert report["performance"]["rtf"] > 0
    assert report["performance"]["peak_rss_mb"] > 100
    assert "[a-zа-я0-9]+" in report["method"]["tokenisation"]
    for f in report["files"]:
        assert f["raw"] and f["voice"] == "elena"
        assert set(f["pipelines"]) == {"raw", "dict", "full"}
        assert f["pipelines"]["raw"]["text"] == f["raw"]
    # The fixture f02 is recognised with digits and the × sign only after normalisation.
    f02 = next(f for f in report["files"] if f["id"] == "f02")
    assert "12" in f02["pipelines"]["full"]["text"]


@pytest.mark.slow
def test_offline_table_and_plots(offline_run: dict[str, Any]) -> None:
    table = offline_run["stdout"]
    assert "| pipeline | WER vs written | CER vs written | WER vs spoken |" in table
    assert "real-time factor" in table
    assert offline_run["md"].read_text(encoding="utf-8") == table
    for name in ("wer_per_voice.png", "latency_cdf.png"):
        png = offline_run["plots"] / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_streaming_through_real_server_and_compare(
    offline_run: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = make_corpus(tmp_path / "corpus", ("f01",))
    out = tmp_path / "stream.json"
    code = main(
        [
            *("bench", str(corpus), "--mode", "streaming", "--speed", "2", "--streams", "1"),
            *("--json", str(out), "--compare", str(offline_run["json"])),
        ]
    )
    assert code == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    perf = report["performance"]
    assert perf["streams"] == 1 and perf["speed"] == 2.0
    assert perf["final_latency_s"]["n"] >= 1
    assert perf["realtime_streams_ok"] is False  # paced faster than real time: no claim
    assert report["files"][0]["raw"]
    printed = capsys.readouterr().out
    assert "final latency p50 / p95" in printed
    assert "Compared with" in printed and "note: mode differs" in printed


def test_corpus_errors_say_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"dictations\.jsonl"):
        read_dictations(tmp_path)
    corpus = make_corpus(tmp_path / "c", ("f01",))
    dictations = read_dictations(corpus)
    with pytest.raises(UsageError, match="no audio for voices anna"):
        find_recordings(corpus, dictations, voices=["anna"])
    assert [r.key for r in find_recordings(corpus, dictations)] == ["f01_elena"]


def _corpus_with_files(root: Path, names: tuple[str, ...], manifest: str | None = None) -> Path:
    """Dictations u_1 and u2 (an id with an underscore) and empty stand-in audio files."""
    (root / "audio").mkdir(parents=True)
    lines = [json.dumps({"id": i, "spoken": "а", "written": "а"}) for i in ("u_1", "u2")]
    (root / "dictations.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name in names:
        (root / "audio" / name).write_bytes(b"")
    if manifest is not None:
        (root / "audio" / "manifest.tsv").write_text(manifest, encoding="utf-8")
    return root


def test_corpus_without_manifest_matches_dictation_ids(tmp_path: Path) -> None:
    names = ("u2_f_voice.flac", "u_1_nsh.wav", "x9_nsh.flac", "notes.txt", "u2_espeak.flac")
    corpus = _corpus_with_files(tmp_path, names)
    skipped: list[Skipped] = []
    found = find_recordings(corpus, read_dictations(corpus), on_skip=skipped.append)
    assert [(r.dictation.id, r.voice) for r in found] == [
        ("u_1", "nsh"),
        ("u2", "espeak"),
        ("u2", "f_voice"),
    ]
    assert {s.name: s.reason for s in skipped} == {
        "notes.txt": "not .flac|.wav",
        "x9_nsh.flac": "no id of dictations.jsonl matches {id}_{voice}",
    }
    limited = find_recordings(corpus, read_dictations(corpus), voices=["f_voice"], limit=1)
    assert [r.key for r in limited] == ["u2_f_voice"]


def test_corpus_manifest_decides_ids_and_voices(tmp_path: Path) -> None:
    manifest = (
        "id\tvoice\tfile\tduration_s\n"
        "u2\tnsh\tu2_nsh.flac\t1.0\n"
        "u_1\tmy_voice\ttake-one.flac\t1.0\n"
        "u2\tespeak\tu2_espeak.flac\t1.0\n"
        "u3\tnsh\tu3_nsh.flac\t1.0\n"
        "u2\tnsh\tu2_nsh.wav\t1.0\n"
    )
    names = ("u2_nsh.flac", "take-one.flac", "u3_nsh.flac", "u2_nsh.wav", "u2_extra.flac")
    corpus = _corpus_with_files(tmp_path, names, manifest)
    skipped: list[Skipped] = []
    found = find_recordings(corpus, read_dictations(corpus), on_skip=skipped.append)
    assert [(r.dictation.id, r.voice, r.path.name) for r in found] == [
        ("u_1", "my_voice", "take-one.flac"),
        ("u2", "nsh", "u2_nsh.flac"),
    ]
    assert {s.name: s.reason for s in skipped} == {
        "manifest.tsv:4 u2_espeak.flac": "listed but not in audio/",
        "u3_nsh.flac": "id 'u3' is not in dictations.jsonl",
        "u2_nsh.wav": "same id and voice as u2_nsh.flac",
        "u2_extra.flac": "not listed in manifest.tsv",
    }
    (corpus / "audio" / "manifest.tsv").write_text("id\tfile\n", encoding="utf-8")
    with pytest.raises(UsageError, match="lacks column"):
        find_recordings(corpus, read_dictations(corpus))


def test_bad_options_fail_before_the_model_loads(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "c", ("f01",))
    assert main(["bench", str(corpus), "--pipeline", "raw,nonsense"]) == 2
    assert main(["bench", str(corpus), "--speed", "fast"]) == 2
    assert main(["bench", str(corpus), "--url", "ws://127.0.0.1:1/v1/dictation"]) == 2


def test_plots_without_matplotlib_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(UsageError, match=r"semdict\[bench\]"):
        plots.require_matplotlib()


def test_cer_uses_the_wer_tokens() -> None:
    assert char_errors("Очаг 12 × 8 мм.", "очаг 12 8 мм") == (0, len("очаг 12 8 мм"))
    assert char_errors("киста", "кисты") == (1, 5)


def test_bootstrap_interval_brackets_the_rate() -> None:
    groups = [(1, 10), (3, 10), (0, 10), (5, 10)]
    low, high = ratio_ci(groups)
    assert low <= 9 / 40 <= high
    assert ratio_ci([(2, 10)]) == (0.2, 0.2)


def test_field_matches_compare_values_not_formatting() -> None:
    expected = {"modality": "КТ", "conclusion": "Очаг слева.", "measurements_mm": [[12, 8]]}
    report = {
        "modality": "кт",
        "conclusion": "очаг слева",
        "measurements_mm": [[12.0, 8.0]],
        "icd10": None,
    }
    assert field_matches(expected, report) == dict.fromkeys(expected, True)
    assert field_matches({"icd10": "J90"}, report) == {"icd10": False}
    assert field_matches(expected, None) == dict.fromkeys(expected, False)


def test_compare_prints_deltas_in_points() -> None:
    def report(wer: float, rtf: float) -> dict[str, Any]:
        return {
            "mode": "offline",
            "corpus": {"recordings": 2},
            "pipelines": {"full": {"wer": wer}},
            "performance": {"rtf": rtf, "peak_rss_mb": 500.0},
        }

    table = compare.deltas(report(0.20, 0.5), report(0.15, 0.4))
    assert "| full wer | 20.0 % | 15.0 % | -5.0 |" in table
    assert "| real-time factor | 0.500  | 0.400  | -0.100 |" in table
