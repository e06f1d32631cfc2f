"""Pure rules both graders share: what the candidate said in a step, red
flags, caps, step and overall scores, and the verdict for a level.

The rules bound whatever a grader claims: a criterion with no verified quote
is capped, a rubric red flag caps its step, and the verdict can be at most
one band away from what the weighted score says for the level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .evidence import haystack, normalise
from .framework import STEP_COUNT, Framework, Rubric
from .injection import PLACEHOLDER, find_injections, redact
from .results import VERDICTS, CriterionResult, InjectionFlag, RedFlagHit, StepResult, TranscriptLine, Verdict
from .session import Session, Turn

NO_EVIDENCE_CAP = 2
# A step never reached counts as this in the overall score.
NOT_COVERED_SCORE = 1.0
# Lower bound of each verdict band for a senior candidate; mid/staff shift it.
VERDICT_FLOORS: dict[Verdict, float] = {"strong hire": 4.2, "hire": 3.5, "lean hire": 3.0, "lean no hire": 2.3}
LEVEL_SHIFT = {"mid": -0.3, "senior": 0.0, "staff": 0.3}
# Candidate turns that carry no answer (commands typed during the interview).
COMMAND_TEXTS = {"(asked for a hint)", "(asked to move on to the next step)", "/hint", "/next", "/end", "/quit"}


@dataclass
class StepMaterial:
    """What the candidate said in one step, with grader-directed text removed."""

    step: int
    turns: list[Turn]
    answers: list[str]
    injections: list[InjectionFlag] = field(default_factory=list)
    hints: int = 0

    @property
    def reached(self) -> bool:
        return any(a.replace(PLACEHOLDER, "").strip() for a in self.answers)

    @property
    def text(self) -> str:
        return "\n\n".join(self.answers)

    @property
    def hay(self) -> str:
        return haystack(self.answers)


def is_answer(turn: Turn) -> bool:
    return (
        turn.role == "candidate"
        and not turn.hint
        and turn.kind not in ("hint", "next")
        and turn.text.strip().lower() not in COMMAND_TEXTS
    )


def step_material(session: Session, step: int) -> StepMaterial:
    turns = session.turns_in_step(step)
    answers: list[str] = []
    flags: list[InjectionFlag] = []
    for t in turns:
        if not is_answer(t):
            continue
        found = find_injections(t.text)
        flags += [InjectionFlag(step=step, kind=i.kind, excerpt=i.excerpt()) for i in found]
        answers.append(redact(t.text, found))
    hints = sum(1 for t in turns if t.role == "candidate" and (t.hint or t.kind == "hint"))
    return StepMaterial(step=step, turns=turns, answers=answers, injections=flags, hints=hints)


@lru_cache(maxsize=2048)
def _word_re(word: str) -> re.Pattern[str]:
    w = normalise(word)
    lead = r"(?<![a-z0-9])" if w[:1].isalnum() else ""
    return re.compile(lead + re.escape(w))


def matches(text_norm: str, word: str) -> bool:
    """``word`` starts a word in ``text_norm`` (already :func:`normalise`-d)."""
    return _word_re(word).search(text_norm) is not None


def red_flags(rubric: Rubric, text: str, raised_ids: list[str] | None = None) -> list[RedFlagHit]:
    """Flags whose ``when_missing`` words are all absent, plus any raised by a model grader."""
    norm = normalise(text)
    raised = set(raised_ids or [])
    hits = []
    for f in rubric.red_flags:
        if f.id in raised or not any(matches(norm, w) for w in f.when_missing):
            hits.append(RedFlagHit(id=f.id, description=f.description, cap=f.cap))
    return hits


def weighted(criteria: list[CriterionResult]) -> float:
    total = sum(c.weight for c in criteria)
    return sum(c.weight * c.score for c in criteria) / total if total else 1.0


def capped_step_score(raw: float, flags: list[RedFlagHit]) -> float:
    cap = min((f.cap for f in flags), default=5)
    return round(max(1.0, min(raw, float(cap))), 2)


def not_covered(fw: Framework, session: Session, step: int, material: StepMaterial | None = None) -> StepResult:
    return StepResult(
        step=step,
        title=fw.step(step).title,
        status="not covered",
        reason="The interview did not reach this step, so it is not scored.",
        strong_answer=list(session.problem.strong_answer.get(step, [])),
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


def verdict_for(score: float, level: str) -> Verdict:
    shift = LEVEL_SHIFT.get(level, 0.0)
    for verdict, floor in VERDICT_FLOORS.items():
        if score >= floor + shift:
            return verdict
    return "no hire"


def clamp_verdict(proposed: str | None, score: float, level: str) -> Verdict:
    """The model's verdict if it is within one band of the score's; else the nearest such band."""
    anchor = VERDICTS.index(verdict_for(score, level))
    if proposed not in VERDICTS:
        return VERDICTS[anchor]
    index = VERDICTS.index(proposed)  # type: ignore[arg-type]
    return VERDICTS[min(max(index, anchor - 1), anchor + 1)]


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
        rubric = fw.rubrics[s.step]
        by_id = {c.id: c for c in rubric.criteria}
        for c in s.criteria:
            crit = by_id.get(c.id)
            if crit is None or c.score >= 4:
                continue
            expect = getattr(crit.levels, level, crit.levels.senior)
            scored.append(((5 - c.score) * c.weight * share * 7, f"Step {s.step}, {c.name}: {expect}"))
    scored.sort(key=lambda pair: -pair[0])
    return [text for _, text in scored[:count]]


def transcript_lines(session: Session) -> list[TranscriptLine]:
    return [
        TranscriptLine(role=t.role, step=t.step, text=t.text, hint=t.hint or t.kind == "hint", kind=t.kind)
        for t in session.turns
    ]


def all_steps() -> range:
    return range(1, STEP_COUNT + 1)
