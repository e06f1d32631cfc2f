"""How things read on the page: step rows, clocks, usage, turns, history rows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..agent import HINT_TEXT, NEXT_TEXT
from ..framework import STEP_COUNT, Framework
from ..planner import COVERAGE_TO_ADVANCE, coverage
from ..session import Session, Turn, clock, format_duration, utcnow
from ..store import SessionSummary

StepState = Literal["done", "current", "todo"]

# Material Symbols ship with Streamlit (no emoji font needed on the machine).
STEP_ICONS: dict[str, str] = {
    "done": ":green[:material/check_circle:]",
    "current": ":blue[:material/play_circle:]",
    "todo": ":gray[:material/radio_button_unchecked:]",
}

HINT_ICON = ":material/lightbulb:"

NEXT_ICON = ":material/skip_next:"


@dataclass(frozen=True)
class StepRow:
    number: int
    title: str
    state: StepState
    covered: float  # share of the step's key questions addressed (0..1)

    @property
    def label(self) -> str:
        mark = STEP_ICONS[self.state]
        text = f"{self.number}. {self.title}"
        if self.state == "current":
            return f"{mark} :blue-background[**{text}**]"
        return f"{mark} {text}"


def step_rows(fw: Framework, session: Session) -> list[StepRow]:
    """The seven steps: passed ones ticked, the current one highlighted. After
    the end, the last step is ticked only if its key questions were covered."""
    rows = []
    for step in fw.steps:
        n = step.number
        share = coverage(fw, session, n)
        if n < session.current_step:
            state: StepState = "done"
        elif n == session.current_step:
            state = "done" if session.ended and share >= COVERAGE_TO_ADVANCE else "current"
            if session.ended and state != "done":
                state = "todo"
        else:
            state = "todo"
        rows.append(StepRow(n, step.title, state, share))
    return rows


@dataclass(frozen=True)
class ClockView:
    total_left: str
    step_left: str
    step_over: bool
    total_over: bool


def clock_view(fw: Framework, session: Session, now: datetime | None = None) -> ClockView:
    c = clock(fw, session, now or utcnow())
    return ClockView(
        total_left=format_duration(c.total_left),
        step_left=format_duration(c.step_left),
        step_over=c.step_over,
        total_over=c.total_over,
    )


def usage_view(session: Session) -> tuple[str, str]:
    """(tokens, cost) as shown: model usage, or the transcript's size offline."""
    usage = session.usage
    if session.offline:
        tokens = sum(t.tokens for t in session.turns)
        return f"{tokens:,}", "$0 (offline)"
    cost = f"${usage.cost_usd:.4f}" if usage.cost_usd else "$0"
    return f"{usage.total_tokens:,}", cost


def turn_markdown(turn: Turn) -> str:
    """A candidate's button presses read as actions, not as typed text."""
    if turn.role == "candidate" and turn.kind == "hint":
        return f"{HINT_ICON} *{HINT_TEXT.strip('()').capitalize()}*"
    if turn.role == "candidate" and turn.kind == "next":
        return f"{NEXT_ICON} *{NEXT_TEXT.strip('()').capitalize()}*"
    return turn.text


def session_rows(summaries: Iterable[SessionSummary]) -> list[dict[str, object]]:
    return [
        {
            "id": s.id,
            "problem": s.title,
            "level": s.level,
            "model": s.model,
            "started": s.created_at.strftime("%Y-%m-%d %H:%M"),
            "step": f"{s.current_step}/{STEP_COUNT}",
            "turns": s.turns,
            "status": "ended" if s.ended_at else "in progress",
            "score": None if s.overall_score is None else round(s.overall_score, 1),
        }
        for s in summaries
    ]


def session_label(s: SessionSummary) -> str:
    status = "ended" if s.ended_at else f"step {s.current_step}/{STEP_COUNT}"
    score = f" · score {s.overall_score:.1f}" if s.overall_score is not None else ""
    return f"{s.title} · {s.level} · {s.created_at:%Y-%m-%d %H:%M} · {status}{score}"


def trend_rows(
    overall: Iterable[tuple[datetime, float]], per_step: Mapping[int, Iterable[tuple[datetime, float]]]
) -> list[dict[str, object]]:
    """Long-format chart rows (graded, series, score) from report.overall_trend
    and report.score_trends: one line for the overall score, one per step."""
    rows: list[dict[str, object]] = [{"graded": when, "series": "Overall", "score": score} for when, score in overall]
    for step in sorted(per_step):
        rows += [{"graded": when, "series": f"Step {step}", "score": score} for when, score in per_step[step]]
    return rows


# (label, format for interviewer.export.render and file extension, MIME type)
REPORT_DOWNLOADS: tuple[tuple[str, str, str], ...] = (
    ("Markdown", "md", "text/markdown"),
    ("HTML", "html", "text/html"),
    ("JSON", "json", "application/json"),
    ("PDF", "pdf", "application/pdf"),
)


def report_step_rows(steps: Iterable[Any]) -> list[dict[str, object]]:
    """The report's per-step table (objects with step/title/score/status)."""
    return [
        {"step": s.step, "title": s.title, "score": None if s.score is None else round(s.score, 1), "status": s.status}
        for s in steps
    ]


def report_filename(session: Session, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", session.problem.id.lower()).strip("-") or "interview"
    return f"interview-{slug}-{session.id}.{ext}"
