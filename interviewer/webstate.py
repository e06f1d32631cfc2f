"""Everything the browser app decides, as pure functions (no Streamlit here).

``app.py`` only renders: it reads the URL, the widgets and the store, asks
this module what to show and which interviewer action to run, and draws the
answer. Keeping the rules here lets them be unit-tested without a browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import SecretStr

from .agent import HINT_TEXT, NEXT_TEXT, Interviewer, Reply, clean_message
from .errors import InputError
from .framework import LEVELS, STEP_COUNT, Framework, Level, Problem, custom_problem
from .offline import OFFLINE_LABEL
from .planner import COVERAGE_TO_ADVANCE, coverage
from .session import Session, Turn, clock, format_duration, utcnow
from .settings import API_BASE, API_KEY, GRADER_MODEL, MODEL, OFFLINE, ModelSettings, is_offline_model, load_settings
from .store import SessionSummary

# --- pages and the URL --------------------------------------------------------

Page = Literal["start", "interview", "report", "history"]
SESSION_PARAM = "session"
VIEW_PARAM = "view"
DURATIONS: tuple[int, ...] = (20, 30, 45, 60, 75, 90)


@dataclass(frozen=True)
class Route:
    page: Page
    session_id: str | None = None
    # Shown on the start page when the URL named something we cannot open.
    notice: str | None = None


def _param(params: Mapping[str, str | list[str]], name: str) -> str:
    value = params.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value.strip()


def route(
    params: Mapping[str, str | list[str]],
    exists: Callable[[str], bool],
    ended: Callable[[str], bool],
) -> Route:
    """Which page the URL asks for. ``?session=ID`` resumes an interview (or
    shows its report once it has ended); ``?view=history`` lists sessions."""
    view = _param(params, VIEW_PARAM)
    session_id = _param(params, SESSION_PARAM)
    if view == "history":
        return Route("history")
    if session_id:
        if not exists(session_id):
            return Route("start", notice=f"No saved interview has the id {session_id!r}; start a new one below.")
        if view == "report" or ended(session_id):
            return Route("report", session_id)
        return Route("interview", session_id)
    return Route("start")


def params_for(page: Page, session_id: str | None = None) -> dict[str, str]:
    """The query parameters that lead back to ``page`` (never a secret)."""
    if page == "history":
        return {VIEW_PARAM: "history"}
    if page in ("interview", "report") and session_id:
        params = {SESSION_PARAM: session_id}
        if page == "report":
            params[VIEW_PARAM] = "report"
        return params
    return {}


# --- model settings -------------------------------------------------------------


@dataclass(frozen=True)
class ModelChoice:
    """What the sidebar holds. Empty strings mean "not set"."""

    model: str = ""
    grader_model: str = ""
    api_base: str = ""
    api_key: str = ""


def default_choice(env: Mapping[str, str]) -> ModelChoice:
    """Sidebar defaults from INTERVIEWER_* settings. The key is never copied
    into a widget (that would send it to the browser)."""
    model = env.get(MODEL, "").strip()
    return ModelChoice(
        model="" if is_offline_model(model) else model,
        grader_model=env.get(GRADER_MODEL, "").strip(),
        api_base=env.get(API_BASE, "").strip(),
    )


def _key(choice_key: str, env: Mapping[str, str]) -> SecretStr | None:
    key = choice_key.strip() or env.get(API_KEY, "").strip()
    return SecretStr(key) if key else None


def interviewer_settings(choice: ModelChoice, env: Mapping[str, str]) -> ModelSettings:
    """Settings for a new interview: the sidebar's values over INTERVIEWER_* ones
    (timeout, retries and fallback only come from the environment)."""
    model = choice.model.strip() or OFFLINE
    settings = load_settings(env).model_settings(model, api_key=_key(choice.api_key, env))
    return settings.model_copy(update={"api_base": None if settings.offline else choice.api_base.strip() or None})


def grader_model(choice: ModelChoice) -> str:
    return choice.grader_model.strip() or choice.model.strip() or "offline"


def session_settings(session: Session, api_key: str, env: Mapping[str, str]) -> ModelSettings:
    """Settings to continue ``session``: its own model and server, today's key."""
    settings = load_settings(env).model_settings(session.model, api_key=_key(api_key, env))
    return settings.model_copy(update={"api_base": session.api_base})


def grading_settings(session: Session, api_key: str, env: Mapping[str, str]) -> ModelSettings | None:
    """The grader's settings, or None for offline grading."""
    model = session.grader_model or session.model
    if is_offline_model(model):
        return None
    return session_settings(session, api_key, env).model_copy(update={"model": model})


def describe_models(interviewer: str, grader: str, api_base: str | None = None) -> str:
    if is_offline_model(interviewer) and is_offline_model(grader):
        return f"{OFFLINE_LABEL}. Grading is offline too (rule-based, from the rubrics)."
    where = f" (server: {api_base})" if api_base else ""
    who = "offline (scripted)" if is_offline_model(interviewer) else f"`{interviewer}`"
    judge = "offline rubric grader" if is_offline_model(grader) else f"`{grader}`"
    return f"Interviewer: {who} · Grader: {judge}{where}"


# --- starting an interview --------------------------------------------------------


def choose_problem(fw: Framework, problem_id: str | None, custom_text: str | None, use_custom: bool) -> Problem:
    if use_custom:
        text = (custom_text or "").strip()
        if len(text) < 10:
            raise InputError("Describe your own problem in a sentence or two (at least 10 characters).")
        return custom_problem(text)
    if not problem_id:
        raise InputError("Pick a problem from the bank.")
    try:
        return fw.problem(problem_id)
    except KeyError:
        raise InputError(f"Unknown problem {problem_id!r}.") from None


def new_session(
    fw: Framework,
    *,
    problem: Problem,
    level: str,
    minutes: int,
    settings: ModelSettings,
    grader: str | None = None,
) -> Session:
    if level not in LEVELS:
        raise InputError(f"Unknown level {level!r}; choose one of {', '.join(LEVELS)}.")
    lvl: Level = level  # type: ignore[assignment]
    return Session(
        problem=problem,
        level=lvl,
        minutes=minutes,
        model=settings.model,
        grader_model=grader if grader and grader != settings.model else None,
        api_base=None if settings.offline else settings.api_base,
    )


# --- the interview loop ----------------------------------------------------------------

Action = Literal["answer", "hint", "next", "retry", "end"]


@dataclass(frozen=True)
class Pending:
    """An action the candidate asked for (set by a widget callback, run once)."""

    session_id: str
    action: Action
    text: str = ""


Decision = Literal["answer", "hint", "next", "retry", "end", "owed", "error", "idle", "ended"]


def owes_reply(session: Session) -> bool:
    """The interviewer has not spoken since the candidate did (or at all)."""
    return not session.ended and (not session.turns or session.awaiting_reply())


def decide(session: Session, pending: Pending | None, error: str | None) -> Decision:
    """What this run of the interview page does.

    A pending candidate action wins; a reply still owed (a new interview, a
    refresh mid-stream, a server restart) is produced automatically unless the
    last attempt failed, in which case the error and a retry button show
    instead, so a broken model is not called on every rerun.
    """
    if session.ended:
        return "ended"
    if pending is not None and pending.session_id == session.id:
        if pending.action == "end":
            return "end"
        if pending.action == "retry":
            return "retry" if owes_reply(session) else "idle"
        if owes_reply(session):
            # The interviewer still owes a reply: new input would be refused.
            return "error" if error else "owed"
        return pending.action
    if owes_reply(session):
        return "error" if error else "owed"
    return "idle"


def live_error(session: Session, error: str | None) -> str | None:
    """A remembered model error, while it still matters (the reply is still
    owed); once another tab or a retry produced the reply, it is stale."""
    return error if error and owes_reply(session) else None


def candidate_message(text: str | None) -> str | None:
    """None for blank input (ignored); raises InputError past the limit."""
    if not (text or "").strip():
        return None
    return clean_message(text)


def start_reply(interviewer: Interviewer, decision: Decision, text: str = "") -> Reply | None:
    """Save the candidate's turn (if any) and return the reply to stream.
    Raises agent.InputError for a refused message (nothing saved)."""
    if decision == "answer":
        message = candidate_message(text)
        return None if message is None else interviewer.answer(message)
    if decision == "hint":
        return interviewer.hint()
    if decision == "next":
        return interviewer.next_step()
    if decision in ("owed", "retry"):
        return interviewer.retry() if interviewer.session.turns else interviewer.open()
    return None


def input_placeholder(decision: Decision, error: str | None) -> str:
    if decision == "ended":
        return "This interview has ended."
    if error:
        return "Retry the interviewer's reply first (button above)."
    return "Your answer (Markdown; a ```mermaid block draws a diagram)"


# --- what the page shows ----------------------------------------------------------------

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


Segment = tuple[Literal["markdown", "mermaid"], str]
_MERMAID = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*mermaid[ \t]*\n(.*?)\n[ \t]*\1[ \t]*$", re.S | re.M | re.I)


def split_mermaid(text: str) -> list[Segment]:
    """Markdown with each fenced ```mermaid block cut out as its own segment."""
    segments: list[Segment] = []
    pos = 0
    for m in _MERMAID.finditer(text):
        before = text[pos : m.start()].strip("\n")
        if before.strip():
            segments.append(("markdown", before))
        code = m.group(2).strip("\n")
        if code.strip():
            segments.append(("mermaid", code))
        pos = m.end()
    rest = text[pos:].strip("\n")
    if rest.strip():
        segments.append(("markdown", rest))
    return segments


# --- history ----------------------------------------------------------------


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
