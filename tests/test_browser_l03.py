"""Lesson 03 in headless Chromium: the teach-it-yourself flow from a built-in set and from the microphone."""

from __future__ import annotations

import re

import pytest

from tests._server import app_log_tail
from tests.conftest import open_lesson

pytestmark = pytest.mark.browser


def _loo_percent(text: str) -> int:
    return int(re.search(r"Leave-one-out accuracy: (\d+) %", text).group(1))


def test_teach_it_yourself_with_a_builtin_set(page, app_url):
    page.goto(app_url)
    panel = open_lesson(page, "03")
    panel.locator("#l03-set-words").click()
    panel.locator("#l03-files").get_by_text("yes_1", exact=True).first.wait_for()
    assert "stop" in panel.locator("#l03-labels textarea").input_value()
    panel.locator("#l03-query audio, #l03-query [data-testid='waveform-controls']").first.wait_for(state="attached")
    panel.locator("#l03-fewshot-run").click()
    summary = panel.locator("#l03-fewshot-summary")
    summary.get_by_text("Leave-one-out accuracy").wait_for()
    text = summary.inner_text()
    assert "Query → yes" in text, app_log_tail(app_url)
    assert _loo_percent(text) >= 75


def test_teach_it_yourself_with_a_microphone_query(page, app_url):
    page.goto(app_url)
    panel = open_lesson(page, "03")
    panel.locator("#l03-set-sounds").click()
    panel.locator("#l03-files").get_by_text("clicks_4", exact=True).first.wait_for()
    panel.locator("#l03-query button[aria-label='Clear']").click()  # drop the set's query clip: record one
    panel.locator("#l03-query button.record-button").click()
    page.wait_for_timeout(2000)
    panel.locator("#l03-query button.stop-button").click()
    panel.locator("#l03-query [data-testid='waveform-controls']").wait_for()
    panel.locator("#l03-fewshot-run").click()
    summary = panel.locator("#l03-fewshot-summary")
    summary.get_by_text("Query →").wait_for()  # a silent microphone would have raised "silent" instead
    text = summary.inner_text()
    assert re.search(r"Query → (tone|noise|clicks)", text), text
    assert _loo_percent(text) == 100
