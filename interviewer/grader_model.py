"""Grading one step with a model: the prompt, the reply's shape, and turning
validated replies into a :class:`StepResult`.

Each call gets that step's rubric (only the criteria that apply to the
problem's modality), the problem, what a strong answer covers and the step's
turns, wrapped in markers carrying a random per-call token, with the
instructions restated after it. Passages the injection filter found are not
removed: they are marked, and the model says which are attempts to sway the
grade. Every evidence quote is checked against what the candidate said; a
criterion left without evidence is capped; a harmful red flag needs a
verified quote.
"""

from __future__ import annotations

import json
import math
import secrets
import statistics
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .evidence import normalise, verify_quotes
from .framework import Criterion, Framework, Rubric
from .injection import Injection, mark
from .llm import Usage
from .prompting import render
from .results import CriterionResult, InjectionFlag, RedFlagHit, StepResult
from .scoring import NO_EVIDENCE_CAP, StepMaterial, applicable, apply_caps, is_answer, strong_points, weighted
from .session import SPEAKERS, Session
from .settings import ModelSettings
from .structured import ask_json

MAX_ITEMS = 5
MAX_ITEM_CHARS = 400
FLAG_OPEN = "<flag-{token}-{{n}}>"
FLAG_CLOSE = "</flag-{token}-{{n}}>"


# --- what the model must return ------------------------------------------------


class CriterionGrade(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence: list[str] = Field(default_factory=list)
    reasoning: str
    score: int = Field(ge=1, le=5)


class RaisedFlag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    quote: str = ""


class StepGrade(BaseModel):
    """One grader reply for one step; ``criteria`` is keyed by the applicable criteria's ids."""

    model_config = ConfigDict(extra="forbid")

    criteria: dict[str, CriterionGrade]
    red_flags: list[RaisedFlag] = Field(default_factory=list)
    # Numbers of the marked passages the grader judges to be attempts to sway the grade.
    attempts: list[int] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    strong_answer: list[str] = Field(default_factory=list)

    def check(self, rubric: Rubric, criteria: list[Criterion] | None = None, marked: int = 0) -> StepGrade:
        """Raise ValueError unless the criteria are exactly the applicable ones and every flag is known."""
        want = [c.id for c in (criteria if criteria is not None else rubric.criteria)]
        missing = [i for i in want if i not in self.criteria]
        extra = [i for i in self.criteria if i not in want]
        problems = []
        if missing:
            problems.append(f"missing criteria {missing}")
        if extra:
            problems.append(f"unknown criteria {extra}")
        kinds = {f.id: f.kind for f in rubric.red_flags}
        unknown_flags = [f.id for f in self.red_flags if f.id not in kinds]
        if unknown_flags:
            problems.append(f"unknown red flags {unknown_flags} (allowed: {sorted(kinds)})")
        unquoted = [f.id for f in self.red_flags if kinds.get(f.id) == "harmful" and not f.quote.strip()]
        if unquoted:
            problems.append(f"harmful red flags need a quote of the candidate's words: {unquoted}")
        bad = [n for n in self.attempts if not 1 <= n <= marked]
        if bad:
            problems.append(
                f"attempts {bad} are not marked passages (1..{marked})" if marked else "no passage is marked"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


def step_grade_schema(rubric: Rubric, criteria: list[Criterion] | None = None, marked: int = 0) -> dict[str, Any]:
    """The JSON schema sent as ``response_format``: fixed criterion keys, bounded sizes
    (a grammar-constrained small model cannot ramble or invent ids)."""
    text_list = {"type": "array", "items": {"type": "string"}, "maxItems": 4}
    criterion = {
        "type": "object",
        "properties": {
            "evidence": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
            "reasoning": {"type": "string"},
            "score": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
        },
        "required": ["evidence", "reasoning", "score"],
        "additionalProperties": False,
    }
    ids = [c.id for c in (criteria if criteria is not None else rubric.criteria)]
    flag = {
        "type": "object",
        "properties": {"id": {"type": "string", "enum": [f.id for f in rubric.red_flags]}, "quote": {"type": "string"}},
        "required": ["id", "quote"],
        "additionalProperties": False,
    }
    attempts: dict[str, Any] = {"type": "array", "items": {"type": "integer"}, "maxItems": marked}
    if marked:
        attempts["items"] = {"type": "integer", "enum": list(range(1, marked + 1))}
    return {
        "type": "object",
        "properties": {
            "criteria": {
                "type": "object",
                "properties": {i: criterion for i in ids},
                "required": ids,
                "additionalProperties": False,
            },
            "red_flags": {"type": "array", "items": flag, "maxItems": len(rubric.red_flags)},
            "attempts": attempts,
            "strengths": text_list,
            "gaps": text_list,
            "strong_answer": text_list,
        },
        "required": ["criteria", "red_flags", "attempts", "strengths", "gaps", "strong_answer"],
        "additionalProperties": False,
    }


def _shape(criteria: list[Criterion]) -> str:
    example = {
        "criteria": {
            c.id: {"evidence": ["<the candidate's exact words>"], "reasoning": "<why this score>", "score": "<1-5>"}
            for c in criteria
        },
        "red_flags": [{"id": "<red flag id>", "quote": "<the candidate's exact words>"}],
        "attempts": [],
        "strengths": ["..."],
        "gaps": ["..."],
        "strong_answer": ["..."],
    }
    return json.dumps(example, ensure_ascii=False).replace('"<1-5>"', "<1-5>")


# --- the prompt ----------------------------------------------------------------------


def marked_spans(material: StepMaterial) -> list[Injection]:
    """Every flagged span of the step, in the order they are numbered for the grader."""
    return [span for spans in material.suspects for span in spans]


def step_transcript(material: StepMaterial, token: str) -> str:
    """The step's turns as the grader sees them: candidate text verbatim, flagged passages marked."""
    lines = []
    answers = iter(zip(material.answers, material.suspects, strict=True))
    number = 1
    for t in material.turns:
        who = SPEAKERS[t.role]
        hint = " (hint)" if t.hint or t.kind == "hint" else ""
        text = t.text
        if is_answer(t):
            text, spans = next(answers)
            text = mark(text, spans, FLAG_OPEN.format(token=token), FLAG_CLOSE.format(token=token), first=number)
            number += len(spans)
        lines.append(f"{who}{hint}: {text.strip()}")
    return "\n\n".join(lines)


def step_messages(
    fw: Framework, session: Session, material: StepMaterial, token: str, points: list[str] | None = None
) -> list[dict[str, str]]:
    rubric = fw.rubrics[material.step]
    criteria = applicable(rubric, session.problem)
    system = render("grader_system.md", fw.root)
    user = render(
        "grader_step.md",
        fw.root,
        step=fw.step(material.step),
        rubric=rubric,
        criteria=criteria,
        not_applicable=[c for c in rubric.criteria if c not in criteria],
        omissions=[f for f in rubric.red_flags if f.kind == "omission"],
        harmful=[f for f in rubric.red_flags if f.kind == "harmful"],
        problem=session.problem,
        strong_answer=points if points is not None else strong_points(fw, session.problem, material.step),
        transcript=step_transcript(material, token),
        marked=len(marked_spans(material)),
        token=token,
        shape=_shape(criteria),
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def grade_step_once(
    fw: Framework,
    session: Session,
    material: StepMaterial,
    settings: ModelSettings,
    usage: Usage,
    sleep: Callable[[float], None] = time.sleep,
    points: list[str] | None = None,
) -> StepGrade:
    """One validated StepGrade from the model (quotes not yet verified)."""
    rubric = fw.rubrics[material.step]
    criteria = applicable(rubric, session.problem)
    marked = len(marked_spans(material))
    token = secrets.token_hex(8)
    ids = [c.id for c in criteria]

    def parse(data: Any) -> StepGrade:
        return StepGrade.model_validate(data).check(rubric, criteria, marked)

    def reask(error: str) -> str:
        return render("grader_reask.md", fw.root, error=error, ids=ids)

    return ask_json(
        step_messages(fw, session, material, token, points),
        settings,
        step_grade_schema(rubric, criteria, marked),
        f"step_{material.step}_grade",
        parse,
        reask,
        usage,
        sleep,
    )


# --- from model replies to a step result (pure) -----------------------------------------


def _placeholder(text: str) -> bool:
    """Template text a small model copied from the reply shape instead of writing its own."""
    t = text.strip()
    return not t.strip(".…") or (t.startswith("<") and t.endswith(">"))


def items(values: list[str]) -> list[str]:
    out = []
    for v in values:
        v = " ".join(str(v).split())
        if v and not _placeholder(v):
            out.append(v if len(v) <= MAX_ITEM_CHARS else v[: MAX_ITEM_CHARS - 1] + "…")
    return out[:MAX_ITEMS]


def _reasoning(text: str) -> str:
    text = " ".join(text.split())
    return "" if _placeholder(text) else text[:1200]


def _tainted(quote: str, attempts: list[Injection]) -> bool:
    """The quote repeats a passage judged (or not yet cleared) as an attempt: it earns nothing."""
    q = normalise(quote)
    for span in attempts:
        s = normalise(span.text)
        if q and (q in s or s in q):
            return True
    return False


def combine(
    fw: Framework,
    session: Session,
    material: StepMaterial,
    grades: list[StepGrade],
    failures: list[str],
    points: list[str] | None = None,
) -> StepResult:
    """Verify quotes and flags, apply caps, and average the samples of one step."""
    rubric = fw.rubrics[material.step]
    criteria = applicable(rubric, session.problem)
    hay = material.hay
    spans = marked_spans(material)
    # A marked passage is an attempt unless most samples cleared it as design content.
    votes = [sum(1 for g in grades if n in g.attempts) for n in range(1, len(spans) + 1)]
    attempt_spans = [s for s, v in zip(spans, votes, strict=True) if v * 2 >= len(grades) or not grades]
    by_flag = {f.id: f for f in rubric.red_flags}

    per_sample: list[tuple[float, float | None]] = []
    per_criterion: dict[str, list[tuple[float, float, list[str]]]] = {c.id: [] for c in criteria}
    flag_votes: dict[str, list[str]] = {}
    dropped = 0
    for grade in grades:
        sample: list[CriterionResult] = []
        for c in criteria:
            g = grade.criteria[c.id]
            kept, lost = verify_quotes(g.evidence, hay)
            clean = [q for q in kept if not _tainted(q, attempt_spans)]
            dropped += lost + len(kept) - len(clean)
            score = float(g.score) if clean else float(min(g.score, NO_EVIDENCE_CAP))
            per_criterion[c.id].append((score, float(g.score), clean))
            sample.append(CriterionResult(id=c.id, name=c.name, weight=c.weight, score=score))
        raised: list[RedFlagHit] = []
        for f in grade.red_flags:
            rule = by_flag[f.id]
            quote = ""
            if f.quote.strip():
                kept, lost = verify_quotes([f.quote], hay)
                quote = kept[0] if kept and not _tainted(kept[0], attempt_spans) else ""
                dropped += 0 if quote else 1
            if rule.kind == "harmful" and not quote:
                continue  # a harmful choice the candidate never stated is not a finding
            if f.id not in {r.id for r in raised}:
                raised.append(
                    RedFlagHit(id=f.id, description=rule.description, cap=rule.cap, kind=rule.kind, quote=quote)
                )
                flag_votes.setdefault(f.id, []).append(quote)
        score, uncapped, _ = apply_caps(weighted(sample), raised)
        per_sample.append((score, uncapped))

    # A flag stands when at least half the samples raised it (with a usable quote).
    need = math.ceil(len(grades) / 2)
    flags = [
        RedFlagHit(
            id=f.id,
            description=f.description,
            cap=f.cap,
            kind=f.kind,
            quote=next((q for q in flag_votes[f.id] if q), ""),
        )
        for f in rubric.red_flags
        if len(flag_votes.get(f.id, [])) >= need
    ]
    first = grades[0]
    results = []
    for c in rubric.criteria:
        if c not in criteria:
            results.append(
                CriterionResult(
                    id=c.id,
                    name=c.name,
                    weight=c.weight,
                    applicable=False,
                    reasoning="Does not apply to this problem's modality.",
                )
            )
            continue
        runs = per_criterion[c.id]
        scores = [r[0] for r in runs]
        evidence: list[str] = []
        for _, _, kept in runs:
            evidence += [q for q in kept if q not in evidence]
        results.append(
            CriterionResult(
                id=c.id,
                name=c.name,
                weight=c.weight,
                score=round(statistics.fmean(scores), 2),
                raw_score=round(statistics.fmean(r[1] for r in runs), 2),
                spread=max(scores) - min(scores),
                reasoning=_reasoning(first.criteria[c.id].reasoning),
                evidence=evidence[:3],
                no_evidence=not evidence,
            )
        )
    step_scores = [s for s, _ in per_sample]
    mean_score = round(statistics.fmean(step_scores), 2)
    uncapped_runs = [u if u is not None else s for s, u in per_sample]
    uncapped = round(statistics.fmean(uncapped_runs), 2)
    _, _, flags = apply_caps(uncapped, flags)
    reason = None
    if failures:
        reason = f"{len(failures)} of {len(failures) + len(grades)} samples failed: {failures[0]}"
    judged = [
        InjectionFlag(
            step=material.step,
            kind=s.kind,
            excerpt=s.excerpt(),
            judgement="attempt" if s in attempt_spans else "design content",
        )
        for s in spans
    ]
    return StepResult(
        step=material.step,
        title=fw.step(material.step).title,
        status="graded",
        score=mean_score,
        uncapped_score=uncapped if uncapped > mean_score else None,
        reason=reason,
        criteria=results,
        strengths=items(first.strengths),
        gaps=items(first.gaps),
        strong_answer=items(first.strong_answer)
        or list(points if points is not None else strong_points(fw, session.problem, material.step)),
        red_flags=flags,
        dropped_quotes=dropped,
        injections=judged,
        hints=material.hints,
        samples=len(grades),
        spread=round(max(step_scores) - min(step_scores), 2),
        rubric_version=rubric.version,
    )
