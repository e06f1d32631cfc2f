"""End to end in a real browser: `streamlit run app.py` driven by headless
Chromium (Playwright) against the scripted OpenAI-compatible server.

Skips locally when /usr/bin/chromium is missing; fails in CI (CI set).
Everything stays on 127.0.0.1. With UPDATE_SCREENSHOT=1 it also refreshes
docs/interview.png (the README's screenshot); otherwise the repository is
left untouched.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakeserver import FakeOpenAI, Reply
from scripted_grader import grader_json
from servers import free_port, serving

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "interview.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.browser


def require_browser() -> None:
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright Python package is missing"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


@pytest.fixture
def app_url(fake_llm: FakeOpenAI, tmp_path: Path) -> Iterator[str]:
    require_browser()
    port = free_port()
    env = dict(os.environ)
    env.update(
        INTERVIEWER_MODEL="openai/scripted",
        INTERVIEWER_API_BASE=fake_llm.base_url,
        INTERVIEWER_DATA_DIR=str(tmp_path / "data"),
        INTERVIEWER_RETRIES="0",
        INTERVIEWER_TIMEOUT="20",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "streamlit.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with serving(cmd, f"{url}/_stcore/health", log, deadline_s=60, cwd=ROOT, env=env):
        yield url
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-3000:]


OPENING = "Welcome to the interview. What does the system produce, and for whom?"
FOLLOWUP = "Got it: short completions. Which latency budget do you assume?"
STEP2 = "Let us frame it as an ML problem: which task is this at its core?"
DIAGRAM_REPLY = "Nice sketch. Where does the safety filter sit?"
ANSWER = "It suggests the **next few words** of an email while the user types."
DIAGRAM = "Here is my sketch:\n\n```mermaid\ngraph LR\n  U[User] --> A[API] --> M[LLM]\n```"


def send(page: Any, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => { const b = document.querySelector('[data-testid=stChatInputTextArea]'); return b && !b.disabled; }",
        timeout=TIMEOUT_MS,
    )
    box.fill(text)
    box.press("Enter")


def messages(page: Any) -> Any:
    return page.get_by_test_id("stChatMessage")


def test_interview_in_a_real_browser(app_url: str, fake_llm: FakeOpenAI, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    # The follow-up comes after a server-side pause, long enough to see the
    # input locked while the interviewer is answering.
    fake_llm.script(OPENING, Reply(FOLLOWUP, delay=2.0), STEP2, DIAGRAM_REPLY)
    fake_llm.responder = grader_json  # after the script: the grader's JSON replies
    # The first reply waits for litellm's import (seconds on a slow machine).
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(app_url)

            # Start page: the model that will interview is named; start.
            expect(page.get_by_text("Interviewer: openai/scripted")).to_be_visible()
            page.get_by_test_id("stSelectbox").click()
            page.get_by_role("option", name="Smart email composer").click()
            expect(page.get_by_text("Inline suggestions that finish a user's sentence")).to_be_visible()
            page.get_by_role("button", name="Start interview").click()

            # The opening question streams in; the URL now names the session.
            expect(messages(page).first).to_contain_text(OPENING)
            expect(page.locator("h1").first).to_have_text("Smart email composer")
            page.wait_for_url(re.compile(r"\?session=[0-9a-f]{12}"))
            session_url = page.url
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.locator("strong", has_text="1. Clarify requirements")).to_be_visible()

            # An answer in Markdown, then the model's reply.
            send(page, ANSWER)
            box = page.get_by_test_id("stChatInputTextArea")
            expect(box).to_be_disabled()
            expect(sidebar.get_by_role("button", name="Hint")).to_be_disabled()
            expect(messages(page)).to_have_count(3)
            expect(messages(page).nth(1).locator("strong")).to_have_text("next few words")
            expect(messages(page).nth(2)).to_contain_text(FOLLOWUP)
            expect(box).to_be_enabled()

            # "Next step": the tracker moves to step 2 and ticks step 1.
            sidebar.get_by_role("button", name="Next step").click()
            expect(messages(page)).to_have_count(5)
            expect(messages(page).nth(4)).to_contain_text("Step 2 of 7")
            expect(messages(page).nth(4)).to_contain_text(STEP2)
            expect(sidebar.locator("strong", has_text="2. Frame it as an ML problem")).to_be_visible()
            expect(sidebar.get_by_text("check_circle 1. Clarify requirements")).to_be_visible()

            # A mermaid block renders as a diagram (vendored mermaid, no network).
            send(page, DIAGRAM)
            expect(messages(page)).to_have_count(7)
            expect(messages(page).nth(6)).to_contain_text(DIAGRAM_REPLY)
            frame = messages(page).nth(5).frame_locator("iframe")
            expect(frame.locator("#diagram[data-state=ok] svg")).to_be_visible()
            expect(frame.locator("svg")).to_contain_text("LLM")
            expect(messages(page).nth(5)).to_contain_text("Here is my sketch:")

            # A tall window so the screenshot shows the whole conversation.
            page.set_viewport_size({"width": 1280, "height": 1250})
            page.locator("h1").first.scroll_into_view_if_needed()
            shot = tmp_path / "interview.png"
            page.screenshot(path=str(shot))
            assert shot.read_bytes().startswith(b"\x89PNG")
            if os.environ.get("UPDATE_SCREENSHOT"):  # UPDATE_SCREENSHOT=1 pytest -m browser
                SCREENSHOT.write_bytes(shot.read_bytes())

            # Reload: the same interview, every turn, in order; nothing re-sent.
            requests_before = len(fake_llm.chat_requests)
            page.reload()
            expect(messages(page)).to_have_count(7)
            assert page.url == session_url
            texts = messages(page).all_inner_texts()
            assert OPENING in texts[0] and "next few words" in texts[1] and FOLLOWUP in texts[2]
            assert STEP2 in texts[4] and "Here is my sketch:" in texts[5] and DIAGRAM_REPLY in texts[6]
            expect(sidebar.locator("strong", has_text="2. Frame it as an ML problem")).to_be_visible()
            assert len(fake_llm.chat_requests) == requests_before == 4

            # End: the grading page grades with the model and offers the report.
            sidebar.get_by_role("button", name="End interview").click()
            page.wait_for_url(re.compile(r"view=report"))
            verdict = page.get_by_test_id("stMetric").filter(has_text="Verdict")
            expect(verdict).to_contain_text(re.compile(r"(strong hire|hire|lean hire|lean no hire|no hire)$"))
            expect(page.get_by_text("openai/scripted (model grader)").first).to_be_visible()
            with page.expect_download() as download:
                page.get_by_role("button", name="PDF").click()
            pdf = Path(download.value.path())
            assert pdf.read_bytes().startswith(b"%PDF")
            assert download.value.suggested_filename.endswith(".pdf")
        finally:
            browser.close()
