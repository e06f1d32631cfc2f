"""`Session` and `Turn`, and the pure rules that move an interview along.

The step tracker is deterministic: the model may *propose* moving on, but the
rules decide. Steps only go forward, one at a time, and every move is
announced; a step whose time budget is spent is wrapped up.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .framework import STEP_COUNT, Framework, Level, Problem
from .llm import Usage
from .settings import is_offline_model

Role = Literal["interviewer", "candidate"]
# What a turn is, so reports and the UI can mark hints and transitions.
TurnKind = Literal["opening", "question", "followup", "transition", "hint", "answer", "next", "closing"]

# A pause longer than this (tab closed, coffee) is not counted as interview time.
IDLE_CAP = timedelta(minutes=8)
DEFAULT_MINUTES = 45
MAX_MESSAGE_CHARS = 8000


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex[:12]


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    text: str
    step: int = Field(ge=1, le=STEP_COUNT)
    kind: TurnKind = "answer"
    at: datetime = Field(default_factory=utcnow)
    tokens: int = 0
    topic_id: str | None = None
    # True on a candidate turn that asked for a hint and on the hint itself.
    hint: bool = False
    offline: bool = False
    # The interviewer judged the step covered; the tracker weighs this next turn.
    proposes_next: bool = False


class Session(BaseModel):
    """Everything about one interview except secrets (the API key never lives here)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=new_id)
    problem: Problem
    level: Level = "senior"
    minutes: int = Field(default=DEFAULT_MINUTES, ge=5, le=180)
    model: str = "offline"
    grader_model: str | None = None
    api_base: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    current_step: int = Field(default=1, ge=1, le=STEP_COUNT)
    turns: list[Turn] = Field(default_factory=list)
    asked_topics: list[str] = Field(default_factory=list)
    revealed: list[str] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)

    @property
    def offline(self) -> bool:
        return is_offline_model(self.model)

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def turns_in_step(self, step: int) -> list[Turn]:
        return [t for t in self.turns if t.step == step]

    def candidate_text(self, step: int | None = None) -> str:
        return "\n".join(t.text for t in self.turns if t.role == "candidate" and (step is None or t.step == step))

    def last_candidate_turn(self) -> Turn | None:
        for t in reversed(self.turns):
            if t.role == "candidate":
                return t
        return None

    def awaiting_reply(self) -> bool:
        """The last turn is the candidate's: the interviewer still owes a reply
        (a model error or a crash happened after the turn was saved)."""
        return bool(self.turns) and self.turns[-1].role == "candidate" and not self.ended


# --- time keeping (pure) ---------------------------------------------------


def step_budget(fw: Framework, minutes: int, step: int) -> timedelta:
    return timedelta(minutes=minutes * fw.step(step).guide.time_share)


def elapsed_by_step(turns: list[Turn], now: datetime | None = None) -> dict[int, timedelta]:
    """Interview time spent in each step, from turn timestamps.

    Each gap between consecutive turns is charged to the step of the later
    turn, capped at IDLE_CAP, so a resumed session does not count the days in
    between. The open gap up to ``now`` is charged to the last turn's step.
    """
    spent = {n: timedelta() for n in range(1, STEP_COUNT + 1)}
    for prev, cur in itertools.pairwise(turns):
        spent[cur.step] += min(max(cur.at - prev.at, timedelta()), IDLE_CAP)
    if turns and now is not None:
        spent[turns[-1].step] += min(max(now - turns[-1].at, timedelta()), IDLE_CAP)
    return spent


class Clock(BaseModel):
    step: int
    step_spent: timedelta
    step_budget: timedelta
    total_spent: timedelta
    total_budget: timedelta

    @property
    def step_left(self) -> timedelta:
        return max(self.step_budget - self.step_spent, timedelta())

    @property
    def total_left(self) -> timedelta:
        return max(self.total_budget - self.total_spent, timedelta())

    @property
    def step_over(self) -> bool:
        return self.step_spent >= self.step_budget

    @property
    def total_over(self) -> bool:
        return self.total_spent >= self.total_budget


def clock(fw: Framework, session: Session, now: datetime | None = None) -> Clock:
    spent = elapsed_by_step(session.turns, now)
    return Clock(
        step=session.current_step,
        step_spent=spent[session.current_step],
        step_budget=step_budget(fw, session.minutes, session.current_step),
        total_spent=sum(spent.values(), timedelta()),
        total_budget=timedelta(minutes=session.minutes),
    )


def format_duration(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    return f"{seconds // 60}:{seconds % 60:02d}"


# --- step tracker (pure) ---------------------------------------------------

Reason = Literal["stay", "covered", "time", "candidate", "final"]


class StepDecision(BaseModel):
    """What the tracker decided for the next interviewer turn."""

    advance: bool
    reason: Reason
    from_step: int
    to_step: int
    end_interview: bool = False


# A step must see at least this many candidate answers before the model's
# "covered" proposal is accepted, so a model cannot rush through the steps.
MIN_ANSWERS_TO_COVER = 3
# Wrap up a step after this many candidate answers even with time left, so a
# chatty model cannot stall forever in step 1.
MAX_ANSWERS_PER_STEP = 8


def decide_step(
    fw: Framework,
    session: Session,
    *,
    proposal_covered: bool = False,
    candidate_asked_next: bool = False,
    now: datetime | None = None,
) -> StepDecision:
    step = session.current_step
    answers = sum(1 for t in session.turns_in_step(step) if t.role == "candidate" and not t.hint)
    c = clock(fw, session, now)

    reason: Reason = "stay"
    if candidate_asked_next:
        reason = "candidate"
    elif (c.step_over or c.total_over) and answers >= 1:
        # Out of time overall: one exchange per remaining step, so every step
        # still gets touched before the end, as a real interviewer would.
        reason = "time"
    elif (proposal_covered and answers >= MIN_ANSWERS_TO_COVER) or answers >= MAX_ANSWERS_PER_STEP:
        reason = "covered"

    if reason == "stay":
        return StepDecision(advance=False, reason="stay", from_step=step, to_step=step)
    if step == STEP_COUNT:
        return StepDecision(advance=False, reason="final", from_step=step, to_step=step, end_interview=True)
    return StepDecision(advance=True, reason=reason, from_step=step, to_step=step + 1)


def step_banner(fw: Framework, step: int) -> str:
    return f"Step {step} of {STEP_COUNT} — {fw.step(step).title}"
