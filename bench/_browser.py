"""Shared by the browser benches: `streamlit run` on 127.0.0.1 and headless
Debian chromium through Playwright, set up as tests/test_browser.py does."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servers import CHROMIUM, CHROMIUM_ARGS, free_port, serving, streamlit_cmd  # noqa: E402

TIMEOUT_MS = 60_000
# The browser marks the app root when a script run has ended.
IDLE = "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"


@contextlib.contextmanager
def streamlit(script: Path, folder: Path, env_extra: dict[str, str]) -> Iterator[tuple[str, Any]]:
    """Yield (url, process) of `streamlit run script`, headless on a free loopback port."""
    port = free_port()
    env = dict(os.environ)
    env.update(env_extra, PYTHONUNBUFFERED="1")
    cmd = streamlit_cmd(script, port)
    url = f"http://127.0.0.1:{port}"
    log = folder / f"streamlit-{port}.log"
    with serving(cmd, f"{url}/_stcore/health", log, deadline_s=90, cwd=ROOT, env=env) as proc:
        yield url, proc
    text = log.read_text(errors="replace")
    if "Traceback" in text:
        print(f"warning: the streamlit log has a traceback:\n{text[-2000:]}", file=sys.stderr)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """One headless chromium (Playwright's sync API); every request off 127.0.0.1 is refused."""
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:"))
            else route.abort()
        ),
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def idle(page: Any) -> None:
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)


def start_interview(page: Any, url: str) -> None:
    """Open the start page, start an interview on the default problem, wait for the opening question."""
    page.goto(url)
    page.get_by_role("button", name="Start interview").click()
    page.get_by_test_id("stChatMessage").first.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=TIMEOUT_MS)
    idle(page)
