"""The workstation and the widget in a real browser: chromium's microphone plays a recording.

Each test feeds a WAV to chromium's fake microphone, lets it play in real time, and checks
what reaches the screen, the fields, the downloaded СЭМД and the service's own record.
Screenshots land in ``test-artifacts/`` (gitignored) for a person to look at.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import numpy as np
import pytest
from playwright.sync_api import Page, expect

from asr.audio import SAMPLE_RATE, Samples, load_audio
from asr.engine import Engine
from server.app import create_app
from server.settings import Settings, StreamingSettings
from server.tokens import DEFAULT_TENANT
from structuring.api import validate_semd
from tests.browser import DroppingProxy, chromium, write_wav
from tests.conftest import DATA, DEV_CORPUS, REPO
from tests.live_server import serve
from vocabularies.user import UserLexicon

pytestmark = pytest.mark.slow

ARTIFACTS = REPO / "test-artifacts"
TAIL_S = 12.0  # silence after the speech, so the looping fake microphone says nothing new


def _silence(seconds: float) -> Samples:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def _speech(*paths: Path) -> tuple[Samples, float]:
    """The recordings with pauses, then silence; and when the speech ends (seconds)."""
    parts = [_silence(0.5)]
    for path in paths:
        parts += [load_audio(path), _silence(0.8)]
    speech_end = sum(p.size for p in parts) / SAMPLE_RATE
    return np.concatenate([*parts, _silence(TAIL_S)]), speech_end


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def server(engine: Engine, data_dir: Path) -> Iterator[str]:
    settings = Settings(data_dir=data_dir, streaming=StreamingSettings(max_sessions=4))
    with serve(create_app(settings, engine=engine)) as base:
        yield base


@pytest.fixture
def open_page(tmp_path: Path) -> Iterator[Callable[[Samples, str], Page]]:
    """Opens ``url`` in a chromium whose microphone plays the given audio."""
    stack = ExitStack()

    def opener(audio: Samples, url: str) -> Page:
        wav = write_wav(tmp_path / "microphone.wav", audio)
        browser = stack.enter_context(chromium(wav))
        page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        page.on("console", lambda m: print(f"[console] {m.type}: {m.text}"))
        page.goto(url)
        return page

    with stack:
        yield opener


def _wait_for_audio(page: Page, seconds: float, timeout_s: float) -> None:
    """Poll the page's own clock of audio sent until the speech has been played."""
    deadline = time.monotonic() + timeout_s
    timer = page.get_by_test_id("timer")
    while float(timer.get_attribute("data-seconds") or 0) < seconds:
        assert time.monotonic() < deadline, f"the page sent under {seconds} s of audio"
        page.wait_for_timeout(200)


def _screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def _finals(page: Page) -> list[tuple[int, str]]:
    spans = page.locator("[data-testid=transcript] .final")
    return [
        (int(spans.nth(i).get_attribute("data-utterance") or -1), spans.nth(i).inner_text())
        for i in range(spans.count())
    ]


def test_workstation_dictates_a_recording_into_fields_and_a_valid_semd(
    server: str, data_dir: Path, open_page: Callable[[Samples, str], Page]
) -> None:
    audio, speech_end = _speech(DEV_CORPUS / "audio" / "d25_anna.flac")
    page = open_page(audio, f"{server}/?template=xray_bone&user=dr-test")
    expect(page.get_by_test_id("template")).to_have_value("xray_bone")
    expect(page.get_by_test_id("status")).to_have_attribute("data-state", "ready")
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-state", "listening")
    expect(page.get_by_test_id("partial")).not_to_be_empty(timeout=15_000)
    _wait_for_audio(page, speech_end * 0.6, timeout_s=60)
    _screenshot(page, "workstation-dictating.png")
    _wait_for_audio(page, speech_end + 1.0, timeout_s=60)

    # A dictionary correction («Рентгенография»): the doctor rejects it while the session is open.
    correction = page.get_by_test_id("correction").first
    expect(correction).to_be_visible(timeout=15_000)
    raw = correction.get_attribute("data-raw") or ""
    fixed = correction.get_attribute("data-corrected") or ""
    number = correction.get_attribute("data-correction")
    assert raw and fixed and raw != fixed, (raw, fixed)
    correction.click()
    popover = page.get_by_test_id("correction-popover")
    expect(popover).to_be_visible()
    expect(popover).to_contain_text(f"Услышано: «{raw}» → исправлено: «{fixed}»")
    expect(page.get_by_test_id("correction-accept")).to_have_text("Верно")
    _screenshot(page, "workstation-correction.png")
    page.get_by_test_id("correction-reject").click()
    expect(popover).to_be_hidden()
    reverted = page.locator(f"[data-correction='{number}']")
    expect(reverted).to_have_count(1)
    expect(reverted).to_have_text(raw)  # the doctor's own words are back on screen
    expect(reverted).to_have_attribute("data-decision", "rejected")
    expect(reverted).to_have_class("w rejected")

    page.get_by_test_id("stop").click()
    expect(page.get_by_test_id("status")).to_have_attribute(
        "data-state", "completed", timeout=30_000
    )
    # The service got the feedback: dr-test's lexicon never makes that change again.
    lexicon = UserLexicon.for_user(data_dir, "dr-test", DEFAULT_TENANT)
    assert lexicon.path == data_dir / "lexicon" / DEFAULT_TENANT / "dr-test.json"
    assert lexicon.refuses(raw, fixed), lexicon.path.read_text("utf-8")

    transcript = page.get_by_test_id("transcript").inner_text().lower()
    assert "плечев" in transcript and "перелом" in transcript, transcript
    assert "следующее поле" not in transcript, "voice commands must not stay in the text"
    findings = page.locator("[data-field=findings]").input_value().lower()
    conclusion = page.locator("[data-field=conclusion]").input_value().lower()
    assert "перелом" in findings or "отлом" in findings, findings
    assert "перелом" in conclusion, conclusion

    # The doctor corrects the recommendations by keyboard, then undoes it.
    recommendations = page.locator("[data-field=recommendations]")
    dictated = recommendations.input_value()
    recommendations.fill("Консультация травматолога-ортопеда.")
    recommendations.blur()
    page.keyboard.press("Alt+z")
    expect(recommendations).to_have_value(dictated)

    page.get_by_test_id("document-build").click()
    expect(page.get_by_test_id("validation")).to_have_attribute(
        "data-valid", "true", timeout=30_000
    )
    with page.expect_download() as download:
        page.get_by_test_id("semd-download").click()
    xml = Path(download.value.path()).read_bytes()
    assert xml.startswith(b"<?xml") and b"ClinicalDocument" in xml
    assert validate_semd(xml).valid
    # The document's МКБ-10 code (not a live field) fills its field once the СЭМД is built.
    expect(page.locator("[data-field=icd10]")).to_contain_text("S42")
    shot = _screenshot(page, "workstation-completed.png")

    latencies = page.evaluate("window.semdictStats.finalLatenciesMs")
    assert latencies, "no final reached the screen"
    median = statistics.median(latencies)
    (ARTIFACTS / "browser-latency.json").write_text(
        json.dumps({"final_on_screen_ms": latencies, "median_ms": median}), "utf-8"
    )
    print(f"final text on screen after the end of an utterance: {median:.0f} ms; {shot}")
    assert median < 5000, latencies


def test_dropped_connection_resumes_with_nothing_lost_or_doubled(
    server: str, open_page: Callable[[Samples, str], Page]
) -> None:
    audio, speech_end = _speech(*(DATA / f"{n}_elena.flac" for n in ("f01", "f02", "f03")))
    upstream = int(server.rsplit(":", 1)[1])
    with DroppingProxy(upstream) as proxy:
        page = open_page(audio, f"http://127.0.0.1:{proxy.port}/?template=ct_chest")
        expect(page.get_by_test_id("status")).to_have_attribute("data-state", "ready")
        page.get_by_test_id("start").click()
        _wait_for_audio(page, 7.0, timeout_s=30)
        proxy.drop()
        status = page.get_by_test_id("status")
        expect(status).to_have_attribute("data-reconnects", "1", timeout=10_000)
        expect(status).to_have_attribute("data-state", "listening", timeout=15_000)
        _wait_for_audio(page, speech_end + 1.0, timeout_s=60)
        page.get_by_test_id("stop").click()
        expect(status).to_have_attribute("data-state", "completed", timeout=30_000)
        session_id = status.get_attribute("data-session-id")

    finals = _finals(page)
    utterances = [u for u, _ in finals]
    assert len(utterances) == len(set(utterances)), f"a final was shown twice: {finals}"
    record = httpx.get(f"{server}/v1/sessions/{session_id}").json()
    assert record["status"] == "completed"
    assert [(f["utterance"], f["text"]) for f in record["finals"]] == finals
    text = page.get_by_test_id("transcript").inner_text().lower().replace("ё", "е")
    # the first recording's words and the last one's (whatever the recogniser makes of «очаг»)
    assert "грудной клетки" in text and "в правом" in text, text


def test_widget_fills_the_demo_mis_form(
    server: str, open_page: Callable[[Samples, str], Page]
) -> None:
    audio, speech_end = _speech(DATA / "f01_elena.flac")
    page = open_page(audio, f"{server}/demo/mis-form?template=xray_chest")
    page.evaluate(
        """() => { window.seen = [];
        for (const t of ['semdict-final', 'semdict-field', 'semdict-document'])
          document.addEventListener(t, (e) => window.seen.push([t, e.detail])); }"""
    )
    widget = page.locator("semdict-dictation")
    widget.get_by_role("button", name="Диктовать").click()
    deadline = time.monotonic() + 30
    while float(widget.get_attribute("data-seconds") or 0) < speech_end + 1.0:
        assert time.monotonic() < deadline, "the widget did not send the recording"
        page.wait_for_timeout(200)
    widget.get_by_role("button", name="Стоп").click()
    expect(widget).to_have_attribute("data-state", "completed", timeout=30_000)
    form = page.locator("form#protocol")
    assert "не выявлен" in form.locator("[name=conclusion]").input_value().lower()
    assert form.locator("[name=modality]").input_value().lower().startswith("рентген")
    seen = page.evaluate("window.seen")
    kinds = [kind for kind, _ in seen]
    assert {"semdict-final", "semdict-field", "semdict-document"} <= set(kinds), kinds
    done = next(detail for kind, detail in seen if kind == "semdict-document")
    assert "не выявлен" in done["document"]["fields"]["conclusion"].lower()
    # f01 names no findings: the widget says why there is no СЭМД instead of failing.
    assert done["document"]["semd_xml"] is None and "findings" in done["semd_error"]
    _screenshot(page, "widget-demo-form.png")
