"""The interview page: the progress strip, the chat, and the controls under the input."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ..agent import Interviewer, Reply
from ..errors import ConflictError, InputError, InterviewerError, LLMError
from ..markdown_safe import plain, safe_markdown
from ..offline import OFFLINE_LABEL
from ..session import MAX_MESSAGE_CHARS, Session
from . import model_choice, turns, views
from .diagrams import render_text
from .state import env, errors, fw, go, store, tab_id
from .switch_panel import switch_panel

# st.session_state key: the session whose "End interview" awaits confirmation.
CONFIRM_END = "_confirm_end"
# st.session_state key: (session id, message, text to give back) after a conflict.
RELOADED = "_reloaded"
ANOTHER_WINDOW = (
    "Another window is writing the interviewer's reply to this interview right now; "
    "reload this page in a moment to see it."
)
REPLYING: tuple[turns.Decision, ...] = ("answer", "hint", "next", "retry", "owed")


def lease_seconds(timeout: float, retries: int) -> float:
    """Long enough for the slowest reply the settings allow; a crashed tab's lease then lapses."""
    return timeout * (retries + 1) + 30


def _set_pending(session_id: str, action: turns.Action) -> None:
    text = (st.session_state.get("chat") or "") if action == "answer" else ""
    st.session_state["_pending"] = turns.Pending(session_id, action, text)
    st.session_state.pop(CONFIRM_END, None)
    if action == "retry":
        errors().pop(session_id, None)


def _reload_after_conflict(session_id: str, message: str, text: str) -> None:
    """Show the session as stored now, say so, and give back what was typed."""
    st.session_state[RELOADED] = (session_id, message, text.strip())
    st.rerun()


def _ask_end(session_id: str) -> None:
    st.session_state[CONFIRM_END] = session_id


def _keep_going() -> None:
    st.session_state.pop(CONFIRM_END, None)


def step_strip(session: Session) -> None:
    """Steps and time left, above the chat (static: used while a reply streams)."""
    rows = views.step_rows(fw(), session)
    st.html(views.step_strip_html(rows, views.clock_view(fw(), session)))


@st.fragment(run_every=timedelta(seconds=15))
def live_strip(session_id: str) -> None:
    """The strip, ticking while the candidate types (a fragment rerun never interrupts a reply)."""
    try:
        session = store().load(session_id)
    except InterviewerError:
        return
    step_strip(session)


def step_detail(session: Session) -> None:
    """The sidebar's detail: every step in words, and what the model has used."""
    st.markdown("**Interview steps**")
    st.markdown("\n".join(f"- {row.label}" for row in views.step_rows(fw(), session)))
    st.caption(views.usage_line(session))


def controls(session: Session, busy: bool) -> None:
    """Hint, Next step and End interview, under the chat input; End asks first.

    While a reply streams they show disabled under other keys, because the
    enabled set is drawn again in the same run once the stream has ended.
    """
    off = busy or session.ended
    k = "_busy" if busy else ""
    if st.session_state.get(CONFIRM_END) == session.id and not off:
        with st.container(border=True, key="ctl_confirm" + k):
            st.markdown("**End the interview now?** It is then graded, and cannot be continued.")
            with st.container(horizontal=True, gap="small"):
                st.button(
                    "Yes, end interview",
                    type="primary",
                    icon=":material/flag:",
                    on_click=_set_pending,
                    args=(session.id, "end"),
                    key="ctl_end_yes" + k,
                )
                st.button("Keep going", on_click=_keep_going, key="ctl_keep" + k)
        return
    with st.container(horizontal=True, gap="small", key="ctl_row" + k):
        st.button(
            "Hint",
            icon=":material/lightbulb:",
            on_click=_set_pending,
            args=(session.id, "hint"),
            disabled=off,
            key="ctl_hint" + k,
            help="Ask the interviewer for a hint (it is noted in the report).",
        )
        st.button(
            "Next step",
            icon=":material/skip_next:",
            on_click=_set_pending,
            args=(session.id, "next"),
            disabled=off,
            key="ctl_next" + k,
            help="Tell the interviewer you want to move on to the next step.",
        )
        st.button(
            "End interview",
            icon=":material/flag:",
            on_click=_ask_end,
            args=(session.id,),
            disabled=off,
            key="ctl_end" + k,
            help="End and grade the interview (asks to confirm).",
        )


def notices(session: Session, before: int) -> None:
    """The program's lines in the transcript (model switches) that come before turn ``before``."""
    for text in views.notices_before(session, before):
        # Words only: an icon in Markdown is read out as "swap_horiz icon".
        st.caption(text)


def header(session: Session) -> None:
    st.title(views.page_title(session.problem))
    details = f"Level: {session.level} · {session.minutes} min"
    if session.offline:
        # Said once per page: the banner below names offline mode.
        st.caption(details)
        st.info(f"**{OFFLINE_LABEL}.** Grading is offline too.", icon=":material/cloud_off:")
    else:
        st.caption(
            f"{details} · "
            + model_choice.describe_models(session.model, session.grader_model or session.model, session.api_base)
        )
    if session.problem.source == "custom":
        # Text, not Markdown: a link or image the candidate typed is shown as
        # typed, never drawn or fetched (Markdown would link a bare URL even escaped).
        st.text(session.problem.opening_prompt)
    else:
        with st.expander("The problem", icon=":material/description:"):
            st.markdown(safe_markdown(session.problem.opening_prompt))


def begin_reply(
    interviewer: Interviewer, decision: turns.Decision, pending: turns.Pending | None
) -> tuple[Reply | None, str | None, str | None]:
    """(the reply to stream, a notice, text to give back) for a run that owes a reply.

    One window at a time calls the model for a session (issue 10.3): without
    the lease nothing is started and what was typed is given back.
    """
    session, settings = interviewer.session, interviewer.settings
    typed = pending.text if pending else ""
    if not store().claim_reply(session.id, tab_id(), lease_seconds(settings.timeout, settings.max_retries)):
        return None, ANOTHER_WINDOW, typed if decision == "answer" and typed.strip() else None
    reply = None
    try:
        reply = turns.start_reply(interviewer, decision, typed)
    except ConflictError as exc:
        _reload_after_conflict(session.id, str(exc), typed)
    except InputError as exc:
        return None, str(exc), None
    finally:
        if reply is None:
            store().release_reply(session.id, tab_id())
    return reply, None, None


def chat(session: Session, error: str | None, notice: str | None, held: str | None) -> None:
    """The transcript with the program's notices between turns, then what this run has to say."""
    for i, turn in enumerate(session.turns):
        notices(session, i)
        with st.chat_message("assistant" if turn.role == "interviewer" else "user"):
            render_text(views.turn_markdown(turn), key=f"m-{session.id}-{i}")
    notices(session, len(session.turns))
    if error:
        with st.chat_message("assistant"):
            st.error(plain(error), icon=":material/error:")
            st.caption("Your last message is saved; retrying does not send it twice.")
            st.button("Retry", type="primary", on_click=_set_pending, args=(session.id, "retry"), key="retry")
    if notice:
        st.warning(plain(notice))
    if held:
        st.warning("This was not sent. Copy it back into the box when the interviewer has replied:")
        st.code(held, language=None, wrap_lines=True)


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
        try:
            interviewer.end()
        except ConflictError as exc:
            _reload_after_conflict(session.id, str(exc), "")
        go("report", session.id)
        st.rerun()

    notice = None
    reply: Reply | None = None
    held = turns.held_text(decision, pending)
    reloaded = st.session_state.pop(RELOADED, None)
    if reloaded and reloaded[0] == session.id:
        notice, held = reloaded[1], reloaded[2] or held
    if decision in REPLYING:
        reply, refusal, kept = begin_reply(interviewer, decision, pending)
        notice, held = refusal or notice, kept or held
    busy = reply is not None

    header(session)
    # Placeholders, refilled once a streamed reply has ended: the page then
    # stays as it is (no second run), so the input is usable at once.
    strip = st.empty()
    with strip.container():
        if busy:
            step_strip(session)
        else:
            live_strip(session.id)
    with side:
        detail = st.empty()
        switch_panel(session)
    with detail.container():
        step_detail(session)

    chat(session, error if decision == "error" else None, notice, held)

    with st.bottom:
        # max_chars: the box shows a counter and refuses what is over the
        # limit as it is typed or pasted, so nothing is wiped after Enter.
        # Never disabled while a reply streams: the candidate may type ahead
        # (static/keys.js holds Enter back until the reply has ended).
        st.chat_input(
            turns.input_placeholder(decision, error),
            key="chat",
            max_chars=MAX_MESSAGE_CHARS,
            on_submit=_set_pending,
            args=(session.id, "answer"),
            disabled=bool(error) or session.ended,
        )
        bar = st.empty()
    with bar.container():
        controls(session, busy)

    if reply is None:
        return
    with st.chat_message("assistant"):
        try:
            st.write_stream(iter(reply))
        except ConflictError as exc:
            # Someone else wrote meanwhile: their turns win, the reply is asked again.
            _reload_after_conflict(session.id, str(exc), "")
        except LLMError as exc:
            errors()[session.id] = str(exc)
            st.rerun()  # shows the error with its Retry button
        finally:
            store().release_reply(session.id, tab_id())
    session = interviewer.session
    with strip.container():
        live_strip(session.id)
    with detail.container():
        step_detail(session)
    with bar.container():
        controls(session, busy=False)
