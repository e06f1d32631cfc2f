"""The start page: choose a problem, a level and a duration."""

from __future__ import annotations

import streamlit as st

from ..errors import InputError, SettingsError
from ..framework import LEVELS
from ..markdown_safe import plain
from ..offline import OFFLINE_LABEL
from ..settings import is_offline_model
from . import model_choice, start_form, views
from .state import choice, env, fw, go, store


def start_page(notice: str | None) -> None:
    st.title("GenAI system design mock interview")
    st.caption("Seven steps, from requirements to monitoring. Think out loud; ask about anything that is unclear.")
    if notice:
        st.warning(notice)
    try:
        settings = model_choice.interviewer_settings(choice(), env())
    except SettingsError as exc:
        # A model this server does not offer: say so and offer offline instead.
        st.error(plain(str(exc)), icon=":material/error:")
        settings = model_choice.offline_settings(env())
        refused = True
    else:
        refused = False

    bank, own = "From the problem bank", "My own problem"
    source = st.radio("Problem", [bank, own], horizontal=True, key="start_source")
    problem_id: str | None = None
    custom_text = ""
    if source == bank:
        # static/keys.js focuses this picker when the page opens.
        problems = {p.id: p for p in fw().problems}
        problem_id = st.selectbox(
            "Choose a problem",
            list(problems),
            format_func=lambda pid: views.problem_option(problems[pid]),
            key="start_problem",
        )
        if problem_id:
            p = problems[problem_id]
            with st.container(border=True):
                st.markdown(f"**{plain(p.title)}** — {plain(p.summary)}")
                st.markdown(" ".join(f":blue-badge[{plain(tag)}]" for tag in p.tags))
    else:
        custom_text = st.text_area(
            "Describe the system to design",
            key="start_custom",
            placeholder="e.g. Design an assistant that drafts replies to customer support tickets.",
        )

    left, right = st.columns(2)
    level = left.radio("Level", list(LEVELS), index=LEVELS.index("senior"), horizontal=True, key="start_level")
    minutes = right.select_slider(
        "Duration (minutes)", options=list(start_form.DURATIONS), value=45, key="start_minutes"
    )
    st.caption(fw().levels[level].expectations if level in fw().levels else "")
    grader = "offline" if refused else model_choice.grader_model(choice())
    if settings.offline and is_offline_model(grader):
        # Said once: the banner covers the interviewer and the grader.
        st.info(
            f"**{OFFLINE_LABEL}.** Grading is offline too (rule-based, from the rubrics). "
            "Set a model under **Model settings** in the sidebar for a real interviewer.",
            icon=":material/cloud_off:",
        )
    else:
        st.markdown(model_choice.describe_models(settings.model, grader, settings.api_base))

    if st.button("Start interview", type="primary", key="start_button"):
        try:
            problem = start_form.choose_problem(fw(), problem_id, custom_text, use_custom=source == own)
            session = start_form.new_session(
                fw(), problem=problem, level=level, minutes=int(minutes), settings=settings, grader=grader
            )
        except InputError as exc:
            st.error(plain(str(exc)))
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
        # The whole label is the button, so a screen reader hears which session it opens.
        st.button(
            views.session_label(s),
            key=f"open-{s.id}",
            on_click=go,
            args=("interview", s.id),
            type="tertiary",
            icon=":material/history:",
        )
