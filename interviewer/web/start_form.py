"""The start form: which problem, level and duration make a new Session."""

from __future__ import annotations

from ..errors import InputError
from ..framework import LEVELS, Framework, Level, Problem, custom_problem
from ..session import Session
from ..settings import ModelSettings

DURATIONS: tuple[int, ...] = (20, 30, 45, 60, 75, 90)


def choose_problem(fw: Framework, problem_id: str | None, custom_text: str | None, use_custom: bool) -> Problem:
    if use_custom:
        text = (custom_text or "").strip()
        if len(text) < 10:
            raise InputError("Describe your own problem in a sentence or two (at least 10 characters).")
        return custom_problem(text)
    if not problem_id:
        raise InputError("Pick a problem from the bank.")
    try:
        return fw.problem(problem_id)
    except KeyError:
        raise InputError(f"Unknown problem {problem_id!r}.") from None


def new_session(
    fw: Framework,
    *,
    problem: Problem,
    level: str,
    minutes: int,
    settings: ModelSettings,
    grader: str | None = None,
) -> Session:
    if level not in LEVELS:
        raise InputError(f"Unknown level {level!r}; choose one of {', '.join(LEVELS)}.")
    lvl: Level = level  # type: ignore[assignment]
    return Session(
        problem=problem,
        level=lvl,
        minutes=minutes,
        model=settings.model,
        grader_model=grader if grader and grader != settings.model else None,
        api_base=None if settings.offline else settings.api_base,
    )
