"""From graded steps to the report: notes, the verdict, the summary.

The verdict is computed from the weighted score (:func:`scoring.verdict_for`),
never chosen by a model, and the report states the thresholds. With a model,
the summary and the three practice items are written by it (one call); the
sentence saying which steps a red flag capped is always added by the rules,
so it cannot be left out. Offline there is no score and no verdict: the report
is a coverage check and its summary says so.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import GradeError, LLMError
from .framework import Framework
from .grader_model import items
from .llm import Usage
from .prompting import render
from .results import OFFLINE_GRADER_LABEL, Report, StepResult, Verdict
from .scoring import (
    all_steps,
    overall_coverage,
    overall_score,
    practice_items,
    transcript_lines,
    transcript_notices,
    verdict_for,
    verdict_rule,
)
from .session import Session
from .settings import ModelSettings
from .structured import ask_json

MAX_SUMMARY_CHARS = 1500


class SummaryOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str
    practice: list[str] = Field(min_length=1)


def summary_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "summary": {"type": "string"},
            "practice": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3},
        },
        "required": ["summary", "practice"],
        "additionalProperties": False,
    }


def cap_sentence(steps: list[StepResult]) -> str:
    """Which steps a red flag capped, and from what; empty when none was."""
    parts = []
    for s in steps:
        if not s.capped:
            continue
        why = "; ".join(f.description.rstrip(".") for f in s.red_flags if f.capped) or "a red flag"
        parts.append(f"step {s.step} from {s.uncapped_score:.1f} to {s.score:.1f} ({why})")
    if not parts:
        return ""
    return "Red flags capped " + ", ".join(parts) + "."


def _extremes(steps: list[StepResult], value: str, best: str, worst: str, show: bool) -> list[str]:
    """ "Strongest step ..." / "Weakest step ..." sentences over the steps that have ``value``, and the steps not reached."""
    measured = [s for s in steps if getattr(s, value) is not None]
    parts = []
    if measured:
        hi = max(measured, key=lambda s: getattr(s, value))
        lo = min(measured, key=lambda s: getattr(s, value))
        for label, s in ((best, hi), (worst, lo)):
            if s is lo and lo.step == hi.step:
                break
            figure = f", {getattr(s, value):.1f}" if show else ""
            parts.append(f"{label}: step {s.step} ({s.title}{figure}).")
    missing = [str(s.step) for s in steps if s.status == "not covered"]
    if missing:
        parts.append(f"Steps not reached: {', '.join(missing)}.")
    return parts


def rules_summary(steps: list[StepResult], overall: float, verdict: str, level: str) -> str:
    head = f"Weighted overall score {overall:.1f} / 5, which is {verdict} at the {level} level."
    return " ".join([head, *_extremes(steps, "score", "Strongest", "Weakest", show=True)])


def coverage_summary(steps: list[StepResult], coverage: float) -> str:
    """What the offline check can say: how much of the rubric the answers covered, and where."""
    head = (
        f"The answers covered about {coverage:.0%} of the rubric (explained with specifics, or touched)."
        " This is a coverage check, not a grade: it cannot tell whether the design is right."
    )
    return " ".join([head, *_extremes(steps, "coverage", "Most covered", "Least covered", show=False)])


def model_summary(
    fw: Framework,
    session: Session,
    steps: list[StepResult],
    overall: float,
    verdict: Verdict,
    settings: ModelSettings,
    usage: Usage,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, list[str]]:
    """(summary, practice) written by the model; raises GradeError or LLMError."""
    prompt = render(
        "grader_summary.md",
        fw.root,
        level=fw.levels[session.level],
        problem=session.problem,
        steps=steps,
        overall=overall,
        verdict=verdict,
        token=secrets.token_hex(8),
    )
    out = ask_json(
        [{"role": "user", "content": prompt}],
        settings,
        summary_schema(),
        "interview_summary",
        SummaryOut.model_validate,
        lambda error: (
            f"Your reply could not be used: {error}\nReply again with only the JSON object "
            '{"summary": "...", "practice": ["...", "...", "..."]}.'
        ),
        usage,
        sleep,
    )
    return " ".join(out.summary.split())[:MAX_SUMMARY_CHARS], out.practice


def assemble_report(
    fw: Framework,
    session: Session,
    steps: list[StepResult],
    *,
    grader: str,
    prompt_version: str,
    samples: int,
    usage: Usage,
    notes: list[str],
    summary_settings: ModelSettings | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """The report for graded ``steps``: ``summary_settings`` None means offline (a coverage check)."""
    offline = grader == "offline"
    notes = list(notes)
    failed = [str(s.step) for s in steps if s.status == "not graded"]
    if failed:
        notes.append(f"Step(s) {', '.join(failed)} could not be graded and are left out of the overall score.")
    injections = [flag for s in steps for flag in s.injections]
    if injections:
        notes.append(_injection_note(injections, offline))
    if not session.ended:
        notes.append("The interview was not finished when it was graded.")

    overall = None if offline else overall_score(fw, steps)
    coverage = overall_coverage(fw, steps) if offline else None
    verdict: Verdict | None = None
    summary, practice = "", []
    if overall is not None:
        verdict = verdict_for(overall, session.level)
        summary = rules_summary(steps, overall, verdict, session.level)
        practice = practice_items(fw, steps, session.level)
        if summary_settings is not None:
            try:
                written, wanted = model_summary(fw, session, steps, overall, verdict, summary_settings, usage, sleep)
            except (GradeError, LLMError) as exc:
                notes.append(f"The summary was written by rules, not the model: {exc}")
            else:
                summary = written
                practice = (items(wanted) + practice)[:3]
        capped = cap_sentence(steps)
        if capped and capped not in summary:
            summary = f"{summary} {capped}".strip()
    elif coverage is not None:
        summary = coverage_summary(steps, coverage)
        practice = practice_items(fw, steps, session.level)

    return Report(
        session_id=session.id,
        problem_id=session.problem.id,
        problem_title=session.problem.title,
        level=session.level,
        offline=offline,
        grader=grader,
        grader_label=OFFLINE_GRADER_LABEL if offline else f"{grader} (model grader)",
        interviewer_model=session.model,
        samples=samples,
        prompt_version=prompt_version,
        rubric_versions={n: fw.rubrics[n].version for n in all_steps()},
        overall_score=overall,
        verdict=verdict,
        verdict_rule="" if offline else verdict_rule(session.level),
        coverage=coverage,
        summary=summary,
        practice=practice,
        steps=steps,
        injections=injections,
        dropped_quotes=sum(s.dropped_quotes for s in steps),
        notes=notes,
        grading_usage=usage,
        interview_usage=session.usage.model_copy(),
        transcript=transcript_lines(session),
        notices=transcript_notices(session),
    )


def _injection_note(injections: list[Any], offline: bool) -> str:
    n = len(injections)
    if offline:
        return (
            f"A filter found {n} passage(s) that may be addressed to the grader (shown under 'Passages addressed to "
            "the grader'); the coverage check gave them no credit."
        )
    attempts = sum(1 for f in injections if f.judgement == "attempt")
    return (
        f"A filter found {n} passage(s) that may be addressed to the grader; the model grader judged {attempts} of "
        f"them to be attempts to influence the grade (given no credit) and {n - attempts} part of the design."
    )
