"""Streamlit's native sign-in (st.login / st.user / st.logout) against a real
OpenID provider (npm's oidc-provider, tests/oidc) in headless Chromium.

The app (tests/apps/login_app.py) is served by `streamlit run` on 127.0.0.1 and
opened as http://localhost:PORT, the host its redirect URI names: the sign-in
state lives in cookies, which must come back to the host that set them. The
provider runs on 127.0.0.1, so its cookies never mix with the app's (cookies
are per host, not per port). Skips locally without Chromium, node or
tests/oidc/node_modules; fails in CI.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from oidcserver import OidcProvider, streamlit_auth_secrets
from servers import CHROMIUM, CHROMIUM_ARGS, free_port, serving, streamlit_cmd
from test_browser import TIMEOUT_MS, require_browser

APP = Path(__file__).resolve().parent / "apps" / "login_app.py"
LOOPBACK = {"127.0.0.1", "localhost"}

pytestmark = pytest.mark.browser


@pytest.fixture
def signin_app(start_oidc_provider: Callable[..., Any], tmp_path: Path) -> Iterator[tuple[str, OidcProvider]]:
    """(app URL, provider): the login app signed in through a fresh provider."""
    require_browser()
    port = free_port()
    app_url = f"http://localhost:{port}"
    redirect_uri = f"{app_url}/oauth2callback"
    with start_oidc_provider([redirect_uri]) as provider:
        secrets_file = tmp_path / "secrets.toml"
        secrets_file.write_text(streamlit_auth_secrets(provider, redirect_uri))
        cmd = streamlit_cmd(APP, port, "--secrets.files", str(secrets_file))
        log = tmp_path / "streamlit.log"
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with serving(cmd, f"http://127.0.0.1:{port}/_stcore/health", log, deadline_s=60, cwd=tmp_path, env=env):
            yield app_url, provider
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, text[-3000:]
        assert "OAuth token exchange failed" not in text, text[-3000:]


def _offline(route: Any) -> None:
    """Tests never reach the internet: the provider's login page imports a web font."""
    if urlsplit(route.request.url).hostname in LOOPBACK:
        route.continue_()
    else:
        route.abort()


def sign_in(page: Any, app_url: str, provider: OidcProvider, login: str) -> None:
    from playwright.sync_api import expect

    page.goto(app_url)
    expect(page.get_by_text("Not signed in")).to_be_visible()
    page.get_by_role("button", name="Sign in").click()
    # The provider's development login form: any name, any password.
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{app_url}/**")


def test_two_users_sign_in_and_out_with_st_login(signin_app: tuple[str, OidcProvider]) -> None:
    from playwright.sync_api import expect, sync_playwright

    app_url, provider = signin_app
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pages = {}
            for login in ("alice", "bob"):  # one browser context (cookie jar) per person
                context = browser.new_context()
                context.set_default_timeout(TIMEOUT_MS)
                context.route("**/*", _offline)
                pages[login] = context.new_page()
                sign_in(pages[login], app_url, provider, login)
                expect(pages[login].get_by_text(f"Signed in as {login}@example.test")).to_be_visible()

            # Each browser keeps its own user across a reload; neither sees the other.
            for login, other in (("alice", "bob"), ("bob", "alice")):
                pages[login].reload()
                expect(pages[login].get_by_text(f"Signed in as {login}@example.test")).to_be_visible()
                expect(pages[login].get_by_text(f"{other}@example.test")).to_have_count(0)

            # Signing out goes through the provider's end-session page and back.
            alice = pages["alice"]
            alice.get_by_role("button", name="Sign out").click()
            alice.wait_for_url(f"{provider.issuer}/session/end**")
            alice.get_by_role("button", name="Yes, sign me out").click()
            alice.wait_for_url(f"{app_url}/**")
            expect(alice.get_by_text("Not signed in")).to_be_visible()
            alice.reload()
            expect(alice.get_by_text("Not signed in")).to_be_visible()

            # Bob is untouched by Alice signing out.
            pages["bob"].reload()
            expect(pages["bob"].get_by_text("Signed in as bob@example.test")).to_be_visible()
        finally:
            browser.close()
