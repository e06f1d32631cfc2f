"""What grading produces: the report and its parts, as pydantic models.

``Report`` is what the graders return, what the store keeps (as JSON) and
what the renderers in :mod:`interviewer.report` and friends draw. It lives in
the grading layer so graders never import a presentation module.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ReportError
from .framework import STEP_COUNT
from .injection import InjectionKind
from .llm import Usage
from .session import Role, utcnow

# 2: offline reports are a coverage check (no score, no verdict); criteria may be
# "not applicable"; red flags carry kind and quote; injections are judged, not removed.
# 3: the transcript's notices (model switches) at their place between turns.
SCHEMA_VERSION = 3
REPORT_KIND = "interviewer-report"
OFFLINE_GRADER_LABEL = "Offline coverage check — rule-based, no model was called"

StepStatus = Literal["graded", "offline", "not graded", "not covered"]
Verdict = Literal["strong hire", "hire", "lean hire", "lean no hire", "no hire"]
VERDICTS: tuple[Verdict, ...] = ("no hire", "lean no hire", "lean hire", "hire", "strong hire")
# What the offline coverage check found for a criterion.
Coverage = Literal["explained", "touched", "not addressed"]
# What a model grader made of a flagged passage: an attempt to sway the grade, or
# part of the design (e.g. a quoted attack in a test plan); offline nobody judges.
InjectionJudgement = Literal["not judged", "attempt", "design content"]
# Grading each step more than this many times costs more than it tells.
MAX_SAMPLES = 5
# A spread of sample scores above this is flagged as an unstable grade.
UNSTABLE_SPREAD = 1.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CriterionResult(_Model):
    id: str
    name: str
    weight: float
    # 1-5 from a model grader; None offline and when the criterion does not apply.
    score: float | None = Field(default=None, ge=1, le=5)
    # Offline only: what the candidate's sentences did with this criterion.
    coverage: Coverage | None = None
    applicable: bool = True
    reasoning: str = ""
    evidence: list[str] = Field(default_factory=list)
    # No quote survived verification: the score was capped.
    no_evidence: bool = False
    # The grader's own score before any cap (mean over samples).
    raw_score: float | None = None
    spread: float = 0.0


class RedFlagHit(_Model):
    id: str
    description: str
    cap: int
    kind: Literal["omission", "harmful"] = "omission"
    # The candidate's words the flag rests on (verified against the transcript).
    quote: str = ""
    # The flag lowered the step's score (model grading only; offline nothing is capped).
    capped: bool = False


class InjectionFlag(_Model):
    step: int
    kind: InjectionKind
    # The whole sentence (or line) as the candidate wrote it.
    excerpt: str
    # "filter": found by the rules before grading; "grader": found by the model grader.
    found_by: Literal["filter", "grader"] = "filter"
    judgement: InjectionJudgement = "not judged"


class StepResult(_Model):
    step: int = Field(ge=1, le=STEP_COUNT)
    title: str
    status: StepStatus
    score: float | None = Field(default=None, ge=1, le=5)
    # The criteria average before a red flag capped it (None when nothing was capped).
    uncapped_score: float | None = Field(default=None, ge=1, le=5)
    # Offline: share (0-1) of the step's rubric the answers covered; None for model grades.
    coverage: float | None = Field(default=None, ge=0, le=1)
    # Why a step is "not graded" or "not covered".
    reason: str | None = None
    criteria: list[CriterionResult] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    # What a strong answer would have covered at this step.
    strong_answer: list[str] = Field(default_factory=list)
    red_flags: list[RedFlagHit] = Field(default_factory=list)
    dropped_quotes: int = 0
    injections: list[InjectionFlag] = Field(default_factory=list)
    hints: int = 0
    samples: int = 1
    # max - min of the step score across samples.
    spread: float = 0.0
    rubric_version: str = ""

    @property
    def unstable(self) -> bool:
        return self.spread > UNSTABLE_SPREAD

    @property
    def capped(self) -> bool:
        return self.uncapped_score is not None and self.score is not None and self.score < self.uncapped_score

    @property
    def scored(self) -> bool:
        return self.score is not None


class TranscriptLine(_Model):
    role: Role
    step: int
    text: str
    hint: bool = False
    kind: str = "answer"


class TranscriptNotice(_Model):
    """A line the program wrote into the transcript (a model switch), not a turn."""

    text: str
    # Shown before transcript line number ``before`` (== the number of lines at the time).
    before: int = Field(ge=0)


class Report(_Model):
    schema_version: int = SCHEMA_VERSION
    kind: Literal["interviewer-report"] = REPORT_KIND
    created_at: datetime = Field(default_factory=utcnow)
    session_id: str | None = None
    problem_id: str
    problem_title: str
    level: str
    offline: bool
    grader: str
    grader_label: str
    interviewer_model: str
    samples: int = 1
    prompt_version: str
    rubric_versions: dict[int, str]
    overall_score: float | None = Field(default=None, ge=1, le=5)
    verdict: Verdict | None = None
    # How the verdict follows from the score at this level (model grading only).
    verdict_rule: str = ""
    # Offline: share (0-1) of the rubric the interview covered, weighted by step time.
    coverage: float | None = Field(default=None, ge=0, le=1)
    summary: str = ""
    practice: list[str] = Field(default_factory=list)
    steps: list[StepResult]
    injections: list[InjectionFlag] = Field(default_factory=list)
    dropped_quotes: int = 0
    notes: list[str] = Field(default_factory=list)
    grading_usage: Usage = Field(default_factory=Usage)
    interview_usage: Usage = Field(default_factory=Usage)
    transcript: list[TranscriptLine] = Field(default_factory=list)
    notices: list[TranscriptNotice] = Field(default_factory=list)

    def step(self, number: int) -> StepResult:
        for s in self.steps:
            if s.step == number:
                return s
        raise KeyError(number)  # a programming error, not user input


def graded_steps(report: Report) -> int:
    """Steps that got a grade (or an offline coverage check), not "not graded" or "not covered"."""
    return sum(s.status in ("graded", "offline") for s in report.steps)


def replaces(new: Report, old: Report | None) -> bool:
    """May ``new`` be stored as a session's latest report?

    Not when no step could be graded (the model failed throughout), and not
    when it graded fewer steps than the stored report: a regrade that failed
    part-way never replaces a good report (``export`` would show its gaps).
    """
    if graded_steps(new) == 0:
        return False
    return old is None or graded_steps(new) >= graded_steps(old)


# --- JSON ---------------------------------------------------------------------


def render_json(report: Report) -> str:
    return report.model_dump_json(indent=2) + "\n"


def load_report(json_text: str | bytes | dict[str, Any]) -> Report:
    """A Report from :func:`render_json` output (or its parsed dict)."""
    if isinstance(json_text, dict):
        data: Any = json_text
    else:
        try:
            data = json.loads(json_text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ReportError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != REPORT_KIND:
        raise ReportError('not an interviewer report (no "kind": "interviewer-report")')
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ReportError(f"report schema version {version!r} is not supported (this version reads {SCHEMA_VERSION})")
    try:
        return Report.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ReportError(f"invalid report: field '{where}': {first['msg']}") from None
