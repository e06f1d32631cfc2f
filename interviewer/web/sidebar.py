"""The sidebar: navigation and the model settings panel."""

from __future__ import annotations

import streamlit as st

from .. import llm
from ..errors import InterviewerError
from ..settings import API_KEY
from . import model_choice
from .grader_check import grader_check
from .state import choice, env, go


def model_settings_panel(expanded: bool) -> None:
    defaults = model_choice.default_choice(env())
    for key, value in (
        ("cfg_model", defaults.model),
        ("cfg_grader", defaults.grader_model),
        ("cfg_base", defaults.api_base),
        ("cfg_key", ""),
    ):
        st.session_state.setdefault(key, value)
    with st.expander("Model settings", expanded=expanded, icon=":material/settings:"):
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
        st.text_input(
            "API key",
            key="cfg_key",
            type="password",
            help="Kept in this browser session only; never saved. INTERVIEWER_API_KEY, provider variables "
            "(OPENAI_API_KEY, ...) and st.secrets are used when this is empty.",
        )
        if not st.session_state.get("cfg_key") and env().get(API_KEY):
            st.caption("Using the API key from INTERVIEWER_API_KEY.")
        if st.button("Test connection", width="stretch"):
            test_connection()
        grader_check()  # can the chosen grader be trusted? (the labelled calibration set)


def test_connection() -> None:
    settings = model_choice.interviewer_settings(choice(), env())
    models = dict.fromkeys([settings.model, model_choice.grader_model(choice())])
    for model in models:
        with st.spinner(f"Calling {model}…"):
            try:
                st.success(llm.test_connection(settings.with_model(model)))
            except InterviewerError as exc:
                st.error(f"Connection failed: {exc}")


def nav() -> None:
    st.markdown("### Mock interviewer")  # no icon: a screen reader would read its name
    left, right = st.columns(2)
    left.button("New interview", on_click=go, args=("start",), width="stretch")
    right.button("History", on_click=go, args=("history",), width="stretch")
