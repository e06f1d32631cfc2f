"""Small builders shared by the engine tests."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from interviewer.framework import Framework
from interviewer.session import Session, Turn

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


class FakeClock:
    """A controllable clock: tests move time instead of sleeping."""

    def __init__(self, start: datetime = T0) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kwargs: float) -> None:
        self.t += timedelta(**kwargs)


def new_session(fw: Framework, problem: str = "email-composer", **kw: object) -> Session:
    return Session(problem=fw.problem(problem), created_at=T0, **kw)  # type: ignore[arg-type]


def turn(role: str, text: str, step: int, minutes: float = 0, **kw: object) -> Turn:
    return Turn(role=role, text=text, step=step, at=T0 + timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]


def run_interviewer(
    args: list[str], env: dict[str, str], stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m interviewer ARGS`` from the project root, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "interviewer", *args],
        input=stdin,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
