"""The interview page's sidebar panel: this interview's model and server, and switching them."""

from __future__ import annotations

import streamlit as st

from ..errors import InterviewerError
from ..routes import route_names
from ..session import Session, utcnow
from ..settings import load_settings
from ..switching import apply_switch
from . import model_choice
from .state import env, errors, store

FIELDS = ("sw_model", "sw_grader", "sw_base")
SYNCED = "_sw_synced"
SWITCH_ERROR = "_sw_error"


def _switch(session_id: str, offline: bool) -> None:
    s = st.session_state
    new = model_choice.ModelChoice(
        model="" if offline else s.get("sw_model", ""),
        grader_model="" if offline else s.get("sw_grader", ""),
        api_base="" if offline else s.get("sw_base", ""),
        api_key=s.get("cfg_key", ""),
    )
    try:
        settings, grader = model_choice.switch_settings(new, env())
        session = store().load(session_id)
        if apply_switch(session, settings.model, settings.api_base, grader, utcnow()) is not None:
            store().save(session)
    except InterviewerError as exc:
        s[SWITCH_ERROR] = str(exc)
        return
    s.pop(SWITCH_ERROR, None)
    # The remembered error was the old model's: the owed reply is produced
    # again, now by the new one (Retry would do the same).
    errors().pop(session_id, None)
    s.pop(SYNCED, None)


def _sync(session: Session) -> None:
    # Show the session's saved model, not the visitor's start-page fields; only
    # when the session (or what it saved) changed, so typing is not undone.
    shown = model_choice.session_choice(session, env())
    mark = (session.id, session.model, session.api_base, session.grader_model)
    if st.session_state.get(SYNCED) != mark:
        st.session_state["sw_model"] = shown.model
        st.session_state["sw_grader"] = shown.grader_model
        st.session_state["sw_base"] = shown.api_base
        st.session_state[SYNCED] = mark


def switch_panel(session: Session) -> None:
    """Render inside the sidebar container; nothing once the interview has ended."""
    if session.ended:
        return
    _sync(session)
    config = load_settings(env())
    with st.expander("This interview's model", icon=":material/swap_horiz:"):
        if config.allow_custom_models:
            st.text_input("Model", key="sw_model", placeholder="offline")
            st.text_input("Grader", key="sw_grader", placeholder="same as the interviewer")
            st.text_input("API base URL", key="sw_base", placeholder="none")
        else:
            options = ["", *route_names(config)]
            for key, label, blank in (("sw_model", "Model", "offline"), ("sw_grader", "Grader", "same")):
                if st.session_state.get(key) not in options:
                    st.session_state[key] = ""
                st.selectbox(label, options, key=key, format_func=lambda n, b=blank: n or b)
        st.caption("Applies to the rest of this interview (noted in the transcript); the API key is the one above.")
        st.button("Switch model", on_click=_switch, args=(session.id, False), key="sw_apply", width="stretch")
        st.button("Continue offline", on_click=_switch, args=(session.id, True), key="sw_offline", width="stretch")
        if st.session_state.get(SWITCH_ERROR):
            st.error(st.session_state[SWITCH_ERROR])
