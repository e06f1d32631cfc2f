"""Decide what the interviewer does next — pure functions over a Session.

The same plan drives both the model-backed and the offline interviewer: which
step the reply belongs to (and whether it announces a new one), which hidden
problem details the candidate just asked for, which key questions are still
open, and which follow-up from the topic bank fits what was just said.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .framework import STEP_COUNT, Framework, KeyQuestion, Topic
from .session import Clock, Session, StepDecision, Turn, clock, decide_step, step_banner

Action = Literal["open", "answer", "hint", "next"]

# Share of a step's key questions that must be addressed (by the candidate's
# own words or by having been asked) before the step counts as covered.
COVERAGE_TO_ADVANCE = 0.65
MAX_FOLLOWUPS_PER_STEP = 2

# What a candidate asks when they want a hidden detail of the problem.
DETAIL_CUES: dict[str, tuple[str, ...]] = {
    "users_and_scale": ("user", "scale", "traffic", "qps", "rps", "how many", "volume", "dau", "mau", "requests per"),
    "latency_budget": (
        "latency",
        "how fast",
        "response time",
        "real-time",
        "realtime",
        "p99",
        "p95",
        "milliseconds",
        "slo",
    ),
    "cost_ceiling": ("cost", "budget", "price", "spend", "expensive", "gpu", "money"),
    "compliance": ("complian", "regulat", "gdpr", "hipaa", "legal", "privacy", "pii", "residency", "soc 2", "soc2"),
    "data_available": ("data", "dataset", "logs", "labels", "labeled", "labelled", "training set", "corpus", "history"),
}
# Phrases that contain a cue but mean something else ("latency budget" is not money).
DETAIL_NOT: dict[str, tuple[str, ...]] = {
    "cost_ceiling": ("latency budget", "time budget", "error budget", "token budget", "context budget"),
}
DETAIL_LABELS: dict[str, str] = {
    "users_and_scale": "Users and scale",
    "latency_budget": "Latency budget",
    "cost_ceiling": "Cost ceiling",
    "compliance": "Compliance",
    "data_available": "Data available",
}
_QUESTION_START = re.compile(
    r"^(what|how|who|which|where|when|why|do|does|did|is|are|can|could|should|will|would|may|any|have|has)\b", re.I
)


def mentions(text: str, phrases: list[str] | tuple[str, ...]) -> list[str]:
    low = text.lower()
    return [p for p in phrases if p.lower() in low]


def questions_in(text: str) -> list[str]:
    """Sentences the candidate phrased as questions."""
    parts = re.split(r"(?<=[?.!])\s+|\n+", text)
    return [p.strip() for p in parts if p.strip() and (p.strip().endswith("?") or _QUESTION_START.match(p.strip()))]


def asked_details(text: str) -> list[str]:
    """Hidden-detail fields the candidate asked about (only in questions)."""
    asked: list[str] = []
    for q in questions_in(text):
        for field, cues in DETAIL_CUES.items():
            text = q.lower()
            for phrase in DETAIL_NOT.get(field, ()):
                text = text.replace(phrase, "")
            if field not in asked and mentions(text, cues):
                asked.append(field)
    return asked


def key_question_status(fw: Framework, session: Session, step: int) -> list[tuple[KeyQuestion, bool]]:
    """Each key question of the step and whether it is addressed already."""
    said = session.candidate_text(step)
    asked = "\n".join(t.text for t in session.turns_in_step(step) if t.role == "interviewer")
    return [(kq, bool(mentions(said, kq.cues)) or kq.question in asked) for kq in fw.step(step).key_questions]


def coverage(fw: Framework, session: Session, step: int) -> float:
    status = key_question_status(fw, session, step)
    return sum(done for _, done in status) / len(status)


def followups_in_step(session: Session, step: int) -> int:
    return sum(1 for t in session.turns_in_step(step) if t.role == "interviewer" and t.kind == "followup")


def pick_followup(fw: Framework, session: Session, step: int, text: str, *, need_trigger: bool = True) -> Topic | None:
    """An unasked topic for this step: most trigger hits in ``text`` first; with
    no trigger (and ``need_trigger`` off) the one whose points the candidate
    has said least about."""
    pool = [t for t in fw.topics_for_step(step) if t.id not in session.asked_topics]
    if not pool:
        return None
    scored = [(len(mentions(text, t.triggers)), t) for t in pool]
    best = max(scored, key=lambda pair: pair[0])
    if best[0] > 0:
        return best[1]
    if need_trigger:
        return None
    said = session.candidate_text(step).lower()

    def covered(topic: Topic) -> int:
        words = {w for p in topic.points for w in re.findall(r"[a-z]{6,}", p.lower())}
        return sum(1 for w in words if w in said)

    return min(pool, key=covered)


class TurnPlan(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    action: Action
    step: int
    decision: StepDecision | None = None
    banner: str | None = None
    closing: bool = False
    reveal: list[str] = []
    key_question: KeyQuestion | None = None
    uncovered: list[str] = []
    topic: Topic | None = None
    clock: Clock
    kind: str = "question"

    @property
    def transition(self) -> bool:
        return self.banner is not None


def last_interviewer(session: Session) -> Turn | None:
    for t in reversed(session.turns):
        if t.role == "interviewer":
            return t
    return None


def plan_turn(fw: Framework, session: Session, action: Action, now: datetime | None = None) -> TurnPlan:
    """Plan the interviewer's next turn. The candidate's turn (if any) is
    already in ``session.turns``; nothing here mutates the session."""
    step = session.current_step
    if action == "open":
        status = key_question_status(fw, session, 1)
        return TurnPlan(
            action="open",
            step=1,
            banner=step_banner(fw, 1),
            key_question=status[0][0],
            uncovered=[kq.question for kq, done in status if not done],
            clock=clock(fw, session, now),
            kind="opening",
        )

    last = session.last_candidate_turn()
    text = last.text if last and action == "answer" else ""
    prev = last_interviewer(session)
    proposal = coverage(fw, session, step) >= COVERAGE_TO_ADVANCE or bool(prev and prev.proposes_next)
    decision = decide_step(
        fw,
        session,
        proposal_covered=proposal and action == "answer",
        candidate_asked_next=action == "next",
        now=now,
    )
    reveal = [f for f in asked_details(text) if f not in session.revealed] if action == "answer" else []
    if reveal and decision.reason in ("covered",):
        # The candidate just asked a question: answer it before moving on.
        decision = StepDecision(advance=False, reason="stay", from_step=step, to_step=step)

    new_step = decision.to_step
    status = key_question_status(fw, session, new_step)
    open_questions = [kq for kq, done in status if not done]
    plan = TurnPlan(
        action=action,
        step=new_step,
        decision=decision,
        reveal=reveal,
        uncovered=[kq.question for kq in open_questions],
        clock=clock(fw, session, now),
    )
    if decision.end_interview:
        plan.closing = True
        plan.kind = "closing"
        return plan
    if decision.advance:
        return _enter_step(fw, session, plan, decision)
    if action == "hint":
        plan.key_question = open_questions[0] if open_questions else None
        plan.kind = "hint"
        return plan

    topic = None
    if followups_in_step(session, step) < MAX_FOLLOWUPS_PER_STEP:
        topic = pick_followup(fw, session, step, text, need_trigger=bool(open_questions))
    if topic is not None:
        plan.topic = topic
        plan.kind = "followup"
    plan.key_question = open_questions[0] if open_questions else None
    if topic is None and plan.key_question is None:
        # Nothing left to ask in this step: wrap it up.
        if step == STEP_COUNT:
            plan.closing = True
            plan.kind = "closing"
        else:
            moved = StepDecision(advance=True, reason="covered", from_step=step, to_step=step + 1)
            return _enter_step(fw, session, plan, moved)
    return plan


def _enter_step(fw: Framework, session: Session, plan: TurnPlan, decision: StepDecision) -> TurnPlan:
    """Make ``plan`` the transition into ``decision.to_step``: banner, then its first open question."""
    status = key_question_status(fw, session, decision.to_step)
    open_questions = [kq for kq, done in status if not done]
    plan.decision = decision
    plan.step = decision.to_step
    plan.banner = step_banner(fw, decision.to_step)
    plan.key_question = open_questions[0] if open_questions else status[0][0]
    plan.uncovered = [kq.question for kq in open_questions]
    plan.kind = "transition"
    return plan
