"""Check the chosen grader on the labelled calibration set, from the model settings panel.

Self-contained so the sidebar needs one call: a button runs the quick subset
(about 40 model calls; a toggle runs the full set, about 220), shows the
measures as a table and says whether the grader is fit to grade. The result
stays in this browser session until the next run.
"""

from __future__ import annotations

import streamlit as st

from ..calibrate import Calibration, fitness, run_calibration, summary_rows
from ..errors import InterviewerError
from ..markdown_safe import plain
from ..settings import ModelSettings
from . import model_choice
from .state import choice, env, fw

RESULT_KEY = "_grader_check"


def grader_settings() -> ModelSettings | None:
    """The grader chosen in the panel, as a grading run would call it (None: offline)."""
    return model_choice.grader_settings(choice(), env())


def grader_check() -> None:
    """The button and the last result, for the grader chosen in the model settings panel."""
    settings = grader_settings()
    name = "the offline coverage check" if settings is None or settings.offline else settings.model
    full = st.toggle("Full set (about 220 model calls)", key="grader_check_full", value=False)
    if st.button(f"Check {plain(name)} on labelled interviews", key="grader_check_button", width="stretch"):
        with st.status("Grading labelled interviews…", expanded=False) as status:
            try:
                result = run_calibration(
                    fw(),
                    settings,
                    quick=not full,
                    on_progress=lambda i, n, file: status.update(label=f"Grading labelled interview {i} of {n}…"),
                )
            except InterviewerError as exc:
                status.update(label="Check failed", state="error")
                st.error(f"The check could not run: {plain(str(exc))}")
                return
            status.update(label="Checked", state="complete")
        st.session_state[RESULT_KEY] = result.model_dump(mode="json")
    stored = st.session_state.get(RESULT_KEY)
    if stored:
        result = Calibration.model_validate(stored)
        fit, line = fitness(result)
        (st.success if fit else st.warning)(plain(line))
        st.table({"Measure": [k for k, _ in summary_rows(result)], "Value": [v for _, v in summary_rows(result)]})
