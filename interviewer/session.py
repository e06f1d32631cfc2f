"""`Session` and `Turn`, and the pure rules that move an interview along.

The rules that move an interview from step to step live in ``planner``; this
module holds the data and the clock.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .framework import STEP_COUNT, Framework, Level, Problem
from .llm import Usage
from .settings import is_offline_model

Role = Literal["interviewer", "candidate"]
# How a turn's author is named in every transcript, prompt and report (and
# what plain-text transcripts are parsed by).
SPEAKERS: dict[Role, str] = {"interviewer": "Interviewer", "candidate": "Candidate"}
# What a turn is, so reports and the UI can mark hints and transitions.
TurnKind = Literal["opening", "question", "followup", "probe", "transition", "hint", "answer", "next", "closing"]

# A pause longer than this (tab closed, coffee) is not counted as interview time.
IDLE_CAP = timedelta(minutes=8)
DEFAULT_MINUTES = 45
MAX_MESSAGE_CHARS = 8000
# What a candidate turn says when the candidate pressed Hint or Next step
# (saved, so transcripts and the grader can tell a request from an answer).
HINT_TEXT = "(asked for a hint)"
NEXT_TEXT = "(asked to move on to the next step)"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex[:12]


class Assessment(BaseModel):
    """What the model reported about the candidate's last answer (validated,
    unknown key-question ids and detail names already dropped)."""

    model_config = ConfigDict(extra="forbid")

    step: int = Field(ge=1, le=STEP_COUNT)
    addressed: list[str] = Field(default_factory=list)
    vague: bool = False
    details: list[str] = Field(default_factory=list)
    step_done: bool = False


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
    # Old sessions: the interviewer judged the step covered (the NEXT marker).
    proposes_next: bool = False
    # On an interviewer turn: the key question it was told to ask (by id).
    question_id: str | None = None
    # On an interviewer turn: the model's judgement of the answer it replied to.
    assessment: Assessment | None = None


class Notice(BaseModel):
    """A line the program wrote into the transcript (a model switch), between turns.

    Kept apart from ``turns`` so it never counts as anyone's turn: a reply
    still owed stays owed, and prompts, clocks and grading see only turns.
    """

    model_config = ConfigDict(extra="forbid")

    text: str
    at: datetime = Field(default_factory=utcnow)
    # Shown before turn number ``before`` (== len(turns) at the time).
    before: int = Field(ge=0)


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
    # The store's version this copy was read or last written at (None: not
    # from the store). Not part of the data: exports never carry it.
    _stored_version: int | None = PrivateAttr(default=None)

    @property
    def stored_version(self) -> int | None:
        return self._stored_version

    @stored_version.setter
    def stored_version(self, value: int | None) -> None:
        self._stored_version = value

    notices: list[Notice] = Field(default_factory=list)

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


def step_banner(fw: Framework, step: int) -> str:
    return f"Step {step} of {STEP_COUNT} — {fw.step(step).title}"
