"""The interview page: the chat, the step tracker, and the buttons."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ..agent import Interviewer
from ..errors import InputError, InterviewerError, LLMError
from ..offline import OFFLINE_LABEL
from ..session import Session
from . import model_choice, turns, views
from .diagrams import render_text
from .state import env, errors, fw, go, store


def _set_pending(session_id: str, action: turns.Action) -> None:
    text = (st.session_state.get("chat") or "") if action == "answer" else ""
    st.session_state["_pending"] = turns.Pending(session_id, action, text)
    if action == "retry":
        errors().pop(session_id, None)


def step_panel(session: Session, busy: bool) -> None:
    st.markdown("**Interview steps**")
    for row in views.step_rows(fw(), session):
        st.markdown(row.label)
    live_clock(session.id)
    tokens, cost = views.usage_view(session)
    a, b = st.columns(2)
    a.metric("Tokens", tokens)
    b.metric("Cost", cost)
    ended = session.ended
    st.button(
        "Hint",
        icon=":material/lightbulb:",
        on_click=_set_pending,
        args=(session.id, "hint"),
        disabled=busy or ended,
        width="stretch",
    )
    st.button(
        "Next step",
        icon=":material/skip_next:",
        on_click=_set_pending,
        args=(session.id, "next"),
        disabled=busy or ended,
        width="stretch",
        help="Tell the interviewer you want to move on to the next step.",
    )
    st.button(
        "End interview",
        icon=":material/flag:",
        on_click=_set_pending,
        args=(session.id, "end"),
        disabled=busy or ended,
        width="stretch",
    )


@st.fragment(run_every=timedelta(seconds=15))
def live_clock(session_id: str) -> None:
    """Ticks while the candidate types (a fragment rerun never interrupts a reply)."""
    try:
        session = store().load(session_id)
    except InterviewerError:
        return
    view = views.clock_view(fw(), session)
    a, b = st.columns(2)
    a.metric("Time left", view.total_left, delta="over time" if view.total_over else None, delta_color="inverse")
    b.metric("This step", view.step_left, delta="over budget" if view.step_over else None, delta_color="inverse")


def interview_page(session_id: str, side: DeltaGenerator) -> None:
    session = store().load(session_id)
    pending: turns.Pending | None = st.session_state.pop("_pending", None)
    error = turns.live_error(session, errors().get(session.id))
    if error is None:
        errors().pop(session.id, None)
    decision = turns.decide(session, pending, error)
    settings = model_choice.session_settings(session, st.session_state.get("cfg_key", ""), env())
    interviewer = Interviewer(fw(), session, settings, store())

    if decision == "end":
        interviewer.end()
        go("report", session.id)
        st.rerun()

    notice = None
    reply = None
    try:
        reply = turns.start_reply(interviewer, decision, pending.text if pending else "")
    except InputError as exc:
        notice = str(exc)
    busy = reply is not None

    with side:
        step_panel(session, busy)

    st.title(session.problem.title)
    st.caption(
        f"Level: {session.level} · {session.minutes} min · "
        + model_choice.describe_models(session.model, session.grader_model or session.model, session.api_base)
    )
    if session.offline:
        st.info(f"**{OFFLINE_LABEL}.**", icon=":material/cloud_off:")
    with st.expander("The problem", icon=":material/description:"):
        st.markdown(session.problem.opening_prompt)

    for i, turn in enumerate(session.turns):
        with st.chat_message("assistant" if turn.role == "interviewer" else "user"):
            render_text(views.turn_markdown(turn), key=f"m-{session.id}-{i}")

    if decision == "error" and error:
        with st.chat_message("assistant"):
            st.error(error, icon=":material/error:")
            st.caption("Your last message is saved; retrying does not send it twice.")
            st.button("Retry", type="primary", on_click=_set_pending, args=(session.id, "retry"), key="retry")
    if notice:
        st.warning(notice)

    st.chat_input(
        turns.input_placeholder(decision, error),
        key="chat",
        on_submit=_set_pending,
        args=(session.id, "answer"),
        disabled=busy or bool(error) or session.ended,
        submit_mode="disable",
    )
    if reply is None:
        return
    with st.chat_message("assistant"):
        try:
            st.write_stream(iter(reply))
        except LLMError as exc:
            errors()[session.id] = str(exc)
    st.rerun()
