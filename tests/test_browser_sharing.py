"""Sharing, end to end in headless Chromium against `streamlit run app.py`:

- two people signed in through a real OpenID provider (npm's oidc-provider on
  127.0.0.1) each see only their own sessions, and a guessed ``?session=`` of
  the other's interview is refused like a missing one;
- two app servers on one PostgreSQL: an interview started on one continues on
  the other after a reload, and each side sees the other's answers.

Both run offline (no model), so nothing but loopback is contacted; every
request leaving 127.0.0.1/localhost is refused and fails the test. Skips
locally without Chromium, node or PostgreSQL; fails in CI.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from oidcserver import OidcProvider, streamlit_auth_secrets
from pgserver import fresh_database
from servers import CHROMIUM, CHROMIUM_ARGS, free_port, serving, streamlit_cmd
from test_browser import IDLE, TIMEOUT_MS, require_browser

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost"}
SESSION_URL = re.compile(r"\?session=[0-9a-f]{12}")
# A "Past sessions" button: "<title> · <level> · <date> · step N/7" (Playwright's
# role selector cannot take a "/" inside a regex).
PAST_SESSION = re.compile(r" · step \d")

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def app_server(port: int, tmp_path: Path, name: str, env: dict[str, str], *args: str) -> Iterator[None]:
    """`streamlit run app.py` on 127.0.0.1:port, offline: no model settings
    from the test's own environment leak into it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("INTERVIEWER_", "OPENAI_", "ANTHROPIC_"))}
    clean.update(env, PYTHONUNBUFFERED="1")
    cmd = streamlit_cmd("app.py", port, *args)
    log = tmp_path / f"{name}.log"
    with serving(cmd, f"http://127.0.0.1:{port}/_stcore/health", log, deadline_s=60, cwd=ROOT, env=clean):
        yield
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]


@contextlib.contextmanager
def chromium() -> Iterator[tuple[Any, list[str]]]:
    """(browser, outside): every request to a host other than loopback is
    refused and recorded in ``outside``."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser, outside
        finally:
            browser.close()


def new_page(browser: Any, outside: list[str], provider: OidcProvider | None = None) -> Any:
    """A page in its own context: its own cookie jar, so its own person.

    The provider's development login page asks for a web font: refused too,
    but not counted, since the app is what must never reach out.
    """

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
            return
        if provider is None or not route.request.frame.url.startswith(provider.issuer):
            outside.append(route.request.url)
        route.abort()

    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", only_loopback)
    return context.new_page()


def messages(page: Any) -> Any:
    return page.get_by_test_id("stChatMessage")


def send(page: Any, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(state="visible")
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    box.fill(text)
    box.press("Enter")


def start_offline_interview(page: Any, answer: str) -> str:
    """From the start page: start the default problem, answer once; the session's URL."""
    from playwright.sync_api import expect

    expect(page.get_by_text("Offline mode").first).to_be_visible()
    page.get_by_role("button", name="Start interview").click()
    page.wait_for_url(SESSION_URL)
    expect(messages(page)).to_have_count(1)
    send(page, answer)
    expect(messages(page)).to_have_count(3)
    expect(messages(page).nth(1)).to_contain_text(answer)
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    return page.url


# -- two people, one server, signed in with OpenID Connect ---------------------


@pytest.fixture
def signed_in_app(start_oidc_provider: Callable[..., Any], tmp_path: Path) -> Iterator[tuple[str, OidcProvider]]:
    """(app URL, provider): app.py with [auth] in its secrets, SQLite in a temp dir."""
    require_browser()
    port = free_port()
    # The redirect URI's host is where the sign-in cookie lives: open the app there.
    app_url = f"http://localhost:{port}"
    redirect_uri = f"{app_url}/oauth2callback"
    with start_oidc_provider([redirect_uri]) as provider:
        secrets_file = tmp_path / "secrets.toml"
        secrets_file.write_text(streamlit_auth_secrets(provider, redirect_uri))
        env = {"INTERVIEWER_DATA_DIR": str(tmp_path / "data")}
        with app_server(port, tmp_path, "app", env, "--secrets.files", str(secrets_file)):
            yield app_url, provider


def sign_in(page: Any, app_url: str, provider: OidcProvider, login: str) -> None:
    from playwright.sync_api import expect

    page.goto(app_url)
    # Nothing of anyone's is shown before sign-in.
    expect(page.get_by_text("Sign in to see and continue your interviews.")).to_be_visible()
    expect(page.get_by_role("button", name="Start interview")).to_have_count(0)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    page.locator("input[name=login]").fill(login)  # the provider's development form: any name
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{app_url}/**")
    expect(page.get_by_text(f"Signed in as {login}@example.test")).to_be_visible()


def test_two_signed_in_users_see_only_their_own_sessions(signed_in_app: tuple[str, OidcProvider]) -> None:
    from playwright.sync_api import expect

    app_url, provider = signed_in_app
    alice_answer = "Alice here: the product drafts replies for support agents."
    bob_answer = "Bob here: it summarises long legal contracts for lawyers."
    with chromium() as (browser, outside):
        alice, bob = new_page(browser, outside, provider), new_page(browser, outside, provider)
        sign_in(alice, app_url, provider, "alice")
        sign_in(bob, app_url, provider, "bob")

        alice_url = start_offline_interview(alice, alice_answer)
        alice_id = alice_url.rsplit("=", 1)[1]

        # Bob's start page and History list nothing of Alice's.
        bob.goto(app_url)
        expect(bob.get_by_role("button", name="Start interview")).to_be_visible()
        expect(bob.get_by_role("heading", name="Past sessions")).to_have_count(0)
        bob_url = start_offline_interview(bob, bob_answer)
        bob_id = bob_url.rsplit("=", 1)[1]
        assert bob_id != alice_id
        bob.goto(f"{app_url}/?view=history")
        expect(bob.get_by_role("heading", name="Past sessions")).to_be_visible()
        bob.wait_for_function(IDLE, timeout=TIMEOUT_MS)
        assert alice_id not in bob.content()

        # A guessed ?session= of Alice's: refused exactly like a missing id,
        # nothing of the interview shown, for the interview and the report view.
        for guessed in (f"{app_url}/?session={alice_id}", f"{app_url}/?session={alice_id}&view=report"):
            bob.goto(guessed)
            expect(bob.get_by_text(f"No saved interview has the id '{alice_id}'")).to_be_visible()
            expect(messages(bob)).to_have_count(0)
            expect(bob.get_by_text(alice_answer)).to_have_count(0)
        # Bob's own list has his session only.
        past = bob.get_by_role("button", name=PAST_SESSION)
        expect(past).to_have_count(1)

        # Alice still has hers, with her answer, and cannot open Bob's.
        alice.goto(alice_url)
        expect(messages(alice)).to_have_count(3)
        expect(messages(alice).nth(1)).to_contain_text(alice_answer)
        alice.goto(f"{app_url}/?session={bob_id}")
        expect(alice.get_by_text(f"No saved interview has the id '{bob_id}'")).to_be_visible()
        expect(alice.get_by_text(bob_answer)).to_have_count(0)
        expect(alice.get_by_role("button", name=PAST_SESSION)).to_have_count(1)
        assert outside == [], outside


# -- two app servers, one PostgreSQL ---------------------------------------------


def test_an_interview_continues_on_another_app_server(pg_url: str, tmp_path: Path) -> None:
    """Two replicas behind a load balancer share nothing but the database:
    whatever one saved, the other shows after a reload, and both can write."""
    from playwright.sync_api import expect

    require_browser()
    url = fresh_database(pg_url, "two_servers")
    ports = free_port(), free_port()
    first_answer = "First server: the assistant answers questions about our wiki."
    second_answer = "Second server: about 2,000 employees, answers within two seconds."
    third_answer = "First server again: wiki pages, tickets and chat logs as data."
    with contextlib.ExitStack() as stack:
        for n, port in enumerate(ports):
            # Separate data dirs: nothing is shared through the disk.
            env = {"INTERVIEWER_DATABASE_URL": url, "INTERVIEWER_DATA_DIR": str(tmp_path / f"data{n}")}
            stack.enter_context(app_server(port, tmp_path, f"app{n}", env))
        a_base, b_base = (f"http://127.0.0.1:{port}" for port in ports)
        with chromium() as (browser, outside):
            a, b = new_page(browser, outside), new_page(browser, outside)
            a.goto(a_base)
            a_url = start_offline_interview(a, first_answer)
            session = urlsplit(a_url).query

            # The other server lists it and opens it with every turn.
            b.goto(b_base)
            expect(b.get_by_role("button", name=PAST_SESSION)).to_have_count(1)
            b.goto(f"{b_base}/?{session}")
            expect(messages(b)).to_have_count(3)
            expect(messages(b).nth(1)).to_contain_text(first_answer)
            send(b, second_answer)
            expect(messages(b)).to_have_count(5)
            expect(messages(b).nth(3)).to_contain_text(second_answer)
            b.wait_for_function(IDLE, timeout=TIMEOUT_MS)

            # Back on the first server: a reload shows the second server's turn,
            # and the interview goes on from there, nothing lost or doubled.
            a.reload()
            expect(messages(a)).to_have_count(5)
            expect(messages(a).nth(3)).to_contain_text(second_answer)
            send(a, third_answer)
            expect(messages(a)).to_have_count(7)
            a.wait_for_function(IDLE, timeout=TIMEOUT_MS)
            b.reload()
            expect(messages(b)).to_have_count(7)
            texts = messages(b).all_inner_texts()
            assert [i for i, t in enumerate(texts) if first_answer in t] == [1]
            assert [i for i, t in enumerate(texts) if second_answer in t] == [3]
            assert [i for i, t in enumerate(texts) if third_answer in t] == [5]
            assert outside == [], outside
