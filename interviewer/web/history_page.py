"""The history page: the score trend and every session, a page at a time, each row opening its session."""

from __future__ import annotations

import functools

import streamlit as st

from .. import trends
from . import views
from .state import go, store

TABLE_KEY = "history_table"
# st.session_state key: the table page shown (0-based).
PAGE_KEY = "history_page"
# Rows a page: one screen on a laptop, and one bounded query however long the history.
PAGE_SIZE = 20


def history_page() -> None:
    st.title("History")
    total = store().count_sessions()
    if not total:
        st.info("No interviews yet. Start one from “New interview”.")
        return
    st.subheader("Score trend")
    trend()
    st.subheader("Past sessions")
    sessions_table(total)


def trend() -> None:
    """One overall line by default, from the reports' score column; the
    per-step lines (which read every report) only when asked for."""
    overall = store().overall_scores()
    if not overall:
        st.caption("No graded interviews yet: scores appear here once interviews are graded.")
        return
    by_step = st.toggle("Show each step", key="history_steps", help="One line per step instead of the overall score.")
    if by_step:
        # From the score columns too: parsing every report's JSON on every rerun
        # took seconds and hundreds of MB with thousands of graded sessions.
        _, per_step = trends.point_trends(store().score_points())
        rows = views.trend_rows([], per_step)
    else:
        rows = views.trend_rows(overall, {})
    if rows:
        score_chart(rows)
    else:
        st.caption("No step was graded yet.")


def sessions_table(total: int) -> None:
    window = views.page_window(total, st.session_state.get(PAGE_KEY, 0), PAGE_SIZE)
    st.session_state[PAGE_KEY] = window.page
    summaries = store().list_sessions(limit=window.limit, offset=window.offset)
    st.caption("Select a row to open that session.")
    table = views.session_rows(summaries)
    ids = [str(row["id"]) for row in table]
    # A fresh key after each opening (so coming back does not re-open it)
    # and for each page (a selection is a row number on one page).
    key = f"{TABLE_KEY}_{st.session_state.get(TABLE_KEY, 0)}_{window.page}"
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key=key,
        on_select=functools.partial(_open_selected, key, ids),
        selection_mode="single-row",
        column_order=("started", "problem", "level", "step", "status", "score"),
        column_config={
            # Pixel widths that fit the centered layout with no column hidden.
            "started": st.column_config.TextColumn("Started", width=125),
            "problem": st.column_config.TextColumn("Problem", width=220),
            "level": st.column_config.TextColumn("Level", width=65),
            "step": st.column_config.TextColumn("Step", width=50),
            "status": st.column_config.TextColumn("Status", width=95),
            "score": st.column_config.TextColumn("Score", width=65),
        },
    )
    if window.pages == 1:
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key="history_pager"):
        st.button(
            "Newer",
            icon=":material/chevron_left:",
            on_click=_turn_page,
            args=(window.page - 1,),
            disabled=window.page == 0,
            key="history_newer",
        )
        st.caption(window.caption)
        st.button(
            "Older",
            icon=":material/chevron_right:",
            on_click=_turn_page,
            args=(window.page + 1,),
            disabled=window.page >= window.pages - 1,
            key="history_older",
        )


def _turn_page(page: int) -> None:
    st.session_state[PAGE_KEY] = page


def _open_selected(key: str, ids: list[str]) -> None:
    rows = st.session_state[key]["selection"]["rows"]
    chosen = [ids[i] for i in rows if 0 <= i < len(ids)]
    if chosen:
        st.session_state[TABLE_KEY] = st.session_state.get(TABLE_KEY, 0) + 1
        go("interview", chosen[0])


def score_chart(rows: list[dict[str, object]]) -> None:
    """Score over time on a real date-time axis (Vega picks the tick format:
    hours within a day, days within a month); each point shows its value."""
    import altair as alt
    import pandas as pd

    several = len({r["series"] for r in rows}) > 1
    base = alt.Chart(pd.DataFrame(rows)).encode(
        x=alt.X("graded:T", title="Graded", axis=alt.Axis(labelOverlap=True)),
        y=alt.Y("score:Q", title="Score (1-5)", scale=alt.Scale(domain=[1, 5])),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom") if several else None),
        tooltip=[
            alt.Tooltip("series:N", title="Series"),
            alt.Tooltip("score:Q", format=".1f", title="Score"),
            alt.Tooltip("graded:T", format="%Y-%m-%d %H:%M", title="Graded"),
        ],
    )
    chart = base.mark_line() + base.mark_point(filled=True, size=50)
    st.altair_chart(chart, width="stretch")
