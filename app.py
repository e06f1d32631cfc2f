"""The browser app: ``streamlit run app.py``.

Thin on purpose: it renders a Session and calls the ``interviewer`` package.
Every decision (which page, which action, what a step row shows) lives in
``interviewer.webstate``; the interview itself in ``interviewer.agent``.
Nothing here writes the API key anywhere: it stays in this browser session's
memory (or in the environment / st.secrets where the operator put it).
"""

from __future__ import annotations

import functools
import logging
import os
from datetime import timedelta
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from interviewer import export, llm, report, settings, trends
from interviewer import webstate as ws
from interviewer.agent import Interviewer
from interviewer.diagrams import render_mermaid
from interviewer.errors import InputError, InterviewerError, LLMError, ReportError
from interviewer.framework import LEVELS, Framework, framework
from interviewer.offline import OFFLINE_LABEL
from interviewer.results import load_report
from interviewer.session import Session
from interviewer.settings import load_settings, merged_env
from interviewer.store import Store

log = logging.getLogger("interviewer.app")

st.set_page_config(
    page_title="GenAI system design mock interview", page_icon=":material/record_voice_over:", layout="centered"
)

# --- per-browser-session resources -------------------------------------------------


def fw() -> Framework:
    return framework()


def store() -> Store:
    """One SQLite connection per browser session (and per data directory)."""
    path = load_settings(env()).data_dir
    current: Store | None = st.session_state.get("_store")
    if current is None or current.data_dir != path:
        current = Store(path)
        st.session_state["_store"] = current
    return current


def secrets() -> dict[str, Any]:
    try:
        if st.secrets.load_if_toml_exists():
            return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # a malformed secrets.toml must not break the app
        pass
    return {}


def env() -> dict[str, str]:
    return merged_env(os.environ, secrets())


def choice() -> ws.ModelChoice:
    s = st.session_state
    return ws.ModelChoice(
        model=s.get("cfg_model", ""),
        grader_model=s.get("cfg_grader", ""),
        api_base=s.get("cfg_base", ""),
        api_key=s.get("cfg_key", ""),
    )


def errors() -> dict[str, str]:
    return st.session_state.setdefault("_errors", {})


def go(page: ws.Page, session_id: str | None = None) -> None:
    st.query_params.from_dict(ws.params_for(page, session_id))


# --- sidebar: navigation and model settings --------------------------------------------


def model_settings_panel(expanded: bool) -> None:
    defaults = ws.default_choice(env())
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
        if not st.session_state.get("cfg_key") and env().get(settings.API_KEY):
            st.caption("Using the API key from INTERVIEWER_API_KEY.")
        if st.button("Test connection", width="stretch"):
            test_connection()


def test_connection() -> None:
    settings = ws.interviewer_settings(choice(), env())
    models = dict.fromkeys([settings.model, ws.grader_model(choice())])
    for model in models:
        with st.spinner(f"Calling {model}…"):
            try:
                st.success(llm.test_connection(settings.with_model(model)))
            except InterviewerError as exc:
                st.error(f"Connection failed: {exc}")


def nav() -> None:
    st.markdown("### :material/record_voice_over: Mock interviewer")
    left, right = st.columns(2)
    left.button("New interview", on_click=go, args=("start",), width="stretch")
    right.button("History", on_click=go, args=("history",), width="stretch")


# --- start page ------------------------------------------------------------------------


def start_page(notice: str | None) -> None:
    st.title("GenAI system design mock interview")
    st.caption("Seven steps, from requirements to monitoring. Think out loud; ask about anything that is unclear.")
    if notice:
        st.warning(notice)
    settings = ws.interviewer_settings(choice(), env())
    if settings.offline:
        st.info(f"**{OFFLINE_LABEL}.** Set a model in the sidebar for a real interviewer.", icon=":material/cloud_off:")

    bank, own = "From the problem bank", "My own problem"
    source = st.radio("Problem", [bank, own], horizontal=True, key="start_source")
    problem_id: str | None = None
    custom_text = ""
    if source == bank:
        problems = {p.id: p for p in fw().problems}
        problem_id = st.selectbox(
            "Choose a problem", list(problems), format_func=lambda pid: problems[pid].title, key="start_problem"
        )
        if problem_id:
            p = problems[problem_id]
            with st.container(border=True):
                st.markdown(f"**{p.title}** — {p.summary}")
                st.markdown(" ".join(f":blue-badge[{tag}]" for tag in p.tags))
    else:
        custom_text = st.text_area(
            "Describe the system to design",
            key="start_custom",
            placeholder="e.g. Design an assistant that drafts replies to customer support tickets.",
        )

    left, right = st.columns(2)
    level = left.radio("Level", list(LEVELS), index=LEVELS.index("senior"), horizontal=True, key="start_level")
    minutes = right.select_slider("Duration (minutes)", options=list(ws.DURATIONS), value=45, key="start_minutes")
    st.caption(fw().levels[level].expectations if level in fw().levels else "")
    grader = ws.grader_model(choice())
    st.markdown(ws.describe_models(settings.model, grader, settings.api_base))

    if st.button("Start interview", type="primary", key="start_button"):
        try:
            problem = ws.choose_problem(fw(), problem_id, custom_text, use_custom=source == own)
            session = ws.new_session(
                fw(), problem=problem, level=level, minutes=int(minutes), settings=settings, grader=grader
            )
        except InputError as exc:
            st.error(str(exc))
        else:
            store().save(session)
            go("interview", session.id)
            st.rerun()

    past_sessions(limit=8)


def past_sessions(limit: int) -> None:
    summaries = store().list_sessions(limit=limit)
    if not summaries:
        return
    st.subheader("Past sessions")
    for s in summaries:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.markdown(ws.session_label(s))
        right.button("Open", key=f"open-{s.id}", on_click=go, args=("interview", s.id), width="stretch")


# --- interview page ----------------------------------------------------------------------


def _set_pending(session_id: str, action: ws.Action) -> None:
    text = (st.session_state.get("chat") or "") if action == "answer" else ""
    st.session_state["_pending"] = ws.Pending(session_id, action, text)
    if action == "retry":
        errors().pop(session_id, None)


def step_panel(session: Session, busy: bool) -> None:
    st.markdown("**Interview steps**")
    for row in ws.step_rows(fw(), session):
        st.markdown(row.label)
    live_clock(session.id)
    tokens, cost = ws.usage_view(session)
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
    view = ws.clock_view(fw(), session)
    a, b = st.columns(2)
    a.metric("Time left", view.total_left, delta="over time" if view.total_over else None, delta_color="inverse")
    b.metric("This step", view.step_left, delta="over budget" if view.step_over else None, delta_color="inverse")


def render_text(text: str, key: str) -> None:
    for i, (kind, body) in enumerate(ws.split_mermaid(text)):
        if kind == "mermaid":
            render_mermaid(body, key=f"{key}-{i}")
        else:
            st.markdown(body)


def interview_page(session_id: str, side: DeltaGenerator) -> None:
    session = store().load(session_id)
    pending: ws.Pending | None = st.session_state.pop("_pending", None)
    error = ws.live_error(session, errors().get(session.id))
    if error is None:
        errors().pop(session.id, None)
    decision = ws.decide(session, pending, error)
    settings = ws.session_settings(session, st.session_state.get("cfg_key", ""), env())
    interviewer = Interviewer(fw(), session, settings, store())

    if decision == "end":
        interviewer.end()
        go("report", session.id)
        st.rerun()

    notice = None
    reply = None
    try:
        reply = ws.start_reply(interviewer, decision, pending.text if pending else "")
    except InputError as exc:
        notice = str(exc)
    busy = reply is not None

    with side:
        step_panel(session, busy)

    st.title(session.problem.title)
    st.caption(
        f"Level: {session.level} · {session.minutes} min · "
        + ws.describe_models(session.model, session.grader_model or session.model, session.api_base)
    )
    if session.offline:
        st.info(f"**{OFFLINE_LABEL}.**", icon=":material/cloud_off:")
    with st.expander("The problem", icon=":material/description:"):
        st.markdown(session.problem.opening_prompt)

    for i, turn in enumerate(session.turns):
        with st.chat_message("assistant" if turn.role == "interviewer" else "user"):
            render_text(ws.turn_markdown(turn), key=f"m-{session.id}-{i}")

    if decision == "error" and error:
        with st.chat_message("assistant"):
            st.error(error, icon=":material/error:")
            st.caption("Your last message is saved; retrying does not send it twice.")
            st.button("Retry", type="primary", on_click=_set_pending, args=(session.id, "retry"), key="retry")
    if notice:
        st.warning(notice)

    st.chat_input(
        ws.input_placeholder(decision, error),
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


# --- report page ---------------------------------------------------------------------------


def report_page(session_id: str, side: DeltaGenerator) -> None:
    session = store().load(session_id)
    st.title(f"Report — {session.problem.title}")
    st.caption(f"Session {session.id} · level {session.level} · {session.minutes} min")
    if not session.ended:
        st.info("This interview is still in progress.")
        st.button("Back to the interview", on_click=go, args=("interview", session.id), type="primary")
        return
    with side:
        st.markdown("**Interview steps**")
        for row in ws.step_rows(fw(), session):
            st.markdown(row.label)
    graded_report(session)
    with st.expander("Transcript"):
        for i, turn in enumerate(session.turns):
            with st.chat_message("assistant" if turn.role == "interviewer" else "user"):
                render_text(ws.turn_markdown(turn), key=f"r-{session.id}-{i}")


def graded_report(session: Session) -> None:
    from interviewer import grader  # loads the grading prompts; only this page needs them

    stored = store().latest_report(session.id)
    grade_errors: dict[str, str] = st.session_state.setdefault("_grade_error", {})
    regrade = st.session_state.pop("_regrade", None) == session.id
    result = None
    if stored is not None and not regrade:
        try:
            result = load_report(stored.data)
        except ReportError as exc:
            st.warning(f"The saved report could not be read ({exc}); grading again.")
    if result is None and session.id in grade_errors and not regrade:
        st.error(grade_errors[session.id], icon=":material/error:")
        st.button("Retry grading", type="primary", on_click=_ask_regrade, args=(session.id,))
        return
    if result is None:
        settings = ws.grading_settings(session, st.session_state.get("cfg_key", ""), env())
        label = "Grading offline (rubric keywords)…" if settings is None else f"Grading with {settings.model}…"
        with st.status(label, expanded=True) as status:

            def progress(step: int, state: str) -> None:
                status.write(f"Step {step} — {fw().step(step).title}: {state}")

            try:
                result = grader.grade_session(fw(), session, settings, samples=1, on_progress=progress)
            except Exception as exc:  # show any failure with a retry, never a traceback
                log.exception("grading %s failed", session.id)
                status.update(label="Grading failed", state="error")
                grade_errors[session.id] = f"Grading failed: {exc}"
                st.rerun()
            store().save_report(session.id, result.model_dump(mode="json"), result.overall_score)
            status.update(label="Graded", state="complete", expanded=False)
        grade_errors.pop(session.id, None)
    show_report(session, result)


def _ask_regrade(session_id: str) -> None:
    st.session_state["_regrade"] = session_id
    st.session_state.get("_grade_error", {}).pop(session_id, None)


def show_report(session: Session, result: Any) -> None:
    a, b = st.columns(2)
    a.metric("Overall score", report.fmt_score(result.overall_score))
    b.metric("Verdict", result.verdict or "—")
    if result.offline:
        st.info(
            "Graded offline: rule-based, no model (rubric points explained with specifics; keyword lists earn nothing).",
            icon=":material/cloud_off:",
        )
    st.dataframe(ws.report_step_rows(result.steps), hide_index=True, width="stretch")
    # Generated when clicked (a PDF takes a moment), without rerunning the page.
    cols = st.columns(4)
    for col, (label, fmt, mime) in zip(cols, ws.REPORT_DOWNLOADS, strict=True):
        col.download_button(
            label,
            functools.partial(export.render, result, fmt),
            file_name=ws.report_filename(session, fmt),
            mime=mime,
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )
    with st.expander("Full feedback", expanded=True, icon=":material/rate_review:"):
        st.markdown(report.render_markdown(result))
    st.button("Grade again", on_click=_ask_regrade, args=(session.id,), icon=":material/refresh:")


# --- history page ---------------------------------------------------------------------------


def history_page() -> None:
    st.title("History")
    summaries = store().list_sessions(limit=500)
    if not summaries:
        st.info("No interviews yet. Start one from “New interview”.")
        return
    st.subheader("Score trend")
    rows = trend_rows()
    if rows:
        score_chart(rows)
    else:
        st.caption("No graded interviews yet: scores appear here once interviews are graded.")
    st.subheader("Past sessions")
    st.dataframe(ws.session_rows(summaries), hide_index=True, width="stretch")
    labels = {s.id: ws.session_label(s) for s in summaries}
    chosen = st.selectbox("Open a session", list(labels), format_func=lambda sid: labels[sid], key="history_pick")
    st.button("Open", type="primary", on_click=go, args=("interview", chosen), key="history_open")


def score_chart(rows: list[dict[str, object]]) -> None:
    import altair as alt
    import pandas as pd

    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("graded:T", title="Graded", axis=alt.Axis(format="%b %d")),
            y=alt.Y("score:Q", title="Score (1-5)", scale=alt.Scale(domain=[1, 5])),
            color=alt.Color("series:N", title=None),
            tooltip=[
                "series:N",
                alt.Tooltip("score:Q", format=".1f"),
                alt.Tooltip("graded:T", format="%Y-%m-%d %H:%M"),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")


def trend_rows() -> list[dict[str, object]]:
    reports = store().list_reports()
    return ws.trend_rows(trends.overall_trend(reports), trends.score_trends(reports))


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    try:
        s = store()
        r = ws.route(st.query_params.to_dict(), s.exists, lambda sid: s.load(sid).ended)
        with st.sidebar:
            nav()
            page_panel = st.container()
            # Rendered first so its widgets keep their state even when a page
            # stops early (st.rerun after a streamed reply).
            model_settings_panel(expanded=r.page == "start")
        if r.page == "interview" and r.session_id:
            interview_page(r.session_id, page_panel)
        elif r.page == "report" and r.session_id:
            report_page(r.session_id, page_panel)
        elif r.page == "history":
            history_page()
        else:
            start_page(r.notice)
    except InterviewerError as exc:
        st.error(str(exc), icon=":material/error:")
    except Exception:  # never a traceback on the page; the log has it
        log.exception("page failed")
        st.error("Something went wrong on this page. Your answers are saved; reload to try again.")


main()
