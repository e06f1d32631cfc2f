"""The sidebar: navigation and the model settings panel."""

from __future__ import annotations

import streamlit as st

from .. import llm
from ..errors import InterviewerError
from ..markdown_safe import plain
from ..routes import route_names
from ..settings import API_KEY, load_settings
from . import model_choice
from .grader_check import grader_check
from .state import auth_configured, choice, env, go


def _route_picker(label: str, key: str, names: list[str], *, blank: str) -> None:
    # A shared deployment offers only the operator's models: a list, not a text field.
    options = ["", *names]
    if st.session_state.get(key) not in options:
        st.session_state[key] = ""
    st.selectbox(label, options, key=key, format_func=lambda n: n or blank)


def model_settings_panel(expanded: bool) -> None:
    config = load_settings(env())
    defaults = model_choice.default_choice(env())
    for key, value in (
        ("cfg_model", defaults.model),
        ("cfg_grader", defaults.grader_model),
        ("cfg_base", defaults.api_base),
        ("cfg_key", ""),
    ):
        st.session_state.setdefault(key, value)
    with st.expander("Model settings", expanded=expanded, icon=":material/settings:"):
        if not config.allow_custom_models:
            names = route_names(config)
            _route_picker("Interviewer model", "cfg_model", names, blank="offline")
            _route_picker("Grader model", "cfg_grader", names, blank="same as the interviewer")
            st.session_state["cfg_base"] = ""
            st.caption("This server offers the models its operator configured.")
        else:
            _free_fields()
        st.text_input(
            "API key",
            key="cfg_key",
            type="password",
            help="Kept in this browser session only; never saved, and only sent to the model's own server. "
            "Without it, a model the operator configured uses the operator's key; any other model gets none.",
        )
        if not st.session_state.get("cfg_key") and env().get(API_KEY):
            st.caption("Models the operator configured use the server's key (INTERVIEWER_API_KEY).")
        if st.button("Test connection", width="stretch"):
            test_connection()
        grader_check()  # can the chosen grader be trusted? (the labelled calibration set)


def _free_fields() -> None:
    # Free text: on one's own machine (or where the operator allows it) any model and server.
    st.text_input(
        "Interviewer model",
        key="cfg_model",
        placeholder="offline",
        help="A litellm model string, e.g. openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest, "
        "ollama_chat/llama3.1. Empty: offline mode (a scripted interviewer, no model).",
    )
    st.text_input("Grader model", key="cfg_grader", placeholder="same as the interviewer")
    st.text_input(
        "API base URL",
        key="cfg_base",
        placeholder="e.g. http://localhost:11434 (Ollama)",
        help="For local servers: Ollama, llama.cpp, vLLM, LM Studio. For an OpenAI-compatible "
        "server use the model string openai/<name> and the server's /v1 URL.",
    )


def test_connection() -> None:
    try:
        interviewer = model_choice.interviewer_settings(choice(), env())
        grader = model_choice.grader_settings(choice(), env())
    except InterviewerError as exc:
        st.error(plain(str(exc)))
        return
    paths = {s.where(): s for s in (interviewer, grader) if s is not None}
    for where, settings in paths.items():
        with st.spinner(f"Calling {plain(where)}…"):
            try:
                st.success(plain(llm.test_connection(settings)))
            except InterviewerError as exc:
                st.error(f"Connection failed: {plain(str(exc))}")


def nav() -> None:
    st.markdown("### Mock interviewer")  # no icon: a screen reader would read its name
    left, right = st.columns(2)
    left.button("New interview", on_click=go, args=("start",), width="stretch")
    right.button("History", on_click=go, args=("history",), width="stretch")
    if auth_configured() and st.user.is_logged_in:
        st.caption(f"Signed in as {plain(str(st.user.get('email') or ''))}")
        st.button("Sign out", on_click=st.logout, key="sign_out")
