"""Lesson 17 in headless Chromium: the WER workbench (type, score, see the coloured alignment)."""

from __future__ import annotations

import re

import pytest

from tests._server import app_log_tail
from tests.conftest import open_lesson

pytestmark = pytest.mark.browser


def test_wer_workbench_shows_coloured_alignment_and_numbers(page, app_url):
    page.goto(f"{app_url}/?lesson=17")
    panel = open_lesson(page, "17")
    panel.locator("#l17-ref textarea").fill("the quick brown fox jumps over the lazy dog")
    panel.locator("#l17-hyp textarea").fill("the quick brown box jumps over lazy dog today")
    panel.locator("#l17-wer-btn").click()
    summary = panel.locator("#l17-wer-summary")
    summary.get_by_text("WER = 33.3%").wait_for()  # 1 S + 1 D + 1 I over 9 words
    view = panel.locator("#l17-alignment-view")
    ops = view.locator("[data-op]")
    assert [ops.nth(i).get_attribute("data-op") for i in range(ops.count())] == list("===S==D==I"), app_log_tail(app_url)
    sub = view.locator("[data-op='S']")
    assert sub.inner_text().split() == ["fox", "box"]
    # the colours are real, distinct and translucent (readable on light and dark themes)
    colours = {op: view.locator(f"[data-op='{op}']").first.evaluate("e => getComputedStyle(e).backgroundColor") for op in "SDI"}
    assert len(set(colours.values())) == 3 and all(c.startswith("rgba(") for c in colours.values()), colours
    deleted = view.locator("[data-op='D'] span").first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert deleted == "line-through"
    cells = [c.strip() for c in summary.locator("td").all_inner_texts()]
    assert cells == ["9 ref / 9 hyp", "7", "1", "1", "1", "3"]


def test_normalisation_toggle_rescores(page, app_url):
    page.goto(f"{app_url}/?lesson=17")
    panel = open_lesson(page, "17")
    panel.locator("#l17-ref textarea").fill("Don't pay $42.")
    panel.locator("#l17-hyp textarea").fill("do not pay forty two dollars")
    panel.locator("#l17-wer-btn").click()
    panel.locator("#l17-wer-summary").get_by_text("WER = 0.0%").wait_for()
    panel.locator("#l17-norm").get_by_label("numbers → digits (forty two → 42)").uncheck()
    panel.locator("#l17-wer-summary").get_by_text(re.compile(r"WER = [1-9]")).wait_for()
