"""The report page: grade an ended interview once, show it, offer the downloads."""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from .. import export, report
from ..errors import ReportError
from ..markdown_safe import plain
from ..results import graded_steps, load_report, replaces
from ..session import Session
from . import model_choice, views
from .diagrams import render_text
from .state import env, fw, go, log, store

SHOWN_ABOVE = ("Problem", "Overall score", "Verdict", "Level", "Session")


def report_page(session_id: str, side: DeltaGenerator) -> None:
    session = store().load(session_id)
    st.title(f"Report — {views.page_title(session.problem)}")
    st.caption(f"Session {plain(session.id)} · level {plain(session.level)} · {session.minutes} min")
    if not session.ended:
        st.info("This interview is still in progress.")
        st.button("Back to the interview", on_click=go, args=("interview", session.id), type="primary")
        return
    with side:
        st.markdown("**Interview steps**")
        st.markdown("\n".join(f"- {row.label}" for row in views.step_rows(fw(), session)))
    graded_report(session)
    with st.expander("Transcript"):
        for i, turn in enumerate(session.turns):
            for text in views.notices_before(session, i):
                st.caption(text)
            with st.chat_message("assistant" if turn.role == "interviewer" else "user"):
                render_text(views.turn_markdown(turn), key=f"r-{session.id}-{i}")
        for text in views.notices_before(session, len(session.turns)):
            st.caption(text)


def graded_report(session: Session) -> None:
    from interviewer import grader  # loads the grading prompts; only this page needs them

    stored = store().latest_report(session.id)
    grade_errors: dict[str, str] = st.session_state.setdefault("_grade_error", {})
    regrade = st.session_state.pop("_regrade", None) == session.id
    result = None
    previous = None
    if stored is not None:
        try:
            previous = load_report(stored.data)
        except ReportError as exc:
            st.warning(f"The saved report could not be read ({plain(str(exc))}); grading again.")
    if not regrade:
        result = previous
    if result is None and session.id in grade_errors and not regrade:
        st.error(plain(grade_errors[session.id]), icon=":material/error:")
        st.button("Retry grading", type="primary", on_click=_ask_regrade, args=(session.id,))
        return
    if result is None:
        settings = model_choice.grading_settings(session, st.session_state.get("cfg_key", ""), env())
        label = "Checking rubric coverage offline…" if settings is None else f"Grading with {plain(settings.model)}…"
        # In a placeholder, cleared once graded: no empty "Graded" box stays behind.
        progress_box = st.empty()
        with progress_box.status(label, expanded=True) as status:

            def progress(step: int, state: str) -> None:
                status.write(f"Step {step} — {fw().step(step).title}: {state}")

            try:
                result = grader.grade_session(fw(), session, settings, samples=1, on_progress=progress)
            except Exception as exc:  # show any failure with a retry, never a traceback
                log.exception("grading %s failed", session.id)
                status.update(label="Grading failed", state="error")
                grade_errors[session.id] = f"Grading failed: {exc}"
                st.rerun()
            if not replaces(result, previous):
                # A failed (or partly failed) regrade never replaces a good report.
                status.update(label="Grading failed", state="error")
                reason = next((s.reason for s in result.steps if s.status == "not graded" and s.reason), "")
                failed = f"Only {graded_steps(result)} step(s) could be graded{': ' + reason if reason else ''}."
                if previous is None:
                    grade_errors[session.id] = f"Grading failed. {failed}"
                    st.rerun()
                st.session_state.setdefault("_regrade_kept", {})[session.id] = (
                    f"{failed} The earlier report ({graded_steps(previous)} step(s) graded) is kept."
                )
                result = previous
            else:
                store().save_report(session.id, result.model_dump(mode="json"), result.overall_score)
                status.update(label="Graded", state="complete", expanded=False)
        progress_box.empty()
        grade_errors.pop(session.id, None)
    kept = st.session_state.get("_regrade_kept", {}).pop(session.id, None)
    if kept:
        st.warning(plain(kept), icon=":material/history:")
    show_report(session, result)


def _ask_regrade(session_id: str) -> None:
    st.session_state["_regrade"] = session_id
    st.session_state.get("_grade_error", {}).pop(session_id, None)


def show_report(session: Session, result: Any) -> None:
    figures = report.headline(result)  # score and verdict, or offline coverage and "needs a model grader"
    for col, (label, value) in zip(st.columns(2), figures, strict=True):
        col.metric(label, value)
    # The report's header, less what the title and the metrics above say.
    # Offline grading is said once, by the banner below.
    hidden = (*SHOWN_ABOVE, *(label for label, _ in figures), *(("Grader",) if result.offline else ()))
    st.caption(
        " · ".join(f"{label}: {plain(value)}" for label, value in report.header_lines(result) if label not in hidden)
    )
    if report.coverage_check(result):
        st.info(report.OFFLINE_EXPLAINER, icon=":material/cloud_off:")
    # The one score table on the page (the feedback below leaves its own
    # out): a Markdown table, so a screen reader reads it as a table.
    st.markdown(views.report_table_markdown(result.steps, "Coverage" if report.coverage_check(result) else "Score"))
    # Generated when clicked (a PDF takes a moment), without rerunning the page.
    with st.container(horizontal=True, gap="small"):
        for label, fmt, mime in views.REPORT_DOWNLOADS:
            st.download_button(
                label,
                functools.partial(export.render, result, fmt),
                file_name=views.report_filename(session, fmt),
                mime=mime,
                on_click="ignore",
                icon=":material/download:",
                key=f"download_{fmt}",
            )
    st.subheader("Feedback")
    for heading, body in views.feedback_sections(report.render_markdown(result)):
        if heading.startswith(views.SECTIONS_SHOWN_ELSEWHERE):
            continue
        # Summary and practice points open; the long per-step detail folded.
        with st.expander(heading, expanded=not heading.startswith(views.FOLDED_SECTIONS)):
            render_text(body, key=f"fb-{session.id}-{heading[:40]}")
    st.button("Grade again", on_click=_ask_regrade, args=(session.id,), icon=":material/refresh:")
