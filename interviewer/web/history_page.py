"""The history page: every session and the score trend."""

from __future__ import annotations

import streamlit as st

from .. import trends
from . import views
from .state import go, store


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
    st.dataframe(views.session_rows(summaries), hide_index=True, width="stretch")
    labels = {s.id: views.session_label(s) for s in summaries}
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
    return views.trend_rows(trends.overall_trend(reports), trends.score_trends(reports))
