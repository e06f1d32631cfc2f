"""End to end in a real browser: `streamlit run app.py` driven by headless
Chromium (Playwright) against the scripted OpenAI-compatible server.

Skips locally when /usr/bin/chromium is missing; fails in CI (CI set).
Everything stays on 127.0.0.1: every request the browser makes is recorded,
and any other address is refused and fails the test. With UPDATE_SCREENSHOT=1
it also refreshes docs/interview.png and docs/interview-phone.png (the
README's screenshots); otherwise the repository is left untouched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakeserver import FakeOpenAI, Reply
from scripted_grader import grader_json
from servers import CHROMIUM, CHROMIUM_ARGS, free_port, serving, streamlit_cmd

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "interview.png"
PHONE_SCREENSHOT = ROOT / "docs" / "interview-phone.png"
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
    cmd = streamlit_cmd("app.py", port)
    url = f"http://127.0.0.1:{port}"
    with serving(cmd, f"{url}/_stcore/health", log, deadline_s=60, cwd=ROOT, env=env):
        yield url
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-3000:]


@pytest.fixture
def second_llm() -> Iterator[FakeOpenAI]:
    """Another model server, to switch to mid-interview."""
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()


OPENING = "Welcome to the interview. What does the system produce, and for whom?"
FOLLOWUP = "Got it: short completions. Which latency budget do you assume?"
STEP2 = "Let us frame it as an ML problem: which task is this at its core?"
DIAGRAM_REPLY = "Nice sketch. Where does the safety filter sit?"
LIMIT_REPLY = "Thanks. What would you measure first?"
ANSWER = "It suggests the **next few words** of an email while the user types."
DIAGRAM = "Here is my sketch:\n\n```mermaid\ngraph LR\n  U[User] --> A[API] --> M[LLM]\n```"
DRAFT = "A draft typed while the interviewer answers"
IDLE = "() => document.querySelector('[data-testid=stApp]').getAttribute('data-test-script-state') === 'notRunning'"

# WCAG contrast of every visible text element against the background it sits
# on (the nearest ancestor with an opaque background), in the page itself.
CONTRAST_JS = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((acc, v, i) => acc + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') || !el.getClientRects().length) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    out.push({text: el.textContent.trim().slice(0, 40), ratio: ratio(rgb(style.color).slice(0, 3), background(el)),
              chip: el.classList.contains('score')});
  }
  return out;
}"""


UNNAMED = re.compile(r"^\s*- (button|textbox|combobox|checkbox|radio|switch|slider|link)(\s*\[[^\]]*\])?:?$", re.M)


def assert_labelled(page: Any) -> None:
    """Every control in the accessibility tree has a name, and no icon is
    read out by its ligature name (e.g. "check_circle")."""
    tree = page.get_by_test_id("stApp").aria_snapshot()
    assert not UNNAMED.findall(tree), [line for line in tree.splitlines() if UNNAMED.match(line)]
    ligatures = ("check_circle", "radio_button_unchecked", "record_voice_over", "lightbulb", "swap_horiz", "skip_next")
    for ligature in (*ligatures, "cloud_off", "chevron_left", "chevron_right"):
        assert ligature not in tree, ligature


def send(page: Any, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    box.fill(text)
    box.press("Enter")


def messages(page: Any) -> Any:
    return page.get_by_test_id("stChatMessage")


def idle(page: Any) -> None:
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)


def test_interview_in_a_real_browser(
    app_url: str, fake_llm: FakeOpenAI, second_llm: FakeOpenAI, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    # The follow-up comes after a server-side pause, long enough to type a
    # draft while the interviewer is answering.
    fake_llm.script(OPENING, Reply(FOLLOWUP, delay=3.0), STEP2, DIAGRAM_REPLY)
    # Mid-interview the candidate switches to another model on another server:
    # the rest of the interview, and the grading, go there.
    second_llm.script(LIMIT_REPLY)
    second_llm.responder = grader_json  # after the script: the grader's JSON replies
    # The first reply waits for litellm's import (seconds on a slow machine).
    expect.set_options(timeout=TIMEOUT_MS)
    outside: list[str] = []

    def local(url: str) -> bool:
        return url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "file:", "about:"))

    def only_loopback(route: Any) -> None:
        if local(route.request.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
            context.route("**/*", only_loopback)
            context.on("request", lambda r: None if local(r.url) else outside.append(r.url))
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(app_url)

            # Start page: the keyboard lands on the problem picker first.
            expect(page.get_by_text("Interviewer: openai/scripted")).to_be_visible()
            picker = page.get_by_role("combobox", name="Choose a problem")
            expect(picker).to_be_focused()
            assert_labelled(page)
            page.get_by_test_id("stSelectbox").click()
            page.get_by_role("option", name="Smart email composer").click()
            expect(page.get_by_text("Inline suggestions that finish a user's sentence")).to_be_visible()
            page.get_by_role("button", name="Start interview").click()

            # The opening question streams in; the URL now names the session.
            expect(messages(page).first).to_contain_text(OPENING)
            expect(page.locator("h1").first).to_have_text("Smart email composer")
            page.wait_for_url(re.compile(r"\?session=[0-9a-f]{12}"))
            session_url = page.url
            box = page.get_by_test_id("stChatInputTextArea")
            expect(box).to_be_focused()
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.locator("strong", has_text="1. Clarify requirements")).to_be_visible()

            # Step states are words in the accessibility tree, not icon names.
            strip = page.get_by_role("navigation", name="Interview progress")
            tree = strip.aria_snapshot()
            assert "Step 1, Clarify requirements and constraints: in progress" in tree
            assert "Step 2, Frame it as an ML problem: not started" in tree
            assert_labelled(page)

            # An answer in Markdown; while the reply is on its way the box stays
            # usable: a draft typed meanwhile is kept, and Enter does not send it.
            send(page, ANSWER)
            expect(page.get_by_role("button", name="Hint")).to_be_disabled()
            expect(box).to_be_enabled()
            box.fill(DRAFT)
            box.press("Enter")
            expect(page.locator("#ivw-busy[role=status]")).to_contain_text("still answering")
            expect(messages(page)).to_have_count(3)
            expect(messages(page).nth(1).locator("strong")).to_have_text("next few words")
            expect(messages(page).nth(2)).to_contain_text(FOLLOWUP)
            idle(page)
            expect(box).to_have_value(DRAFT)
            expect(box).to_be_focused()
            assert len(fake_llm.chat_requests) == 2  # the draft was not sent
            box.fill("")

            # "Next step" sits beside the input; focus comes back to the box.
            page.get_by_role("button", name="Next step").click()
            expect(messages(page)).to_have_count(5)
            expect(messages(page).nth(4)).to_contain_text("Step 2 of 7")
            expect(messages(page).nth(4)).to_contain_text(STEP2)
            idle(page)
            expect(box).to_be_focused()
            expect(sidebar.locator("strong", has_text="2. Frame it as an ML problem")).to_be_visible()
            expect(sidebar.get_by_text("1. Clarify requirements and constraints — done")).to_be_visible()

            # A mermaid block renders as a diagram (vendored mermaid, no network).
            send(page, DIAGRAM)
            expect(messages(page)).to_have_count(7)
            expect(messages(page).nth(6)).to_contain_text(DIAGRAM_REPLY)
            frame = messages(page).nth(5).frame_locator("iframe")
            expect(frame.locator("#diagram[data-state=ok] svg")).to_be_visible()
            expect(frame.locator("svg")).to_contain_text("LLM")
            expect(messages(page).nth(5)).to_contain_text("Here is my sketch:")
            # Drawn at a readable size, in a frame as tall as the diagram (no blank gap).
            drawn = messages(page).nth(5).locator("iframe")
            sizes = (
                drawn.element_handle()
                .content_frame()
                .evaluate(
                    """() => ({
                  label: Math.min(...[...document.querySelectorAll('svg .nodeLabel, svg text')]
                    .map((e) => e.getBoundingClientRect().height).filter((h) => h > 0)),
                  svg: document.querySelector('#diagram svg').getBoundingClientRect().height,
                })"""
                )
            )
            frame_box = drawn.bounding_box()
            assert frame_box is not None and sizes["label"] >= 10, sizes
            assert 0 <= frame_box["height"] - sizes["svg"] <= 40, (frame_box, sizes)
            idle(page)
            expect(box).to_be_focused()

            # Switch to another model and server from the sidebar, mid-interview.
            panel = sidebar.get_by_test_id("stExpander").filter(has_text="This interview's model")
            panel.locator("summary").click()
            model_field = panel.get_by_role("textbox", name="Model", exact=True)
            expect(model_field).to_have_value("openai/scripted")
            expect(panel.get_by_role("textbox", name="API base URL")).to_have_value(fake_llm.base_url)
            for name, value in (("Model", "openai/second"), ("API base URL", second_llm.base_url)):
                field = panel.get_by_role("textbox", name=name, exact=True)
                field.fill(value)
                field.press("Enter")  # Streamlit takes a text field's value on Enter or blur
                idle(page)
            panel.get_by_role("button", name="Switch model").click()
            expect(page.get_by_text(f"Model switched to openai/second (server: {second_llm.base_url})")).to_be_visible()
            idle(page)
            assert_labelled(page)

            # An over-limit paste is refused at the box, with a reason; what was
            # typed before stays, and nothing is sent.
            box.fill("My answer so far.")
            box.press("End")
            page.evaluate(
                """(text) => {
                  const box = document.querySelector('[data-testid=stChatInputTextArea]');
                  const data = new DataTransfer(); data.setData('text/plain', text);
                  box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
                }""",
                "x" * 9000,
            )
            page.keyboard.insert_text("x" * 9000)
            expect(page.locator("#ivw-busy[role=status]")).to_contain_text("the limit is 8,000")
            expect(box).to_have_value("My answer so far.")
            assert len(messages(page).all()) == 7
            box.press("Enter")
            expect(messages(page)).to_have_count(9)
            expect(messages(page).nth(8)).to_contain_text(LIMIT_REPLY)
            idle(page)
            # That reply came from the new server and model; the old one heard nothing more.
            assert len(fake_llm.chat_requests) == 4
            assert [r.body["model"] for r in second_llm.chat_requests] == ["second"]
            assert "My answer so far." in second_llm.chat_requests[0].messages[-1]["content"]

            # A tall window so the screenshot shows the whole conversation.
            page.set_viewport_size({"width": 1280, "height": 1250})
            page.locator("h1").first.scroll_into_view_if_needed()
            shot = tmp_path / "interview.png"
            page.screenshot(path=str(shot))
            assert shot.read_bytes().startswith(b"\x89PNG")
            if os.environ.get("UPDATE_SCREENSHOT"):  # UPDATE_SCREENSHOT=1 pytest -m browser
                SCREENSHOT.write_bytes(shot.read_bytes())

            # Reload: the same interview, every turn, in order; nothing re-sent.
            requests_before = len(fake_llm.chat_requests) + len(second_llm.chat_requests)
            page.reload()
            expect(messages(page)).to_have_count(9)
            assert page.url == session_url
            texts = messages(page).all_inner_texts()
            assert OPENING in texts[0] and "next few words" in texts[1] and FOLLOWUP in texts[2]
            assert STEP2 in texts[4] and "Here is my sketch:" in texts[5] and DIAGRAM_REPLY in texts[6]
            expect(sidebar.locator("strong", has_text="2. Frame it as an ML problem")).to_be_visible()
            expect(page.get_by_text("Model switched to openai/second")).to_be_visible()
            assert len(fake_llm.chat_requests) + len(second_llm.chat_requests) == requests_before == 5

            # A phone: the controls are on screen without opening the sidebar,
            # and End interview asks before it ends anything.
            phone = context.new_page()
            phone.set_viewport_size({"width": 420, "height": 860})
            phone.goto(session_url)
            expect(messages(phone)).to_have_count(9)
            end = phone.get_by_role("button", name="End interview")
            expect(end).to_be_in_viewport()
            expect(phone.get_by_role("button", name="Hint")).to_be_in_viewport()
            expect(phone.get_by_test_id("stSidebar")).not_to_be_in_viewport()
            assert phone.evaluate("document.documentElement.scrollWidth") <= 420
            # Once the run has ended: before, the input is still a grey placeholder.
            idle(phone)
            expect(phone.get_by_test_id("stChatInputTextArea")).to_be_enabled()
            phone_shot = tmp_path / "interview-phone.png"
            phone.screenshot(path=str(phone_shot))
            if os.environ.get("UPDATE_SCREENSHOT"):
                PHONE_SCREENSHOT.write_bytes(phone_shot.read_bytes())
            end.click()
            expect(phone.get_by_text("End the interview now?")).to_be_in_viewport()
            phone.get_by_role("button", name="Keep going").click()
            # The confirmation gone means that rerun has painted; a click before
            # the page is idle can land on an element about to be replaced.
            expect(phone.get_by_text("End the interview now?")).to_have_count(0)
            idle(phone)
            expect(phone.get_by_role("button", name="End interview")).to_be_in_viewport()
            assert "view=report" not in phone.url
            phone.get_by_role("button", name="End interview").click()
            # Wait for the confirmation itself: under a loaded CI machine the
            # previous rerun can still be painting when the click lands.
            expect(phone.get_by_text("End the interview now?")).to_be_in_viewport()
            phone.get_by_role("button", name="Yes, end interview").click()
            # Streamlit changes the URL with the history API, not a navigation;
            # expect() polls the URL instead of waiting for a load event.
            expect(phone).to_have_url(re.compile(r"view=report"), timeout=60_000)
            phone.close()

            # The report: graded with the model, scores as "x.y / 5".
            page.goto(session_url)
            page.wait_for_url(re.compile(r"session="))
            overall = page.get_by_test_id("stMetric").filter(has_text="Overall score")
            expect(overall).to_contain_text(re.compile(r"\d\.\d / 5"))
            expect(page.get_by_text("openai/second (model grader)").first).to_be_visible()
            with page.expect_download() as download:
                page.get_by_role("button", name="PDF").click()
            pdf = Path(download.value.path())
            assert pdf.read_bytes().startswith(b"%PDF")
            assert download.value.suggested_filename.endswith(".pdf")

            # The exported HTML: Markdown rendered, the diagram drawn by the
            # bundled mermaid under the page's own policy, AA contrast.
            with page.expect_download() as download:
                page.get_by_role("button", name="HTML").click()
            report_file = tmp_path / "report.html"
            download.value.save_as(report_file)
            problems: list[str] = []
            html_page = context.new_page()
            html_page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            html_page.goto(report_file.as_uri())
            expect(html_page.locator("pre.mermaid svg")).to_be_visible()
            expect(html_page.locator("pre.mermaid svg")).to_contain_text("LLM")
            expect(
                html_page.locator(".turn strong", has_text="Step 2 of 7 — Frame it as an ML problem")
            ).to_be_visible()
            expect(html_page.locator(".turn strong", has_text="next few words")).to_be_visible()
            assert "**" not in html_page.locator("main").inner_text()
            assert not problems, problems
            assert_labelled(page)
            texts_contrast = html_page.evaluate(CONTRAST_JS)
            chips = [t for t in texts_contrast if t["chip"]]
            assert chips and all(t["ratio"] >= 4.5 for t in chips), chips
            low = [t for t in texts_contrast if t["ratio"] < 4.5]
            assert not low, low
            html_page.set_viewport_size({"width": 420, "height": 860})
            assert html_page.evaluate("document.documentElement.scrollWidth") <= 420
            html_page.close()

            # History at 1400 px (the table's columns fit: test_app checks the
            # widths; the grid is a canvas): one click on a row opens that session.
            page.set_viewport_size({"width": 1400, "height": 1000})
            page.goto(f"{app_url}/?view=history")
            grid = page.get_by_test_id("stDataFrame")
            expect(grid).to_be_visible()
            expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
            bounds = grid.bounding_box()
            assert bounds is not None
            page.mouse.click(bounds["x"] + 18, bounds["y"] + 35 + 18)  # the first row's selection cell
            page.wait_for_url(re.compile(r"\?session=[0-9a-f]{12}"))
            expect(page.locator("h1").first).to_contain_text("Smart email composer")
        finally:
            browser.close()
    assert not outside, f"requests left 127.0.0.1: {outside}"
