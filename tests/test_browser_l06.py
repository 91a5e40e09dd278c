"""Lesson 06 in headless Chromium: enrol from built-in examples, verify a clip from an example and from the microphone."""

from __future__ import annotations

import re

import pytest

from tests._server import app_log_tail
from tests.conftest import open_lesson

pytestmark = pytest.mark.browser


def _score(text: str) -> float:
    return float(re.search(r"score\s*\**\s*(-?[\d.]+)", text).group(1))


def test_verify_flow_from_the_builtin_trials(page, app_url):
    page.goto(app_url)
    panel = open_lesson(page, "06")
    panel.get_by_text("ava enrols, ava tests (target)", exact=True).first.click()
    panel.locator("#l06-enroll").get_by_text("ava_3", exact=True).first.wait_for()  # the name and ".flac" are separate elements
    panel.locator("#l06-test audio, #l06-test [data-testid='waveform-controls']").first.wait_for(state="attached")
    panel.locator("#l06-verify").click()
    verdict = panel.locator("#l06-verdict")
    verdict.get_by_text("ACCEPT").wait_for()
    assert _score(verdict.inner_text()) >= 0.83, app_log_tail(app_url)

    panel.get_by_text("ava enrols, fay tests (impostor)", exact=True).first.click()
    page.wait_for_timeout(800)  # the example's test clip replaces the previous one
    panel.locator("#l06-verify").click()
    verdict.get_by_text("REJECT").wait_for()
    assert _score(verdict.inner_text()) < 0.83


def test_verify_a_microphone_test_clip(page, app_url):
    page.goto(app_url)
    panel = open_lesson(page, "06")
    panel.get_by_text("ava enrols, ava tests (target)", exact=True).first.click()
    panel.locator("#l06-enroll").get_by_text("ava_1", exact=True).first.wait_for()
    page.wait_for_timeout(500)
    panel.locator("#l06-verify").click()
    verdict = panel.locator("#l06-verdict")
    verdict.get_by_text("ACCEPT").wait_for()
    example_score = _score(verdict.inner_text())
    # replace the example's test clip by a recording from the fake microphone (eSpeak's default voice)
    panel.locator("#l06-test button[aria-label='Clear'], #l06-test button[title='Clear']").first.click()
    panel.locator("#l06-test button.record-button").click()
    page.wait_for_timeout(3500)
    panel.locator("#l06-test button.stop-button").click()
    panel.locator("#l06-test [data-testid='waveform-controls']").wait_for()
    panel.locator("#l06-verify").click()
    # a silent microphone would have raised "silent" instead of producing a new score
    page.wait_for_function(
        "([sel, old]) => { const m = document.querySelector(sel).innerText.match(/score\\s*(-?[\\d.]+)/);"
        " return m && Math.abs(parseFloat(m[1]) - old) > 1e-3; }",
        arg=["#l06-verdict", example_score],
    )
    text = verdict.inner_text()
    assert "ACCEPT" in text or "REJECT" in text, app_log_tail(app_url)
    assert -1.0 <= _score(text) <= 1.0
    assert "resemblyzer" in panel.inner_text()  # the engine badge names the engine that answered


def test_evaluate_the_builtin_trial_set(page, app_url):
    page.goto(app_url)
    panel = open_lesson(page, "06")
    panel.get_by_role("tab", name="Evaluate").click()
    panel.locator("#l06-e-builtin").click()
    panel.locator("#l06-e-files").get_by_text("fay_1", exact=True).first.wait_for()
    panel.locator("#l06-evaluate").click()
    table = panel.locator("#l06-e-table")
    table.get_by_text("non-target trials").wait_for()
    text = table.inner_text()
    assert "24 target and 129 non-target trials" in text, app_log_tail(app_url)
    assert "resemblyzer" in text and "mfcc-stats" in text
