"""A real headless Chromium drives the app: every tab, lessons 01 and 02 on examples, and the microphone.

Chromium's fake media flags feed a WAV file as the microphone (see ../shared/BROWSER-TESTING.md).
The browser must be Debian's ``chromium`` (``.ci/run`` installs it); Playwright drives it through
``executable_path`` and never downloads a browser of its own.
"""

from __future__ import annotations

import re

import pytest

from demos import LESSONS
from tests._server import app_log_tail
from tests.conftest import open_lesson

pytestmark = pytest.mark.browser


def test_every_tab_opens_with_its_title(page, app_url):
    page.goto(app_url)
    tabs = page.get_by_role("tab", name=re.compile(r"^\d\d "))
    tabs.first.wait_for()
    assert tabs.count() == len(LESSONS) == 17
    for lesson in LESSONS:
        panel = open_lesson(page, lesson.SLUG)
        assert lesson.TITLE in panel.inner_text()
        if not getattr(lesson, "BUILT", True):
            assert "Not built yet" in panel.inner_text()


def test_lesson_01_analyzes_a_builtin_example(page, app_url):
    page.goto(app_url)
    panel = open_lesson(page, "01")
    panel.get_by_text("speech espeak 16k", exact=True).first.click()
    panel.locator("#l01-audio audio, #l01-audio [data-testid='waveform-controls']").first.wait_for(state="attached")
    panel.locator("#l01-analyze").click()
    panel.get_by_text("Max |ours − numpy|").wait_for()
    text = panel.inner_text()
    assert "16000 Hz" in text and "ready for 16 kHz mono ASR" in text, app_log_tail(app_url)


def test_lesson_01_microphone_recording_end_to_end(page, app_url):
    page.goto(app_url)
    panel = open_lesson(page, "01")
    panel.locator("#l01-audio button.record-button").click()
    page.wait_for_timeout(2500)
    panel.locator("#l01-audio button.stop-button").click()
    panel.locator("#l01-audio [data-testid='waveform-controls']").wait_for()
    panel.locator("#l01-analyze").click()
    panel.get_by_text("Max |ours − numpy|").wait_for()
    text = panel.inner_text()
    rms = float(re.search(r"RMS\s*\|?\s*(-?[\d.]+|-inf) dBFS", text).group(1))
    assert "44100 Hz" in text  # Gradio's recorder delivers 44.1 kHz mono 16-bit
    assert rms > -50.0, f"the fake microphone delivered near-silence (RMS {rms} dBFS)"


def test_lesson_02_deep_link_and_feature_ladder(page, app_url):
    page.goto(f"{app_url}/?lesson=02")
    panel = page.locator("#lesson-02")
    panel.get_by_text("02 ·", exact=False).first.wait_for()
    assert panel.is_visible()
    panel.get_by_text("speech espeak 16k", exact=True).first.click()
    page.wait_for_timeout(500)
    panel.locator("#l02-compute").click()
    parity = panel.locator("#l02-parity")
    parity.get_by_text("Parity with librosa").wait_for()
    diff = float(re.search(r"= \*?\*?([\d.e+-]+)", parity.inner_text()).group(1))
    assert diff < 1e-3
