"""Decide what the interviewer does next — pure functions over a Session.

This module is the one home of the interview's rules. The same plan drives
the model-backed and the offline interviewer: whether the step closes (and
why), which key question to raise (never one the candidate's answers already
addressed), whether the last answer was too vague to move on from, which
hidden details the candidate asked for, and which topic-bank follow-up fits
the problem and what the candidate has said.

Coverage is about the candidate's answers, never about what the interviewer
asked: a key question counts as addressed when the model's assessment of an
answer says so, or (offline, and whenever the model reports nothing usable)
when a non-vague answer uses one of its cues.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .framework import STEP_COUNT, Framework, KeyQuestion, Topic
from .session import Clock, Session, Turn, clock, step_banner

Action = Literal["open", "answer", "hint", "next"]
Reason = Literal["stay", "covered", "assessed", "time", "candidate", "final"]

# A step needs at least this many answers before it may close on coverage, and
# closes after MAX whatever happens, so neither side can stall or rush it.
MIN_ANSWERS_TO_CLOSE = 2
MAX_ANSWERS_PER_STEP = 8
MAX_FOLLOWUPS_PER_STEP = 2
# A vague answer is pushed on, but not forever: after this many probes in a
# row the interview moves along as a real interviewer would.
MAX_PROBES_IN_A_ROW = 2

# What a candidate asks when they want a hidden detail of the problem. Cues
# are phrases, not single loose words: "users' emails" is not a scale question.
DETAIL_CUES: dict[str, tuple[str, ...]] = {
    "users_and_scale": (
        "how many users",
        "number of users",
        "user base",
        "scale",
        "traffic",
        "qps",
        "rps",
        "throughput",
        "peak",
        "how many requests",
        "volume",
        "dau",
        "mau",
        "requests per",
        "concurrent",
    ),
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
    "compliance": (
        "complian",
        "regulat",
        "gdpr",
        "hipaa",
        "legal",
        "privacy",
        "pii",
        "residency",
        "soc 2",
        "soc2",
        "users' emails",
        "user emails",
        "users' data",
        "user data",
        "personal data",
        "consent",
        "allowed to",
    ),
    "data_available": (
        "data",
        "dataset",
        "logs",
        "labels",
        "labeled",
        "labelled",
        "training set",
        "corpus",
        "history",
        "train on",
        "emails",
    ),
}
# Phrases that contain a cue but mean something else ("latency budget" is not money).
DETAIL_NOT: dict[str, tuple[str, ...]] = {
    "cost_ceiling": ("latency budget", "time budget", "error budget", "token budget", "context budget"),
    "latency_budget": (),
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
# Words that carry no design content: an answer made of them is vague.
_FILLER = {
    "fast",
    "good",
    "great",
    "big",
    "small",
    "lots",
    "many",
    "scalable",
    "scale",
    "robust",
    "best",
    "nice",
    "quick",
    "quickly",
    "reliable",
    "efficient",
    "model",
    "users",
    "data",
    "should",
    "would",
    "could",
    "it",
    "we",
    "use",
    "the",
    "a",
    "an",
    "and",
    "be",
    "of",
    "to",
    "is",
    "just",
    "some",
    "very",
    "really",
    "thing",
    "things",
    "stuff",
    "depends",
    "maybe",
    "probably",
    "whatever",
    "etc",
    "ok",
    "yes",
    "no",
    "i",
    "think",
}


def normalise(text: str) -> str:
    """Lower-case NFKC text without zero-width characters (for matching only)."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", text)
    return text.lower().replace("\u2019", "'")


def mentions(text: str, phrases: list[str] | tuple[str, ...]) -> list[str]:
    low = normalise(text)
    return [p for p in phrases if p.lower() in low]


def questions_in(text: str) -> list[str]:
    """Sentences the candidate phrased as questions."""
    parts = re.split(r"(?<=[?.!])\s+|\n+", text)
    return [p.strip() for p in parts if p.strip() and (p.strip().endswith("?") or _QUESTION_START.match(p.strip()))]


def statements(text: str) -> str:
    """The text without its questions: asking about latency is not answering it."""
    asked = set(questions_in(text))
    parts = re.split(r"(?<=[?.!])\s+|\n+", text)
    return " ".join(p for p in parts if p.strip() and p.strip() not in asked)


def asked_details(text: str) -> list[str]:
    """Hidden-detail fields the candidate asked about (only in their questions;
    every question of a multi-question answer counts)."""
    asked: list[str] = []
    for q in questions_in(text):
        low = normalise(q)
        for field, cues in DETAIL_CUES.items():
            probe = low
            for phrase in DETAIL_NOT.get(field, ()):
                probe = probe.replace(phrase, "")
            if field not in asked and mentions(probe, cues):
                asked.append(field)
    return asked


def is_vague(text: str) -> bool:
    """An answer with no specifics: short, no numbers, and (nearly) all filler
    words ("It should be fast and good." / "Lots of users." / "We use a big model.")."""
    words = re.findall(r"[a-z0-9][a-z0-9'\-]*", normalise(text))
    if not words:
        return True
    if any(re.search(r"\d", w) for w in words):
        return False
    content = [w for w in words if w not in _FILLER and len(w) > 2]
    if len(words) <= 6:
        return len(content) <= 2
    return len(content) < 3 or len(content) / len(words) < 0.2


def vague_fragment(text: str, limit: int = 60) -> str:
    """The part of a vague answer to quote back when probing it."""
    first = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


# --- coverage by the candidate's answers ------------------------------------


def _answers(session: Session, step: int) -> list[Turn]:
    return [t for t in session.turns_in_step(step) if t.role == "candidate" and t.kind == "answer"]


def _known_ids(fw: Framework, step: int) -> set[str]:
    return {kq.id or "" for kq in fw.step(step).key_questions}


def addressed_ids(fw: Framework, session: Session, step: int) -> set[str]:
    """Key questions of ``step`` the candidate's answers addressed.

    Cues count only in answers with specifics (a vague "lots of users" does
    not answer the scale question) and are read across the whole interview
    (a candidate who gave the latency target in step 1 answered it). The
    model's assessments add what it judged addressed in this step."""
    done: set[str] = set()
    substantive = "\n".join(
        statements(t.text)
        for t in session.turns
        if t.role == "candidate" and t.kind == "answer" and not is_vague(t.text)
    )
    for kq in fw.step(step).key_questions:
        if mentions(substantive, kq.cues):
            done.add(kq.id or "")
    known = _known_ids(fw, step)
    for t in session.turns:
        if t.role == "interviewer" and t.assessment is not None and t.assessment.step == step:
            done.update(i for i in t.assessment.addressed if i in known)
    return done


def key_question_status(fw: Framework, session: Session, step: int) -> list[tuple[KeyQuestion, bool]]:
    """Each key question of the step and whether the candidate addressed it."""
    done = addressed_ids(fw, session, step)
    return [(kq, (kq.id or "") in done) for kq in fw.step(step).key_questions]


def coverage(fw: Framework, session: Session, step: int) -> float:
    status = key_question_status(fw, session, step)
    return sum(done for _, done in status) / len(status)


def step_complete(fw: Framework, session: Session, step: int) -> bool:
    """Every core key question of the step addressed (for display and closing)."""
    return all(done for kq, done in key_question_status(fw, session, step) if kq.core)


def asked_ids(session: Session, step: int) -> list[str]:
    return [t.question_id for t in session.turns_in_step(step) if t.role == "interviewer" and t.question_id]


def next_question(fw: Framework, session: Session, step: int) -> KeyQuestion | None:
    """The open key question to raise next: one not asked yet first (core
    before the rest), then the pending one; never an addressed one."""
    status = key_question_status(fw, session, step)
    open_qs = [kq for kq, done in status if not done]
    if not open_qs:
        return None
    asked = set(asked_ids(session, step))
    fresh = [kq for kq in open_qs if kq.id not in asked]
    ordered = sorted(fresh, key=lambda kq: not kq.core) or open_qs
    return ordered[0]


def pending_question(fw: Framework, session: Session) -> KeyQuestion | None:
    """The key question the interviewer last asked, if still open (what a hint targets)."""
    last = last_interviewer(session)
    if last is None or not last.question_id:
        return None
    for kq, done in key_question_status(fw, session, last.step):
        if kq.id == last.question_id and not done:
            return kq
    return None


# --- topic bank ---------------------------------------------------------------


def topic_fits(topic: Topic, session: Session) -> bool:
    """The topic suits this problem and presupposes only what the candidate said."""
    if topic.problems and not set(topic.problems) & set(session.problem.tags):
        return False
    said = session.candidate_text()
    if topic.requires and not mentions(said, topic.requires):
        return False
    return not (topic.unless and mentions(said, topic.unless))


def followups_in_step(session: Session, step: int) -> int:
    return sum(1 for t in session.turns_in_step(step) if t.role == "interviewer" and t.kind == "followup")


def pick_followup(fw: Framework, session: Session, step: int, text: str, *, need_trigger: bool = True) -> Topic | None:
    """An unasked topic for this step that fits: most trigger hits in ``text``
    first; with no trigger (and ``need_trigger`` off) the one whose points the
    candidate has said least about."""
    pool = [t for t in fw.topics_for_step(step) if t.id not in session.asked_topics and topic_fits(t, session)]
    if not pool:
        return None
    scored = [(len(mentions(text, t.triggers)), t) for t in pool]
    best = max(scored, key=lambda pair: pair[0])
    if best[0] > 0:
        return best[1]
    if need_trigger:
        return None
    said = normalise(session.candidate_text(step))

    def covered(topic: Topic) -> int:
        words = {w for p in topic.points for w in re.findall(r"[a-z]{6,}", p.lower())}
        return sum(1 for w in words if w in said)

    return min(pool, key=covered)


# --- time -----------------------------------------------------------------------


def step_allowance(fw: Framework, session: Session, c: Clock) -> timedelta:
    """The current step's share of the time that is left, so a slow early step
    shortens the later ones instead of leaving step 7 unreached."""
    step = session.current_step
    spent_before = c.total_spent - c.step_spent
    left = max(c.total_budget - spent_before, timedelta())
    shares = [fw.step(n).guide.time_share for n in range(step, STEP_COUNT + 1)]
    return left * (shares[0] / sum(shares))


class StepDecision(BaseModel):
    """What the tracker decided for the next interviewer turn."""

    advance: bool
    reason: Reason
    from_step: int
    to_step: int
    end_interview: bool = False


def last_interviewer(session: Session) -> Turn | None:
    for t in reversed(session.turns):
        if t.role == "interviewer":
            return t
    return None


def _probes_in_a_row(session: Session) -> int:
    n = 0
    for t in reversed(session.turns):
        if t.role != "interviewer":
            continue
        if t.kind != "probe":
            break
        n += 1
    return n


def last_answer_vague(session: Session) -> bool:
    last = session.last_candidate_turn()
    return bool(last and last.kind == "answer" and is_vague(last.text))


def decide_step(
    fw: Framework, session: Session, *, candidate_asked_next: bool = False, now: datetime | None = None
) -> StepDecision:
    """Whether the next interviewer turn closes the current step, and why."""
    step = session.current_step
    answers = len(_answers(session, step))
    c = clock(fw, session, now)
    vague = last_answer_vague(session)
    prev = last_interviewer(session)
    model_done = bool(
        prev and prev.step == step and (prev.proposes_next or (prev.assessment and prev.assessment.step_done))
    )

    reason: Reason = "stay"
    if candidate_asked_next:
        reason = "candidate"
    elif answers >= 1 and (c.total_over or c.step_spent >= step_allowance(fw, session, c)):
        # Out of time: one exchange per remaining step, so every step is touched.
        reason = "time"
    elif answers >= MAX_ANSWERS_PER_STEP:
        reason = "time"
    elif answers >= MIN_ANSWERS_TO_CLOSE and not vague and step_complete(fw, session, step):
        reason = "covered"
    elif answers >= MIN_ANSWERS_TO_CLOSE and not vague and model_done:
        reason = "assessed"

    if reason == "stay":
        return StepDecision(advance=False, reason="stay", from_step=step, to_step=step)
    if step == STEP_COUNT:
        return StepDecision(advance=False, reason="final", from_step=step, to_step=step, end_interview=True)
    return StepDecision(advance=True, reason=reason, from_step=step, to_step=step + 1)


# --- the plan -------------------------------------------------------------------


class TurnPlan(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    action: Action
    step: int
    decision: StepDecision | None = None
    banner: str | None = None
    closing: bool = False
    reveal: list[str] = []
    key_question: KeyQuestion | None = None
    uncovered: list[KeyQuestion] = []
    addressed: list[str] = []
    topic: Topic | None = None
    probe: str | None = None  # quoted fragment of a vague answer to push on
    clock: Clock
    kind: str = "question"

    @property
    def transition(self) -> bool:
        return self.banner is not None


def _open(fw: Framework, session: Session, step: int) -> list[KeyQuestion]:
    return [kq for kq, done in key_question_status(fw, session, step) if not done]


def plan_turn(fw: Framework, session: Session, action: Action, now: datetime | None = None) -> TurnPlan:
    """Plan the interviewer's next turn. The candidate's turn (if any) is
    already in ``session.turns``; nothing here mutates the session."""
    step = session.current_step
    if action == "open":
        # No forced first question: state the problem and let the candidate lead.
        return TurnPlan(
            action="open",
            step=1,
            banner=step_banner(fw, 1),
            uncovered=_open(fw, session, 1),
            clock=clock(fw, session, now),
            kind="opening",
        )

    last = session.last_candidate_turn()
    text = last.text if last and action == "answer" else ""
    decision = decide_step(fw, session, candidate_asked_next=action == "next", now=now)
    reveal = [f for f in asked_details(text) if f not in session.revealed] if action == "answer" else []
    if reveal and decision.reason in ("covered", "assessed"):
        # The candidate just asked a question: answer it before moving on.
        decision = StepDecision(advance=False, reason="stay", from_step=step, to_step=step)

    plan = TurnPlan(
        action=action,
        step=decision.to_step,
        decision=decision,
        reveal=reveal,
        uncovered=_open(fw, session, decision.to_step),
        addressed=sorted(addressed_ids(fw, session, decision.to_step)),
        clock=clock(fw, session, now),
    )
    if decision.end_interview:
        plan.closing = True
        plan.kind = "closing"
        return plan
    if decision.advance:
        return _enter_step(fw, session, plan, decision)
    if action == "hint":
        plan.key_question = pending_question(fw, session) or next_question(fw, session, step)
        plan.kind = "hint"
        return plan
    if (
        action == "answer"
        and not reveal
        and last_answer_vague(session)
        and _probes_in_a_row(session) < MAX_PROBES_IN_A_ROW
    ):
        plan.probe = vague_fragment(text)
        plan.key_question = pending_question(fw, session)
        plan.kind = "probe"
        return plan

    plan.key_question = next_question(fw, session, step)
    topic = None
    if followups_in_step(session, step) < MAX_FOLLOWUPS_PER_STEP:
        topic = pick_followup(fw, session, step, text, need_trigger=plan.key_question is not None)
    if topic is not None:
        plan.topic = topic
        plan.kind = "followup"
    if topic is None and plan.key_question is None:
        # Nothing left to ask in this step: wrap it up (only with two answers).
        if len(_answers(session, step)) < MIN_ANSWERS_TO_CLOSE:
            plan.kind = "probe"
            return plan
        if step == STEP_COUNT:
            plan.closing = True
            plan.kind = "closing"
        else:
            moved = StepDecision(advance=True, reason="covered", from_step=step, to_step=step + 1)
            return _enter_step(fw, session, plan, moved)
    return plan


def _enter_step(fw: Framework, session: Session, plan: TurnPlan, decision: StepDecision) -> TurnPlan:
    """Make ``plan`` the transition into ``decision.to_step``: banner, then its first open question."""
    plan.decision = decision
    plan.step = decision.to_step
    plan.banner = step_banner(fw, decision.to_step)
    plan.key_question = next_question(fw, session, decision.to_step)
    plan.uncovered = _open(fw, session, decision.to_step)
    plan.addressed = sorted(addressed_ids(fw, session, decision.to_step))
    plan.kind = "transition"
    return plan
