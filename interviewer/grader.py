"""Grade an interview: one model call per step, run concurrently, then a summary.

Each step call gets that step's rubric, the level, the problem and the step's
part of the transcript, wrapped in markers carrying a random per-call token,
with the instructions restated after it. Text addressed to the grader is
removed before the call (:mod:`interviewer.injection`) and flagged. The reply
must validate as a :class:`StepGrade`; if it does not, the model is asked
again with the validation error (bounded). Every evidence quote is checked
against what the candidate said; a criterion left without evidence is capped.
One step failing leaves it "not graded" and keeps the others.

With no model (``settings`` None or offline) the deterministic offline grader
in :mod:`interviewer.grader_offline` grades instead, and the report says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import llm
from .errors import GradeError
from .evidence import verify_quotes
from .framework import Framework, LevelProfile, Rubric
from .grader_offline import grade_step as grade_step_offline
from .injection import PLACEHOLDER
from .llm import Usage
from .prompting import render
from .results import MAX_SAMPLES, OFFLINE_GRADER_LABEL, CriterionResult, Report, StepResult, Verdict
from .scoring import (
    NO_EVIDENCE_CAP,
    StepMaterial,
    all_steps,
    capped_step_score,
    clamp_verdict,
    is_answer,
    not_covered,
    not_graded,
    overall_score,
    practice_items,
    red_flags,
    step_material,
    transcript_lines,
    verdict_for,
    weighted,
)
from .session import Session
from .settings import ModelSettings

log = logging.getLogger(__name__)

GRADER_VERSION = "1"
OFFLINE_GRADER_VERSION = "offline-1"
PROMPT_FILES = ("grader_system.md", "grader_step.md", "grader_reask.md", "grader_summary.md")
MAX_REASKS = 2
MAX_PARALLEL = 8
# Used unless the caller set max_tokens / temperature on the settings explicitly.
GRADE_MAX_TOKENS = 1800
SUMMARY_MAX_TOKENS = 600
MAX_ITEMS = 5
MAX_ITEM_CHARS = 400

Progress = Callable[[int, str], None]


# --- what the model must return ------------------------------------------------


class CriterionGrade(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence: list[str] = Field(default_factory=list)
    reasoning: str
    score: int = Field(ge=1, le=5)


class StepGrade(BaseModel):
    """One grader reply for one step; ``criteria`` is keyed by the rubric's criterion ids."""

    model_config = ConfigDict(extra="forbid")

    criteria: dict[str, CriterionGrade]
    red_flags: list[str] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    strong_answer: list[str] = Field(default_factory=list)

    def check(self, rubric: Rubric) -> StepGrade:
        """Raise ValueError unless the criteria are exactly the rubric's."""
        want = [c.id for c in rubric.criteria]
        missing = [i for i in want if i not in self.criteria]
        extra = [i for i in self.criteria if i not in want]
        problems = []
        if missing:
            problems.append(f"missing criteria {missing}")
        if extra:
            problems.append(f"unknown criteria {extra}")
        flags = {f.id for f in rubric.red_flags}
        unknown_flags = [f for f in self.red_flags if f not in flags]
        if unknown_flags:
            problems.append(f"unknown red flags {unknown_flags} (allowed: {sorted(flags)})")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SummaryOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    summary: str
    practice: list[str] = Field(min_length=1)


def step_grade_schema(rubric: Rubric) -> dict[str, Any]:
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
    ids = [c.id for c in rubric.criteria]
    return {
        "type": "object",
        "properties": {
            "criteria": {
                "type": "object",
                "properties": {i: criterion for i in ids},
                "required": ids,
                "additionalProperties": False,
            },
            "red_flags": {
                "type": "array",
                "items": {"type": "string", "enum": [f.id for f in rubric.red_flags]},
                "maxItems": len(rubric.red_flags),
            },
            "strengths": text_list,
            "gaps": text_list,
            "strong_answer": text_list,
        },
        "required": ["criteria", "red_flags", "strengths", "gaps", "strong_answer"],
        "additionalProperties": False,
    }


def summary_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "verdict": {"type": "string", "enum": ["strong hire", "hire", "lean hire", "lean no hire", "no hire"]},
            "summary": {"type": "string"},
            "practice": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3},
        },
        "required": ["verdict", "summary", "practice"],
        "additionalProperties": False,
    }


def _shape(rubric: Rubric) -> str:
    example = {
        "criteria": {
            c.id: {"evidence": ["<the candidate's exact words>"], "reasoning": "<why this score>", "score": "<1-5>"}
            for c in rubric.criteria
        },
        "red_flags": [],
        "strengths": ["..."],
        "gaps": ["..."],
        "strong_answer": ["..."],
    }
    return json.dumps(example, ensure_ascii=False).replace('"<1-5>"', "<1-5>")


# --- settings and versions ---------------------------------------------------------


def grading_settings(settings: ModelSettings, samples: int, max_tokens: int) -> ModelSettings:
    """Deterministic for one sample, varied for several; room for a long JSON reply.
    Values the caller set explicitly on ``settings`` win."""
    update: dict[str, Any] = {}
    if "temperature" not in settings.model_fields_set:
        update["temperature"] = 0.0 if samples == 1 else 0.7
    if "max_tokens" not in settings.model_fields_set:
        update["max_tokens"] = max_tokens
    return settings.model_copy(update=update)


def prompt_version(fw: Framework) -> str:
    digest = hashlib.sha256()
    for name in PROMPT_FILES:
        path = fw.root / "prompts" / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return f"{GRADER_VERSION}-{digest.hexdigest()[:10]}"


# --- one model call, validated and re-asked ------------------------------------------

T = TypeVar("T")


def _formats(settings: ModelSettings, schema: dict[str, Any], name: str) -> list[dict[str, Any] | None]:
    """Structured output first; if the provider refuses it, JSON mode; then plain prompting."""
    ladder: list[dict[str, Any] | None] = [
        llm.response_format_for(settings, schema, name),
        {"type": "json_object"},
        None,
    ]
    out: list[dict[str, Any] | None] = []
    for f in ladder:
        if f not in out:
            out.append(f)
    return out


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for e in exc.errors()[:4]:
            loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
            parts.append(f"{loc}: {e['msg']}")
        return "; ".join(parts)
    return " ".join(str(exc).split())[:300]


def ask_json(
    messages: list[dict[str, str]],
    settings: ModelSettings,
    schema: dict[str, Any],
    name: str,
    parse: Callable[[Any], T],
    reask: Callable[[str], str],
    usage: Usage,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call the model until ``parse(json)`` succeeds, at most 1 + MAX_REASKS replies.

    Raises GradeError (or llm.LLMError when the model cannot be reached).
    """
    formats = _formats(settings, schema, name)
    level = 0
    messages = list(messages)
    reasks = 0
    while True:
        try:
            reply = llm.complete(messages, settings, response_format=formats[level], sleep=sleep)
        except llm.LLMError as err:
            if err.kind == "bad_request" and level + 1 < len(formats):
                log.info(
                    "%s: %s refused response_format %s; trying %s",
                    name,
                    settings.model,
                    formats[level],
                    formats[level + 1],
                )
                level += 1
                continue
            raise
        usage.add(reply.usage)
        try:
            return parse(llm.extract_json(reply.text))
        except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
            error = _short(exc)
            if reasks >= MAX_REASKS:
                raise GradeError(f"the grader's reply was not valid after {reasks + 1} attempts ({error})") from None
            reasks += 1
            log.info("%s: invalid reply (%s); asking again", name, error)
            messages += [
                {"role": "assistant", "content": reply.text[:6000] or "(empty reply)"},
                {"role": "user", "content": reask(error)},
            ]


def step_transcript(material: StepMaterial) -> str:
    """The step's turns as the grader sees them: candidate text with injections removed."""
    lines = []
    answers = iter(material.answers)
    for t in material.turns:
        who = "Interviewer" if t.role == "interviewer" else "Candidate"
        hint = " (hint)" if t.hint or t.kind == "hint" else ""
        text = next(answers) if is_answer(t) else t.text
        lines.append(f"{who}{hint}: {text.strip()}")
    return "\n\n".join(lines)


def step_messages(fw: Framework, session: Session, material: StepMaterial, token: str) -> list[dict[str, str]]:
    rubric = fw.rubrics[material.step]
    level: LevelProfile = fw.levels[session.level]
    system = render("grader_system.md", fw.root, level=level)
    user = render(
        "grader_step.md",
        fw.root,
        step=fw.step(material.step),
        rubric=rubric,
        level=level,
        problem=session.problem,
        strong_answer=session.problem.strong_answer.get(material.step, []),
        transcript=step_transcript(material),
        token=token,
        placeholder=PLACEHOLDER,
        shape=_shape(rubric),
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def grade_step_once(
    fw: Framework,
    session: Session,
    material: StepMaterial,
    settings: ModelSettings,
    usage: Usage,
    sleep: Callable[[float], None] = time.sleep,
) -> StepGrade:
    """One validated StepGrade from the model (quotes not yet verified)."""
    rubric = fw.rubrics[material.step]
    token = secrets.token_hex(8)
    ids = [c.id for c in rubric.criteria]

    def parse(data: Any) -> StepGrade:
        return StepGrade.model_validate(data).check(rubric)

    def reask(error: str) -> str:
        return render("grader_reask.md", fw.root, error=error, ids=ids)

    return ask_json(
        step_messages(fw, session, material, token),
        settings,
        step_grade_schema(rubric),
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


def _items(values: list[str]) -> list[str]:
    out = []
    for v in values:
        v = " ".join(str(v).split())
        if v and not _placeholder(v):
            out.append(v if len(v) <= MAX_ITEM_CHARS else v[: MAX_ITEM_CHARS - 1] + "…")
    return out[:MAX_ITEMS]


def _reasoning(text: str) -> str:
    text = " ".join(text.split())
    return "" if _placeholder(text) else text[:1200]


def combine(
    fw: Framework, session: Session, material: StepMaterial, grades: list[StepGrade], failures: list[str]
) -> StepResult:
    """Verify quotes, apply caps, and average the samples of one step."""
    rubric = fw.rubrics[material.step]
    hay = material.hay
    per_sample_scores: list[float] = []
    per_criterion: dict[str, list[tuple[float, float, list[str]]]] = {c.id: [] for c in rubric.criteria}
    dropped = 0
    raised: list[str] = []
    for grade in grades:
        sample: list[CriterionResult] = []
        for c in rubric.criteria:
            g = grade.criteria[c.id]
            kept, lost = verify_quotes(g.evidence, hay)
            dropped += lost
            score = float(g.score) if kept else float(min(g.score, NO_EVIDENCE_CAP))
            per_criterion[c.id].append((score, float(g.score), kept))
            sample.append(CriterionResult(id=c.id, name=c.name, weight=c.weight, score=score))
        raised += [f for f in grade.red_flags if f not in raised]
        flags = red_flags(rubric, material.text, grade.red_flags)
        per_sample_scores.append(capped_step_score(weighted(sample), flags))

    first = grades[0]
    criteria = []
    for c in rubric.criteria:
        runs = per_criterion[c.id]
        scores = [r[0] for r in runs]
        evidence: list[str] = []
        for _, _, kept in runs:
            evidence += [q for q in kept if q not in evidence]
        criteria.append(
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
    reason = None
    if failures:
        reason = f"{len(failures)} of {len(failures) + len(grades)} samples failed: {failures[0]}"
    return StepResult(
        step=material.step,
        title=fw.step(material.step).title,
        status="graded",
        score=round(statistics.fmean(per_sample_scores), 2),
        reason=reason,
        criteria=criteria,
        strengths=_items(first.strengths),
        gaps=_items(first.gaps),
        strong_answer=_items(first.strong_answer) or list(session.problem.strong_answer.get(material.step, [])),
        red_flags=red_flags(rubric, material.text, raised),
        dropped_quotes=dropped,
        injections=material.injections,
        hints=material.hints,
        samples=len(grades),
        spread=round(max(per_sample_scores) - min(per_sample_scores), 2),
        rubric_version=rubric.version,
    )


# --- the summary -----------------------------------------------------------------------


def summarise(
    fw: Framework,
    session: Session,
    steps: list[StepResult],
    overall: float,
    settings: ModelSettings | None,
    usage: Usage,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Verdict, str, list[str], str | None]:
    """(verdict, summary, practice, note). The model writes it when there is one;
    the verdict stays within one band of the score; on failure the rules write it."""
    anchor = verdict_for(overall, session.level)
    fallback_practice = practice_items(fw, steps, session.level)
    if settings is not None and not settings.offline:
        token = secrets.token_hex(8)
        prompt = render(
            "grader_summary.md",
            fw.root,
            level=fw.levels[session.level],
            problem=session.problem,
            steps=steps,
            overall=overall,
            anchor=anchor,
            token=token,
        )
        try:
            out = ask_json(
                [{"role": "user", "content": prompt}],
                settings,
                summary_schema(),
                "interview_summary",
                SummaryOut.model_validate,
                lambda error: (
                    f"Your reply could not be used: {error}\nReply again with only the JSON object "
                    '{"verdict": "...", "summary": "...", "practice": ["...", "...", "..."]}.'
                ),
                usage,
                sleep,
            )
        except (GradeError, llm.LLMError) as exc:
            note = f"The summary was written by rules, not the model: {exc}"
        else:
            verdict = clamp_verdict(out.verdict, overall, session.level)
            note = None
            if verdict != out.verdict:
                note = (
                    f"The grader's verdict '{out.verdict}' was moved to '{verdict}', one band from what the score says."
                )
            practice = (_items(out.practice) + fallback_practice)[:3]
            return verdict, " ".join(out.summary.split())[:1500], practice, note
    else:
        note = None
    return anchor, rules_summary(steps, overall, anchor, session.level), fallback_practice, note


def rules_summary(steps: list[StepResult], overall: float, verdict: str, level: str) -> str:
    scored = [s for s in steps if s.score is not None]
    parts = [f"Weighted overall score {overall:.1f} / 5: {verdict} at the {level} level."]
    if scored:
        best = max(scored, key=lambda s: s.score or 0)
        worst = min(scored, key=lambda s: s.score or 0)
        parts.append(f"Strongest step: {best.step} ({best.title}, {best.score:.1f}).")
        if worst.step != best.step:
            parts.append(f"Weakest step: {worst.step} ({worst.title}, {worst.score:.1f}).")
    missing = [str(s.step) for s in steps if s.status == "not covered"]
    if missing:
        parts.append(f"Steps not reached: {', '.join(missing)}.")
    return " ".join(parts)


# --- the whole session ------------------------------------------------------------------


def _notify(on_progress: Progress | None, step: int, status: str) -> None:
    if on_progress is None:
        return
    try:
        on_progress(step, status)
    except Exception:  # a UI callback must never lose a grade
        log.exception("on_progress callback failed")


def _grade_with_model(
    fw: Framework,
    session: Session,
    todo: dict[int, StepMaterial],
    settings: ModelSettings,
    samples: int,
    on_progress: Progress | None,
    max_parallel: int,
    usage: Usage,
    sleep: Callable[[float], None],
) -> dict[int, StepResult]:
    """Grade the reached steps, ``samples`` calls each, all in one thread pool.

    Results are collected (and ``on_progress`` called) on the calling thread as
    each step's last sample finishes; a failed call fails only its own sample.
    """
    gs = grading_settings(settings, samples, GRADE_MAX_TOKENS)
    grades: dict[int, list[StepGrade]] = {n: [] for n in todo}
    failures: dict[int, list[str]] = {n: [] for n in todo}
    results: dict[int, StepResult] = {}
    job_usage: list[Usage] = []

    def job(n: int) -> StepGrade:
        own = Usage()
        job_usage.append(own)
        return grade_step_once(fw, session, todo[n], gs, own, sleep)

    workers = max(1, min(max_parallel, len(todo) * samples))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grader") as pool:
        futures = {pool.submit(job, n): n for n in todo for _ in range(samples)}
        for future in as_completed(futures):
            n = futures[future]
            try:
                grades[n].append(future.result())
            except (GradeError, llm.LLMError) as exc:
                failures[n].append(str(exc))
            except Exception as exc:  # a bug in one step must not lose the others
                log.exception("grading step %d failed", n)
                failures[n].append(f"{type(exc).__name__}: {exc}")
            if len(grades[n]) + len(failures[n]) < samples:
                continue
            if grades[n]:
                results[n] = combine(fw, session, todo[n], grades[n], failures[n])
                _notify(on_progress, n, "graded")
            else:
                results[n] = not_graded(fw, n, failures[n][0], todo[n], samples)
                _notify(on_progress, n, "not graded")
    for u in job_usage:
        usage.add(u)
    return results


def grade_session(
    fw: Framework,
    session: Session,
    settings: ModelSettings | None,
    *,
    samples: int = 1,
    on_progress: Progress | None = None,
    max_parallel: int = MAX_PARALLEL,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """Grade every step of ``session`` and build the report.

    ``settings`` None or offline selects the offline grader. ``on_progress(step,
    status)`` is called from the calling thread as each step finishes, with
    status "graded", "not graded", "not covered" or "offline".
    """
    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be between 1 and {MAX_SAMPLES}, got {samples}")
    offline = settings is None or settings.offline
    materials = {n: step_material(session, n) for n in all_steps()}
    results: dict[int, StepResult] = {}
    usage = Usage()
    notes: list[str] = []

    for n, m in materials.items():
        if not m.reached:
            results[n] = not_covered(fw, session, n, m)
            _notify(on_progress, n, "not covered")

    if offline:
        for n, m in materials.items():
            if n not in results:
                results[n] = grade_step_offline(fw, session, m)
                _notify(on_progress, n, "offline")
        if samples > 1:
            notes.append("The offline grader is deterministic, so --samples was ignored.")
        samples = 1
    else:
        assert settings is not None
        todo = {n: m for n, m in materials.items() if n not in results}
        results.update(_grade_with_model(fw, session, todo, settings, samples, on_progress, max_parallel, usage, sleep))
        unstable = [str(n) for n in todo if results[n].unstable]
        if unstable:
            notes.append(
                f"Unstable grades: the samples of step(s) {', '.join(unstable)} differ by more than 1 point; read those with care."
            )

    steps = [results[n] for n in all_steps()]
    failed = [str(s.step) for s in steps if s.status == "not graded"]
    if failed:
        notes.append(f"Step(s) {', '.join(failed)} could not be graded and are left out of the overall score.")
    injections = [flag for s in steps for flag in s.injections]
    if injections:
        notes.append(
            f"{len(injections)} passage(s) addressed to the grader were removed before grading and flagged; they earned nothing."
        )
    if not session.ended:
        notes.append("The interview was not finished when it was graded.")

    overall = overall_score(fw, steps)
    verdict: Verdict | None = None
    summary, practice = "", []
    if overall is not None:
        summary_settings = None if settings is None or offline else grading_settings(settings, 1, SUMMARY_MAX_TOKENS)
        verdict, summary, practice, note = summarise(fw, session, steps, overall, summary_settings, usage, sleep)
        if note:
            notes.append(note)

    model_name = "offline" if settings is None or offline else settings.model
    return Report(
        session_id=session.id,
        problem_id=session.problem.id,
        problem_title=session.problem.title,
        level=session.level,
        offline=offline,
        grader=model_name,
        grader_label=OFFLINE_GRADER_LABEL if offline else f"{model_name} (model grader)",
        interviewer_model=session.model,
        samples=samples,
        prompt_version=OFFLINE_GRADER_VERSION if offline else prompt_version(fw),
        rubric_versions={n: fw.rubrics[n].version for n in all_steps()},
        overall_score=overall,
        verdict=verdict,
        summary=summary,
        practice=practice,
        steps=steps,
        injections=injections,
        dropped_quotes=sum(s.dropped_quotes for s in steps),
        notes=notes,
        grading_usage=usage,
        interview_usage=session.usage.model_copy(),
        transcript=transcript_lines(session),
    )
