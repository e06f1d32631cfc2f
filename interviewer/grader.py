"""Grade an interview: grade each step, then assemble the report.

With a model, each reached step is graded by :mod:`interviewer.grader_model`
(one call per step and sample, all concurrent); with none (``settings`` None
or offline), :mod:`interviewer.grader_offline` runs the rubric coverage check.
:mod:`interviewer.assemble` then adds notes, the verdict and the summary. One
step failing leaves it "not graded" and keeps the others.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from .assemble import assemble_report
from .errors import GradeError, LLMError
from .framework import Framework
from .grader_model import StepGrade, combine, grade_step_once
from .grader_offline import grade_step as grade_step_offline
from .llm import Usage
from .results import MAX_SAMPLES, Report, StepResult
from .scoring import StepMaterial, all_steps, not_covered, not_graded, step_material, strong_points
from .session import Session
from .settings import ModelSettings

log = logging.getLogger(__name__)

GRADER_VERSION = "2"
OFFLINE_GRADER_VERSION = "coverage-2"
PROMPT_FILES = ("grader_system.md", "grader_step.md", "grader_reask.md", "grader_summary.md")
MAX_PARALLEL = 8
# Used unless the caller set max_tokens / temperature on the settings explicitly.
GRADE_MAX_TOKENS = 1800
SUMMARY_MAX_TOKENS = 600

Progress = Callable[[int, str], None]


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


def _notify(on_progress: Progress | None, step: int, status: str) -> None:
    if on_progress is None:
        return
    try:
        on_progress(step, status)
    except Exception:  # a UI callback must never lose a grade
        log.exception("on_progress callback failed")


def grade_steps_with_model(
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
    points = {n: strong_points(fw, session.problem, n) for n in todo}
    grades: dict[int, list[StepGrade]] = {n: [] for n in todo}
    failures: dict[int, list[str]] = {n: [] for n in todo}
    results: dict[int, StepResult] = {}
    job_usage: list[Usage] = []

    def job(n: int) -> StepGrade:
        own = Usage()
        job_usage.append(own)
        return grade_step_once(fw, session, todo[n], gs, own, sleep, points[n])

    workers = max(1, min(max_parallel, len(todo) * samples))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grader") as pool:
        futures = {pool.submit(job, n): n for n in todo for _ in range(samples)}
        for future in as_completed(futures):
            n = futures[future]
            try:
                grades[n].append(future.result())
            except (GradeError, LLMError) as exc:
                failures[n].append(str(exc))
            except Exception as exc:  # a bug in one step must not lose the others
                log.exception("grading step %d failed", n)
                failures[n].append(f"{type(exc).__name__}: {exc}")
            if len(grades[n]) + len(failures[n]) < samples:
                continue
            if grades[n]:
                results[n] = combine(fw, session, todo[n], grades[n], failures[n], points[n])
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

    ``settings`` None or offline selects the offline coverage check.
    ``on_progress(step, status)`` is called from the calling thread as each
    step finishes, with status "graded", "not graded", "not covered" or "offline".
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
            notes.append("The offline coverage check is deterministic, so --samples was ignored.")
        samples = 1
    else:
        assert settings is not None
        todo = {n: m for n, m in materials.items() if n not in results}
        results.update(
            grade_steps_with_model(fw, session, todo, settings, samples, on_progress, max_parallel, usage, sleep)
        )
        unstable = [str(n) for n in todo if results[n].unstable]
        if unstable:
            notes.append(
                f"Unstable grades: the samples of step(s) {', '.join(unstable)} differ by more than 1 point; read those with care."
            )

    return assemble_report(
        fw,
        session,
        [results[n] for n in all_steps()],
        grader="offline" if offline else settings.model,  # type: ignore[union-attr]
        prompt_version=OFFLINE_GRADER_VERSION if offline else prompt_version(fw),
        samples=samples,
        usage=usage,
        notes=notes,
        summary_settings=None if offline else grading_settings(settings, 1, SUMMARY_MAX_TOKENS),  # type: ignore[arg-type]
        sleep=sleep,
    )
