"""How things read on the page: step rows, clocks, usage, turns, history rows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any, Literal

from ..framework import STEP_COUNT, Framework, Problem
from ..markdown_safe import plain, safe_markdown, unlinkable
from ..planner import coverage, step_complete
from ..report import fmt_out_of_5, status_text, step_value
from ..session import Session, Turn, clock, format_duration, utcnow
from ..store import SessionSummary

StepState = Literal["done", "current", "todo"]

# Step states in words: what a screen reader announces and what the page shows
# (icon ligatures such as "check_circle" would be read out as text).
STEP_WORDS: dict[str, str] = {"done": "done", "current": "in progress", "todo": "not started"}

# Button presses shown in the chat: words only (a Material icon in Markdown
# is read out by screen readers as "lightbulb icon").
HINT_MARK = "*Asked for a hint*"

NEXT_MARK = "*Asked to move on to the next step*"


@dataclass(frozen=True)
class StepRow:
    number: int
    title: str
    state: StepState
    covered: float  # share of the step's key questions addressed (0..1)
    ended: bool = False
    reached: bool = True

    @property
    def words(self) -> str:
        if self.ended and self.state == "todo":
            return "ended here" if self.reached else "not reached"
        return STEP_WORDS[self.state]

    @property
    def label(self) -> str:
        """One line of the sidebar's step list (Markdown)."""
        # "1\\." so Markdown does not start an ordered list inside the list item.
        text = f"{self.number}\\. {plain(self.title)}"
        if self.state == "current":
            return f"**{text}** — :blue[**{self.words}**]"
        if self.state == "done":
            return f"{text} — :green[{self.words}]"
        return f"{text} — {self.words}"


def step_rows(fw: Framework, session: Session) -> list[StepRow]:
    """The seven steps: passed ones ticked, the current one highlighted. After
    the end, the last step is ticked only if its core key questions were addressed."""
    rows = []
    for step in fw.steps:
        n = step.number
        share = coverage(fw, session, n)
        if n < session.current_step:
            state: StepState = "done"
        elif n == session.current_step:
            state = "done" if session.ended and step_complete(fw, session, n) else "current"
            if session.ended and state != "done":
                state = "todo"
        else:
            state = "todo"
        rows.append(StepRow(n, step.title, state, share, session.ended, n <= session.current_step))
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
    """(tokens, cost) as shown: model usage, or the transcript's size offline.

    A model with no price in litellm's bundled cost map (most local and custom
    models) reports $0 after real calls: that is "unknown", not free.
    """
    usage = session.usage
    if session.offline:
        tokens = sum(t.tokens for t in session.turns)
        return f"{tokens:,}", "free (offline)"
    if usage.cost_usd:
        return f"{usage.total_tokens:,}", f"${usage.cost_usd:.4f}"
    return f"{usage.total_tokens:,}", "unknown" if usage.calls else "$0"


def usage_line(session: Session) -> str:
    tokens, cost = usage_view(session)
    what = "Tokens (transcript)" if session.offline else "Tokens"
    return f"{what}: {tokens} · Cost: {cost}"


def page_title(problem: Problem) -> str:
    """The H1: a bank problem's title. A candidate's own problem is a whole
    sentence, shown as text under a short heading instead."""
    return "Your own problem" if problem.source == "custom" else plain(problem.title)


def problem_option(problem: Problem) -> str:
    """A problem as the picker lists it: the title and its tags (the summary
    shows in the card under the picker; a whole sentence per option would not
    fit a phone-width box)."""
    return f"{problem.title} · {', '.join(problem.tags)}" if problem.tags else problem.title


def step_strip_html(rows: list[StepRow], clock: ClockView | None = None) -> str:
    """The compact progress strip above the chat: seven numbered marks, the
    current step in words, and the time left. Each mark carries its state in
    words for screen readers; the titles come from our own content, escaped."""
    current = next((r for r in rows if r.state == "current"), None)
    marks = []
    for r in rows:
        extra = ' aria-current="step"' if r.state == "current" else ""
        marks.append(
            f'<li class="ivw-{r.state}" title="{escape(f"{r.number}. {r.title}: {r.words}")}"{extra}>'
            f'<span aria-hidden="true">{r.number}</span>'
            f'<span class="ivw-sr">Step {r.number}, {escape(r.title)}: {escape(r.words)}</span></li>'
        )
    now = (
        f'<span class="ivw-now" aria-hidden="true">Step {current.number} of {STEP_COUNT} · {escape(current.title)}</span>'
        if current
        else ""
    )
    time = ""
    if clock is not None:
        total = f"{clock.total_left} left" + (" (over time)" if clock.total_over else "")
        step = f"this step {clock.step_left}" + (" (over budget)" if clock.step_over else "")
        over = " ivw-over" if clock.total_over or clock.step_over else ""
        time = f'<span class="ivw-clock{over}"><span class="ivw-sr">Time: </span>{total} · {step}</span>'
    return (
        f"<style>{STRIP_CSS}</style>"
        '<nav class="ivw-strip" aria-label="Interview progress">'
        f'<ol class="ivw-steps">{"".join(marks)}</ol>{now}{time}</nav>'
    )


STRIP_CSS = """
.ivw-strip { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; font-size: 0.9rem; }
.ivw-strip ol.ivw-steps { display: flex; gap: 4px; list-style: none; margin: 0 !important; padding: 0 !important; }
.ivw-strip ol.ivw-steps li { width: 1.6rem; height: 1.6rem; border-radius: 50%; display: flex; align-items: center;
  justify-content: center; font-weight: 600; font-size: 0.8rem; margin: 0; padding: 0;
  border: 2px solid #5f6b78; color: #31333f; background: #ffffff; }
.ivw-strip ol.ivw-steps li.ivw-done { background: #1e7e45; border-color: #1e7e45; color: #ffffff; }
.ivw-strip ol.ivw-steps li.ivw-current { background: #1f5fa8; border-color: #1f5fa8; color: #ffffff; }
.ivw-now { font-weight: 600; }
.ivw-clock { margin-left: auto; white-space: nowrap; }
.ivw-clock.ivw-over { color: #b42318; font-weight: 600; }
@media (max-width: 640px) { .ivw-now { order: 3; flex-basis: 100%; } }
.ivw-sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
"""


# Report sections the report page shows in its own way (the score table, the
# transcript), and those it folds away (long detail).
SECTIONS_SHOWN_ELSEWHERE = ("Scores by step", "Coverage by step", "Appendix")
FOLDED_SECTIONS = ("Step ", "Grading details", "Notes")


def feedback_sections(markdown: str) -> list[tuple[str, str]]:
    """The report's Markdown cut at its ``## `` headings: (heading, body) pairs.
    The text before the first heading (title and header table) is left out."""
    sections: list[tuple[str, str]] = []
    parts = re.split(r"^## (.+)$", markdown, flags=re.M)
    for i in range(1, len(parts) - 1, 2):
        sections.append((parts[i].strip(), parts[i + 1].strip("\n")))
    return sections


def turn_markdown(turn: Turn) -> str:
    """A candidate's button presses read as actions, not as typed text."""
    if turn.role == "candidate" and turn.kind == "hint":
        return HINT_MARK
    if turn.role == "candidate" and turn.kind == "next":
        return NEXT_MARK
    return safe_markdown(turn.text)


def notices_before(session: Session, before: int) -> list[str]:
    """The program's lines (model switches) shown before turn ``before``, as safe
    Markdown: the model and server in them are what a user typed."""
    return [safe_markdown(n.text) for n in session.notices if n.before == before]


def session_status(s: SessionSummary) -> str:
    """The same words as the CLI's ``sessions`` listing."""
    if s.ended_at is None:
        return "in progress"
    return "graded" if s.graded or s.overall_score is not None else "ended"


def session_rows(summaries: Iterable[SessionSummary]) -> list[dict[str, object]]:
    """The history table: compact, one row per session (``id`` is not shown)."""
    return [
        {
            "id": s.id,
            "started": s.created_at.strftime("%Y-%m-%d %H:%M"),
            "problem": s.title,
            "level": s.level,
            "step": f"{s.current_step}/{STEP_COUNT}",
            "turns": s.turns,
            "status": session_status(s),
            "score": fmt_out_of_5(s.overall_score, missing=""),
        }
        for s in summaries
    ]


@dataclass(frozen=True)
class PageWindow:
    """One page of the History table: which rows to ask the store for, and how it reads."""

    page: int  # 0-based, clamped to the pages there are
    pages: int
    offset: int
    limit: int
    caption: str


def page_window(total: int, page: int, size: int) -> PageWindow:
    """Page ``page`` of ``total`` sessions, ``size`` a page (a page past the
    end, as after deleting sessions elsewhere, shows the last one)."""
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    offset = page * size
    last = min(total, offset + size)
    caption = f"Sessions {offset + 1}–{last} of {total}" if total else "No sessions"
    return PageWindow(page=page, pages=pages, offset=offset, limit=size, caption=caption)


def session_label(s: SessionSummary) -> str:
    status = session_status(s)
    where = f"step {s.current_step}/{STEP_COUNT}" if status == "in progress" else status
    score = f" · {fmt_out_of_5(s.overall_score)}" if s.overall_score is not None else ""
    # A custom problem's title is the candidate's text: a bare URL in it must
    # not become a link inside the button that opens the session.
    return f"{plain(unlinkable(s.title))} · {plain(s.level)} · {s.created_at:%Y-%m-%d %H:%M} · {where}{score}"


def trend_rows(
    overall: Iterable[tuple[datetime, float]], per_step: Mapping[int, Iterable[tuple[datetime, float]]]
) -> list[dict[str, object]]:
    """Long-format chart rows (graded, series, score) from report.overall_trend
    and report.score_trends: one line for the overall score, one per step."""
    rows: list[dict[str, object]] = [{"graded": when, "series": "Overall", "score": score} for when, score in overall]
    for step in sorted(per_step):
        rows += [{"graded": when, "series": f"Step {step}", "score": score} for when, score in per_step[step]]
    return rows


def report_table_markdown(steps: Iterable[Any], figure: str = "Score") -> str:
    """The report page's score (offline: coverage) table; every cell is our own wording."""
    lines = [f"| Step | {figure} | Status |", "| --- | --- | --- |"]
    lines += [f"| {r['step']} | {r['score']} | {r['status']} |" for r in report_step_rows(steps)]
    return "\n".join(lines)


# (label, format for interviewer.export.render and file extension, MIME type)
REPORT_DOWNLOADS: tuple[tuple[str, str, str], ...] = (
    ("Markdown", "md", "text/markdown"),
    ("HTML", "html", "text/html"),
    ("JSON", "json", "application/json"),
    ("PDF", "pdf", "application/pdf"),
)


def step_score_text(step: Any) -> str:
    """A step's score as the report page shows it: "3.0 / 5" (offline: its coverage), or why there is none."""
    return step_value(step)


def report_step_rows(steps: Iterable[Any]) -> list[dict[str, object]]:
    """The report's per-step table (objects with step/title/score/status)."""
    return [{"step": f"{s.step}. {s.title}", "score": step_score_text(s), "status": status_text(s)} for s in steps]


def report_filename(session: Session, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", session.problem.id.lower()).strip("-") or "interview"
    return f"interview-{slug}-{session.id}.{ext}"
