"""The bundled keyboard-and-focus script (``static/keys.js``), put on every page.

Why a script: Streamlit has no API to move focus or to keep a draft while a
reply streams. It runs in the page itself (``st.html`` with JavaScript), is
read from this package (never fetched) and installs once per browser tab.
"""

from __future__ import annotations

from functools import lru_cache

from ..resources import package_path
from ..session import MAX_MESSAGE_CHARS

KEYS_JS = package_path("web", "static", "keys.js")
CONTAINER_KEY = "ivw_keys"


@lru_cache(maxsize=1)
def script_html() -> str:
    # The keyed container takes no room on the page; the script still runs.
    hide = f"<style>.st-key-{CONTAINER_KEY} {{ display: none; }}</style>"
    limit = f"window.__interviewerMaxChars = {MAX_MESSAGE_CHARS};"
    return f"{hide}<script>{limit}\n{KEYS_JS.read_text(encoding='utf-8')}</script>"


def install() -> None:
    import streamlit as st

    with st.container(key=CONTAINER_KEY):
        st.html(script_html(), unsafe_allow_javascript=True)
