"""The feedback report: one pydantic model and its renderers.

``Report`` is what the grader produces and what the store keeps (as JSON).
Markdown and JSON renderers live here; HTML and PDF are in their own modules
(:mod:`interviewer.report_html`, :mod:`interviewer.report_pdf`) and are
imported only when asked for. :func:`score_trends` turns stored reports into
per-step score series for a history chart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .framework import STEP_COUNT
from .session import Usage, utcnow

SCHEMA_VERSION = 1
REPORT_KIND = "interviewer-report"
OFFLINE_GRADER_LABEL = "Offline grader — rule-based, no model was called"

StepStatus = Literal["graded", "offline", "not graded", "not covered"]
Verdict = Literal["strong hire", "hire", "lean hire", "lean no hire", "no hire"]
VERDICTS: tuple[Verdict, ...] = ("no hire", "lean no hire", "lean hire", "hire", "strong hire")
InjectionKind = Literal["instruction", "role", "evaluation", "delimiter"]
# A spread of sample scores above this is flagged as an unstable grade.
UNSTABLE_SPREAD = 1.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CriterionResult(_Model):
    id: str
    name: str
    weight: float
    score: float = Field(ge=1, le=5)
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


class InjectionFlag(_Model):
    step: int
    kind: InjectionKind
    excerpt: str


class StepResult(_Model):
    step: int = Field(ge=1, le=STEP_COUNT)
    title: str
    status: StepStatus
    score: float | None = Field(default=None, ge=1, le=5)
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
    def scored(self) -> bool:
        return self.score is not None


class TranscriptLine(_Model):
    role: Literal["interviewer", "candidate"]
    step: int
    text: str
    hint: bool = False
    kind: str = "answer"


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
    summary: str = ""
    practice: list[str] = Field(default_factory=list)
    steps: list[StepResult]
    injections: list[InjectionFlag] = Field(default_factory=list)
    dropped_quotes: int = 0
    notes: list[str] = Field(default_factory=list)
    grading_usage: Usage = Field(default_factory=Usage)
    interview_usage: Usage = Field(default_factory=Usage)
    transcript: list[TranscriptLine] = Field(default_factory=list)

    def step(self, number: int) -> StepResult:
        for s in self.steps:
            if s.step == number:
                return s
        raise KeyError(number)


class ReportError(ValueError):
    """Text that is not a report this version can read; the message says why."""


def fmt_score(score: float | None) -> str:
    return "–" if score is None else f"{score:.1f}"


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


# --- Markdown -----------------------------------------------------------------


def md_text(text: str) -> str:
    """Candidate- or model-written text made inert in Markdown: no raw HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _md_quote(text: str) -> str:
    return "\n".join("> " + md_text(line) if line.strip() else ">" for line in text.splitlines())


def header_lines(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs every renderer shows at the top."""
    rows = [
        ("Problem", report.problem_title),
        ("Level", report.level),
        ("Overall score", f"{fmt_score(report.overall_score)} / 5"),
        ("Verdict", report.verdict or "–"),
        ("Grader", report.grader_label),
        ("Interviewer model", report.interviewer_model),
        ("Graded", f"{report.created_at:%Y-%m-%d %H:%M} UTC"),
    ]
    if report.samples > 1:
        rows.append(("Samples per step", str(report.samples)))
    if report.session_id:
        rows.append(("Session", report.session_id))
    return rows


def step_line(step: StepResult) -> str:
    if step.status == "not covered":
        return "not covered"
    if step.status == "not graded":
        return f"not graded ({step.reason or 'grader failed'})"
    text = f"{fmt_score(step.score)} / 5"
    if step.samples > 1:
        text += f" (spread {step.spread:.1f} over {step.samples} samples{'; unstable' if step.unstable else ''})"
    return text


def status_text(step: StepResult) -> str:
    """The status column: how the step was graded, and whether its samples agree."""
    text = {"graded": "graded by model", "offline": "graded offline"}.get(step.status, step.status)
    if step.samples > 1:
        text += f", {step.samples} samples, spread {step.spread:.1f}"
        if step.unstable:
            text += " (unstable)"
    if step.injections:
        text += ", injection flagged"
    return text


def render_markdown(report: Report) -> str:
    out: list[str] = [f"# Interview feedback: {md_text(report.problem_title)}", ""]
    if report.offline:
        out += [f"> **{OFFLINE_GRADER_LABEL}.** Scores come from rubric coverage and specifics, not judgement.", ""]
    out += ["| | |", "| --- | --- |"]
    out += [f"| {label} | {md_text(value).replace('|', '&#124;')} |" for label, value in header_lines(report)]
    out.append("")
    if report.summary:
        out += ["## Summary", "", md_text(report.summary), ""]
    if report.practice:
        out += ["## Top things to practise", ""]
        out += [f"{i}. {md_text(p)}" for i, p in enumerate(report.practice, 1)]
        out.append("")
    out += ["## Scores by step", "", "| Step | Score | Status |", "| --- | --- | --- |"]
    for s in report.steps:
        out.append(f"| {s.step}. {md_text(s.title)} | {fmt_score(s.score)} | {md_text(status_text(s))} |")
    out.append("")
    if report.injections:
        out += ["## Flagged: text addressed to the grader", ""]
        out.append(
            "These passages were removed before grading and earned nothing. Instructions inside an answer never change a score."
        )
        out.append("")
        out += [f"- Step {f.step} ({f.kind}): {_md_code(f.excerpt)}" for f in report.injections]
        out.append("")
    for s in report.steps:
        out += [f"## Step {s.step}: {md_text(s.title)} — {md_text(step_line(s))}", ""]
        if s.status in ("not covered", "not graded"):
            if s.reason:
                out += [md_text(s.reason), ""]
            if s.strong_answer:
                out += ["**What a strong answer would have covered**", ""]
                out += [f"- {md_text(p)}" for p in s.strong_answer]
                out.append("")
            continue
        if s.hints:
            out += [f"_Hints used in this step: {s.hints}_", ""]
        out += ["| Criterion | Weight | Score | Evidence |", "| --- | --- | --- | --- |"]
        for c in s.criteria:
            note = "no evidence (capped)" if c.no_evidence else f"{len(c.evidence)} quote(s)"
            spread = f" ±{c.spread / 2:.1f}" if c.spread else ""
            out.append(f"| {md_text(c.name)} | {c.weight:g} | {c.score:.1f}{spread} | {note} |")
        out.append("")
        for c in s.criteria:
            out += [f"**{md_text(c.name)} — {c.score:.1f}**", ""]
            if c.reasoning:
                out += [md_text(c.reasoning), ""]
            for q in c.evidence:
                out += [_md_quote(f"“{q}”"), ""]
        if s.red_flags:
            out += ["**Red flags**", ""]
            out += [f"- {md_text(f.description)} (caps the step at {f.cap})" for f in s.red_flags]
            out.append("")
        for title, items in (
            ("Strengths", s.strengths),
            ("Gaps", s.gaps),
            ("What a strong answer would have covered", s.strong_answer),
        ):
            if items:
                out += [f"**{title}**", ""]
                out += [f"- {md_text(i)}" for i in items]
                out.append("")
        if s.dropped_quotes:
            out += [
                f"_{s.dropped_quotes} quote(s) from the grader were not found in the transcript and were dropped._",
                "",
            ]
    if report.notes:
        out += ["## Notes", ""]
        out += [f"- {md_text(n)}" for n in report.notes]
        out.append("")
    out += ["## Grading details", ""]
    out.append(
        f"- Prompt version {report.prompt_version}; rubric versions "
        + ", ".join(f"step {n} v{v}" for n, v in sorted(report.rubric_versions.items()))
    )
    out.append(f"- Grading used {usage_line(report.grading_usage)}")
    out.append(f"- The interview used {usage_line(report.interview_usage)}")
    out.append("")
    if report.transcript:
        out += ["## Appendix: transcript", "", "_Hints are marked (hint)._", ""]
        step = 0
        for line in report.transcript:
            if line.step != step:
                step = line.step
                out += [f"### Step {step}", ""]
            who = "Interviewer" if line.role == "interviewer" else "Candidate"
            mark = " (hint)" if line.hint else ""
            out += [f"**{who}{mark}:**", "", _md_quote(line.text), ""]
    return "\n".join(out).rstrip() + "\n"


def usage_line(usage: Usage) -> str:
    if not usage.calls:
        return "no model calls"
    return (
        f"{usage.calls} model call(s), {usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion tokens, "
        f"${usage.cost_usd:.4f}"
    )


# --- other formats (imported lazily) ----------------------------------------------


def render_html(report: Report) -> str:
    from .report_html import render_html as _render

    return _render(report)


def render_pdf(report: Report) -> bytes:
    from .report_pdf import render_pdf as _render

    return _render(report)


FORMATS = ("md", "html", "json", "pdf")


def render(report: Report, fmt: str) -> str | bytes:
    if fmt == "md":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "pdf":
        return render_pdf(report)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


# --- history ------------------------------------------------------------------------


class _Stored(Protocol):
    created_at: datetime
    data: dict[str, object]


def _reports(stored: Iterable[_Stored | Report]) -> list[tuple[datetime, Report]]:
    out = []
    for item in stored:
        if isinstance(item, Report):
            out.append((item.created_at, item))
            continue
        try:
            out.append((item.created_at, load_report(dict(item.data))))
        except ReportError:
            continue  # a report from an older or foreign version: leave it out of the chart
    out.sort(key=lambda pair: pair[0])
    return out


def score_trends(stored_reports: Iterable[_Stored | Report]) -> dict[int, list[tuple[datetime, float]]]:
    """Per-step score series over time, for a history chart.

    Takes ``Store.list_reports()`` (or Report objects). Every step 1-7 is a
    key; steps not covered or not graded in a report contribute no point.
    Unreadable reports are skipped.
    """
    trends: dict[int, list[tuple[datetime, float]]] = {n: [] for n in range(1, STEP_COUNT + 1)}
    for when, report in _reports(stored_reports):
        for s in report.steps:
            if s.score is not None and s.status in ("graded", "offline"):
                trends[s.step].append((when, s.score))
    return trends


def overall_trend(stored_reports: Iterable[_Stored | Report]) -> list[tuple[datetime, float]]:
    """The overall score over time (reports without one are skipped)."""
    return [(when, r.overall_score) for when, r in _reports(stored_reports) if r.overall_score is not None]
