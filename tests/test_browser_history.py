"""Two more checks in headless Chromium against `streamlit run app.py`, offline:

- a candidate's own problem with an image and links in it: the page header
  and the opening turn show them as text, and the browser fetches nothing
  (every request leaving 127.0.0.1 is refused and fails the test);
- History with more sessions than one page: 20 rows, Older shows the rest, a
  row opens that session's report, and the per-step chart draws.

Skips locally without Chromium; fails in CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import free_port
from test_browser import IDLE, TIMEOUT_MS, require_browser
from test_browser_sharing import SESSION_URL, app_server, chromium, messages, new_page

from interviewer.agent import Interviewer
from interviewer.framework import framework
from interviewer.grader import grade_session
from interviewer.markdown_safe import WORD_JOINER
from interviewer.session import Session
from interviewer.store import Store

pytestmark = pytest.mark.browser

IMAGE = "![x](https://example.com/a.png)"
LINK = "[the spec](https://example.com/spec)"
CUSTOM = f"Design a receipt scanner for expense_reports {IMAGE} following {LINK} or https://example.com/bare"


@pytest.fixture
def offline_app(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(app URL, its data directory): app.py offline, SQLite in a temp dir."""
    require_browser()
    port = free_port()
    data = tmp_path / "data"
    with app_server(port, tmp_path, "app", {"INTERVIEWER_DATA_DIR": str(data)}):
        yield f"http://127.0.0.1:{port}", data


def no_remote_markup(page: Any) -> None:
    """No image, link or frame in the page points at the problem's host."""
    remote = page.evaluate(
        """() => [...document.querySelectorAll('img, a, iframe, source, image')]
            .map((e) => e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('xlink:href') || '')
            .filter((u) => u.includes('example.com'))"""
    )
    assert remote == [], remote


def shown(element: Any) -> str:
    """What a reader sees: the element's text without invisible word joiners."""
    return str(element.inner_text()).replace(WORD_JOINER, "")


def test_a_custom_problem_shows_its_links_and_images_as_text(offline_app: tuple[str, Path]) -> None:
    from playwright.sync_api import expect

    url, _ = offline_app
    with chromium() as (browser, outside):
        page = new_page(browser, outside)
        page.goto(url)
        page.get_by_text("My own problem").click()
        box = page.get_by_role("textbox", name="Describe the system to design")
        box.fill(CUSTOM)
        page.get_by_role("button", name="Start interview").click()
        page.wait_for_url(SESSION_URL)
        expect(messages(page)).to_have_count(1)
        page.wait_for_function(IDLE, timeout=TIMEOUT_MS)

        # A short heading, the sentence under it as typed: the Markdown reads as text.
        expect(page.locator("h1").first).to_have_text("Your own problem")
        expect(page.get_by_test_id("stText")).to_have_text(CUSTOM)
        # The opening turn quotes the problem the same way (word joiners, which
        # are invisible, keep its bare URLs from being linked).
        expect(messages(page).first).to_contain_text("Design a receipt scanner")
        assert CUSTOM in shown(messages(page).first)
        no_remote_markup(page)

        # The same after a reload (the stored opening turn, rendered again).
        page.reload()
        expect(messages(page)).to_have_count(1)
        expect(messages(page).first).to_contain_text("Design a receipt scanner")
        page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
        assert CUSTOM in shown(messages(page).first)
        no_remote_markup(page)
    assert not outside, f"requests left 127.0.0.1: {outside}"


def seed_graded_sessions(data: Path, count: int) -> Store:
    """``count`` ended sessions, each with a model-style report (scores 1-5 in
    turn; steps 1 and 2 scored, the rest not reached)."""
    fw = framework()
    store = Store(data)
    for i in range(count):
        session = Session(problem=fw.problems[i % len(fw.problems)])
        it = Interviewer(fw, session, store=store)
        it.open().consume()
        it.answer("Users are 100M; p99 latency 100 ms; we track acceptance rate.").consume()
        it.end()
        score = float(1 + i % 5)
        report = grade_session(fw, store.load(session.id), None)
        steps = [
            s.model_copy(
                update={"status": "graded", "score": score, "coverage": None}
                if s.step <= 2
                else {"status": "not covered", "score": None, "coverage": None}
            )
            for s in report.steps
        ]
        report = report.model_copy(update={"offline": False, "steps": steps, "overall_score": score, "coverage": None})
        store.save_report(session.id, report.model_dump(mode="json"), score)
    return store


def grid_rows(page: Any) -> int:
    """Data rows in the table (the grid is a canvas; its accessible table counts them)."""
    count = page.get_by_test_id("stDataFrame").locator("table[role=grid]").get_attribute("aria-rowcount")
    return int(count) - 1  # the header row


def test_history_pages_opens_a_report_and_draws_each_step(offline_app: tuple[str, Path]) -> None:
    from playwright.sync_api import expect

    from interviewer.web.history_page import PAGE_SIZE

    url, data = offline_app
    total = PAGE_SIZE + 3
    store = seed_graded_sessions(data, total)
    first_page = store.list_sessions(limit=PAGE_SIZE)
    second_page = store.list_sessions(limit=PAGE_SIZE, offset=PAGE_SIZE)
    assert len(second_page) == 3
    with chromium() as (browser, outside):
        page = new_page(browser, outside)
        page.set_viewport_size({"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/?view=history")
        grid = page.get_by_test_id("stDataFrame")
        expect(grid).to_be_visible()
        expect(page.get_by_text(f"Sessions 1–{PAGE_SIZE} of {total}")).to_be_visible()
        expect(grid.locator("table[role=grid]")).to_have_attribute("aria-rowcount", str(PAGE_SIZE + 1))
        assert grid_rows(page) == PAGE_SIZE
        expect(grid.get_by_test_id("glide-cell-2-0")).to_have_text(first_page[0].title)
        expect(page.get_by_role("button", name="Newer")).to_be_disabled()

        # Older: the other three, oldest last.
        page.get_by_role("button", name="Older").click()
        expect(page.get_by_text(f"Sessions {PAGE_SIZE + 1}–{total} of {total}")).to_be_visible()
        expect(grid.locator("table[role=grid]")).to_have_attribute("aria-rowcount", "4")
        expect(grid.get_by_test_id("glide-cell-2-0")).to_have_text(second_page[0].title)
        expect(grid.get_by_test_id("glide-cell-6-0")).to_have_text(f"{second_page[0].overall_score:.1f} / 5")
        expect(page.get_by_role("button", name="Older")).to_be_disabled()
        page.wait_for_function(IDLE, timeout=TIMEOUT_MS)

        # One click on that page's first row opens that session's report.
        bounds = grid.bounding_box()
        assert bounds is not None
        page.mouse.click(bounds["x"] + 18, bounds["y"] + 35 + 18)  # the first row's selection cell
        expect(page).to_have_url(re.compile(rf"\?session={second_page[0].id}"))
        expect(page.locator("h1").first).to_contain_text(second_page[0].title)
        overall = page.get_by_test_id("stMetric").filter(has_text="Overall score")
        expect(overall).to_contain_text(f"{second_page[0].overall_score:.1f} / 5")

        # Back in History: each step's line on demand, drawn without an error.
        page.goto(f"{url}/?view=history")
        chart = page.get_by_test_id("stVegaLiteChart")
        expect(chart).to_be_visible()
        expect(chart.locator("svg")).to_contain_text("Graded")
        page.get_by_text("Show each step").click()
        page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
        expect(chart.locator("svg")).to_contain_text("Step 1")
        expect(chart.locator("svg")).to_contain_text("Step 2")
        expect(chart.locator("svg")).not_to_contain_text("Step 3")  # never reached: no line
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert not errors, errors
    assert not outside, f"requests left 127.0.0.1: {outside}"
