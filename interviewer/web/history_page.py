"""The history page: the score trend and every session, each row opening its session."""

from __future__ import annotations

import functools

import streamlit as st

from .. import trends
from . import views
from .state import go, store

TABLE_KEY = "history_table"
PAGE_KEY = "history_page"
PAGE_SIZE = 100


def history_page() -> None:
    st.title("History")
    total = store().count_sessions()
    page = _page_number(total)
    summaries = store().list_sessions(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    if not summaries:
        st.info("No interviews yet. Start one from “New interview”.")
        return
    st.subheader("Score trend")
    rows = trend_rows()
    if rows:
        by_step = st.toggle(
            "Show each step", key="history_steps", help="One line per step instead of the overall score."
        )
        shown = [r for r in rows if (r["series"] != "Overall") == by_step]
        if shown:
            score_chart(shown)
        else:
            st.caption("No step was graded yet.")
    else:
        st.caption("No graded interviews yet: scores appear here once interviews are graded.")
    st.subheader("Past sessions")
    first = (page - 1) * PAGE_SIZE + 1
    st.caption(f"Sessions {first}–{first + len(summaries) - 1} of {total}, newest first. Select a row to open it.")
    table = views.session_rows(summaries)
    ids = [str(row["id"]) for row in table]
    # A fresh key after each opening, so coming back does not re-open it.
    key = f"{TABLE_KEY}_{st.session_state.get(TABLE_KEY, 0)}"
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
    if _pages(total) > 1:
        st.number_input(f"Page (of {_pages(total)})", min_value=1, max_value=_pages(total), step=1, key=PAGE_KEY)


def _page_number(total: int) -> int:
    """The page of the sessions table the chooser (drawn under the table) holds."""
    pages = _pages(total)
    chosen = st.session_state.get(PAGE_KEY, 1)
    if not isinstance(chosen, int) or not 1 <= chosen <= pages:
        chosen = st.session_state[PAGE_KEY] = 1  # fewer sessions than when it was chosen
    return chosen


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


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


def trend_rows() -> list[dict[str, object]]:
    # From the score columns: parsing every report's JSON on every rerun took
    # seconds and hundreds of MB with thousands of graded sessions.
    overall, per_step = trends.point_trends(store().score_points())
    return views.trend_rows(overall, per_step)
