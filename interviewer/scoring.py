"""Pure rules both graders share: what the candidate said in a step, which
criteria apply, red-flag caps, step and overall scores, and the verdict.

One level rule: scores are absolute, against the rubric's anchors; the level
enters only through :func:`verdict_for`'s thresholds, which the report states
(:func:`verdict_rule`). The verdict is computed from the score, never chosen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .evidence import haystack, normalise
from .framework import STEP_COUNT, Criterion, Framework, Problem, Rubric
from .injection import Injection, find_injections
from .results import CriterionResult, InjectionFlag, RedFlagHit, StepResult, TranscriptLine, TranscriptNotice, Verdict
from .session import HINT_TEXT, NEXT_TEXT, Session, Turn

NO_EVIDENCE_CAP = 2
# A step never reached counts as this in the overall score.
NOT_COVERED_SCORE = 1.0
# Lower bound of each verdict band for a senior candidate; mid/staff shift it.
VERDICT_FLOORS: dict[Verdict, float] = {"strong hire": 4.2, "hire": 3.5, "lean hire": 3.0, "lean no hire": 2.3}
LEVEL_SHIFT = {"mid": -0.3, "senior": 0.0, "staff": 0.3}
# Candidate turns that carry no answer (commands typed during the interview).
COMMAND_TEXTS = {HINT_TEXT, NEXT_TEXT, "/hint", "/next", "/end", "/quit"}
# A problem's strong-answer point that only says "be specific" (a custom problem).
_PLACEHOLDER_POINT = re.compile(r"^covers the step's key questions", re.IGNORECASE)


@dataclass
class StepMaterial:
    """What the candidate said in one step, with the passages that may address the grader found."""

    step: int
    turns: list[Turn]
    answers: list[str]
    # Per answer: the spans find_injections flagged (never removed from ``answers``).
    suspects: list[list[Injection]] = field(default_factory=list)
    hints: int = 0

    @property
    def reached(self) -> bool:
        return any(a.strip() for a in self.answers)

    @property
    def text(self) -> str:
        return "\n\n".join(self.answers)

    @property
    def hay(self) -> str:
        return haystack(self.answers)

    @property
    def injections(self) -> list[InjectionFlag]:
        return [
            InjectionFlag(step=self.step, kind=i.kind, excerpt=i.excerpt()) for spans in self.suspects for i in spans
        ]


def is_answer(turn: Turn) -> bool:
    return (
        turn.role == "candidate"
        and not turn.hint
        and turn.kind not in ("hint", "next")
        and turn.text.strip().lower() not in COMMAND_TEXTS
    )


def step_material(session: Session, step: int) -> StepMaterial:
    turns = session.turns_in_step(step)
    answers = [t.text for t in turns if is_answer(t)]
    hints = sum(1 for t in turns if t.role == "candidate" and (t.hint or t.kind == "hint"))
    return StepMaterial(
        step=step, turns=turns, answers=answers, suspects=[find_injections(a) for a in answers], hints=hints
    )


@lru_cache(maxsize=4096)
def _word_re(word: str) -> re.Pattern[str]:
    w = normalise(word)
    lead = r"(?<![a-z0-9])" if w[:1].isalnum() else ""
    return re.compile(lead + re.escape(w))


def matches(text_norm: str, word: str) -> bool:
    """``word`` starts a word in ``text_norm`` (already :func:`normalise`-d)."""
    return _word_re(word).search(text_norm) is not None


# --- criteria, points and red flags ------------------------------------------------------


def applicable(rubric: Rubric, problem: Problem) -> list[Criterion]:
    return [c for c in rubric.criteria if c.applies_to(problem)]


def strong_points(fw: Framework, problem: Problem, step: int) -> list[str]:
    """What a strong answer covers at ``step``: the problem's own points, or, for a
    problem without any (a custom one), what senior depth sounds like at that step."""
    points = [p for p in problem.strong_answer.get(step, []) if not _PLACEHOLDER_POINT.match(p)]
    return points or list(fw.step(step).guide.depth_signals)


def omissions(rubric: Rubric, text: str) -> list[RedFlagHit]:
    """Omission flags whose words are all absent from ``text`` (the offline rule)."""
    norm = normalise(text)
    return [
        RedFlagHit(id=f.id, description=f.description, cap=f.cap, kind=f.kind)
        for f in rubric.red_flags
        if f.kind == "omission" and not any(matches(norm, w) for w in f.when_missing)
    ]


def weighted(criteria: list[CriterionResult]) -> float:
    scored = [c for c in criteria if c.applicable and c.score is not None]
    total = sum(c.weight for c in scored)
    return sum(c.weight * (c.score or 0) for c in scored) / total if total else 1.0


def apply_caps(raw: float, flags: list[RedFlagHit]) -> tuple[float, float | None, list[RedFlagHit]]:
    """(score, uncapped score or None, flags marked with whether they lowered it)."""
    raw = round(max(1.0, min(raw, 5.0)), 2)
    cap = min((f.cap for f in flags), default=5)
    if raw <= cap:
        return raw, None, flags
    marked = [f.model_copy(update={"capped": f.cap == cap}) for f in flags]
    return float(cap), raw, marked


def not_covered(fw: Framework, session: Session, step: int, material: StepMaterial | None = None) -> StepResult:
    return StepResult(
        step=step,
        title=fw.step(step).title,
        status="not covered",
        reason="The interview did not reach this step.",
        strong_answer=strong_points(fw, session.problem, step),
        injections=material.injections if material else [],
        hints=material.hints if material else 0,
        rubric_version=fw.rubrics[step].version,
    )


def not_graded(fw: Framework, step: int, reason: str, material: StepMaterial, samples: int = 1) -> StepResult:
    return StepResult(
        step=step,
        title=fw.step(step).title,
        status="not graded",
        reason=reason,
        injections=material.injections,
        hints=material.hints,
        samples=samples,
        rubric_version=fw.rubrics[step].version,
    )


# --- whole interview -------------------------------------------------------------------


def overall_score(fw: Framework, steps: list[StepResult]) -> float | None:
    """Weighted by each step's share of interview time; steps not covered count
    as 1, steps that failed to grade are left out (weights renormalised)."""
    total = 0.0
    weight = 0.0
    for s in steps:
        share = fw.step(s.step).guide.time_share
        if s.status == "not covered":
            total += share * NOT_COVERED_SCORE
        elif s.score is not None:
            total += share * s.score
        else:
            continue
        weight += share
    if weight == 0 or not any(s.score is not None for s in steps):
        return None
    return round(total / weight, 2)


def overall_coverage(fw: Framework, steps: list[StepResult]) -> float | None:
    """The offline coverage of the whole interview: steps weighted by time, steps not reached count 0."""
    if not any(s.coverage is not None for s in steps):
        return None
    total = sum(fw.step(s.step).guide.time_share * (s.coverage or 0.0) for s in steps)
    weight = sum(fw.step(s.step).guide.time_share for s in steps)
    return round(total / weight, 3) if weight else None


def verdict_for(score: float, level: str) -> Verdict:
    shift = LEVEL_SHIFT.get(level, 0.0)
    for verdict, floor in VERDICT_FLOORS.items():
        if score >= floor + shift:
            return verdict
    return "no hire"


def verdict_rule(level: str) -> str:
    """The thresholds :func:`verdict_for` applies at ``level``, as the report states them."""
    shift = LEVEL_SHIFT.get(level, 0.0)
    bands = [f"{verdict} from {floor + shift:.1f}" for verdict, floor in VERDICT_FLOORS.items()]
    return (
        f"Scores are absolute (the rubric's 1-5 anchors, the same for every level); the level sets only the verdict "
        f"thresholds. At the {level} level: " + ", ".join(bands) + ", else no hire."
    )


def practice_items(fw: Framework, steps: list[StepResult], level: str, count: int = 3) -> list[str]:
    """The criteria with the largest weighted shortfall, phrased as what to practise."""
    scored: list[tuple[float, str]] = []
    for s in steps:
        share = fw.step(s.step).guide.time_share
        if s.status == "not covered":
            scored.append(
                (share * 4, f"Step {s.step} ({s.title}): reach it — pace the interview so every step gets time.")
            )
            continue
        by_id = {c.id: c for c in fw.rubrics[s.step].criteria}
        for c in s.criteria:
            crit = by_id.get(c.id)
            if crit is None or not c.applicable:
                continue
            shortfall = _shortfall(c)
            if shortfall <= 0:
                continue
            expect = getattr(crit.levels, level, crit.levels.senior)
            scored.append((shortfall * c.weight * share * 7, f"Step {s.step}, {c.name}: {expect}"))
    scored.sort(key=lambda pair: -pair[0])
    return [text for _, text in scored[:count]]


def _shortfall(c: CriterionResult) -> float:
    if c.score is not None:
        return 5 - c.score if c.score < 4 else 0.0
    return {"not addressed": 4.0, "touched": 2.5}.get(c.coverage or "", 0.0)


def transcript_lines(session: Session) -> list[TranscriptLine]:
    return [
        TranscriptLine(role=t.role, step=t.step, text=t.text, hint=t.hint or t.kind == "hint", kind=t.kind)
        for t in session.turns
    ]


def transcript_notices(session: Session) -> list[TranscriptNotice]:
    """The session's notices (model switches), placed by turn index as in the app."""
    return [TranscriptNotice(text=n.text, before=min(n.before, len(session.turns))) for n in session.notices]


def all_steps() -> range:
    return range(1, STEP_COUNT + 1)
