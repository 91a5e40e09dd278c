"""Lesson 04 in a real headless Chromium: the CTC playground and pocketsphinx on the fake microphone."""

from __future__ import annotations

import re

import pytest

from tests._server import app_log_tail
from tests.conftest import open_lesson

pytestmark = pytest.mark.browser

MIC_WORDS = {"testing", "microphone", "one", "two", "three", "four", "five"}  # "the" is too common to count


def test_ctc_playground_decodes_the_default_text(page, app_url):
    page.goto(f"{app_url}/?lesson=04")
    panel = page.locator("#lesson-04")
    panel.get_by_text("04 ·", exact=False).first.wait_for()
    panel.locator("#l04-decode").click()
    compare = panel.locator("#l04-compare")
    compare.get_by_text("prefix beam", exact=False).wait_for()
    text = compare.inner_text()
    assert "hello world" in text and "Exact log P" in text, app_log_tail(app_url)


def test_pocketsphinx_transcribes_the_fake_microphone(page, app_url):
    page.goto(app_url)
    panel = open_lesson(page, "04")
    panel.get_by_role("tab", name="Recognizers").click()
    panel.locator("#l04-asr-audio button.record-button").click()
    page.wait_for_timeout(4500)  # the clip "Testing the microphone. One, two, three, four, five." lasts ≈ 3.7 s
    panel.locator("#l04-asr-audio button.stop-button").click()
    panel.locator("#l04-asr-audio [data-testid='waveform-controls']").wait_for()
    panel.locator("#l04-transcribe").click()
    badge = panel.locator("#l04-badge")
    badge.get_by_text("pocketsphinx").wait_for()
    rms = float(re.search(r"input (-?[\d.]+|-inf) dBFS", badge.inner_text()).group(1))
    assert rms > -50.0, f"the fake microphone delivered near-silence (RMS {rms} dBFS)"
    heard = set(re.findall(r"[a-z']+", panel.locator("#l04-text").inner_text().lower()))
    assert heard & MIC_WORDS, (heard, app_log_tail(app_url))
