"""Mermaid diagrams in the Streamlit app, with no network.

A components-v1 frame (``static/mermaid/index.html``) loads the vendored
``mermaid.min.js`` from the same folder; Streamlit serves both, and the
browser caches the script, so a transcript with several diagrams does not
re-send 3.5 MB each rerun (an inlined ``components.html`` would).
"""

from __future__ import annotations

from ..resources import package_path
from .mermaid import split_mermaid

MERMAID_DIR = package_path("web", "static", "mermaid")
COMPONENT_NAME = "mermaid_diagram"


def render_mermaid(code: str, key: str) -> None:
    """Draw one diagram. Streamlit only; parse errors are shown in the frame."""
    from streamlit.components.v1 import declare_component

    # Declaring again with the same path is a no-op for Streamlit's registry,
    # and doing it here (not at import) registers it in every runtime.
    component = declare_component(COMPONENT_NAME, path=str(MERMAID_DIR))
    component(code=code, key=key, default=None)


def render_text(text: str, key: str) -> None:
    """Markdown, with each ```mermaid block drawn as a diagram."""
    import streamlit as st

    for i, (kind, body) in enumerate(split_mermaid(text)):
        if kind == "mermaid":
            render_mermaid(body, key=f"{key}-{i}")
        else:
            st.markdown(body)
