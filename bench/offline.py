"""Offline mode: time per interviewer turn and time to grade, with no model.

    python bench/offline.py

An offline interview of 50 answers through the real Interviewer (planner,
topic bank, templated replies), then the offline coverage check on that
session and on the strong fixture transcript. Prints a table; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.agent import Interviewer  # noqa: E402
from interviewer.framework import framework  # noqa: E402
from interviewer.grader import grade_session  # noqa: E402
from interviewer.session import Session, utcnow  # noqa: E402
from interviewer.transcript import parse_transcript  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "email-composer-strong.txt"
ANSWER = "We would shard by tenant, cache prompt prefixes, batch on GPUs and keep p99 under 100 ms; GDPR applies. "


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    fw = framework()
    t = [utcnow()]
    session = Session(problem=fw.problem("email-composer"), minutes=60)
    it = Interviewer(fw, session, now=lambda: t[0])
    it.open().consume()
    turns = []
    for n in range(50):
        t[0] += timedelta(minutes=1.2)
        started = time.perf_counter()
        it.answer(ANSWER * 2 + f"(point {n})").consume()
        turns.append(time.perf_counter() - started)
    print(f"{'offline':<46} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    print(f"{'interviewer turn (50 answers)':<46} {pct(turns, 0.5) * 1000:>8.2f} {pct(turns, 0.95) * 1000:>8.2f} "
          f"{max(turns) * 1000:>8.2f}")  # fmt: skip
    fixture = parse_transcript(FIXTURE.read_text(encoding="utf-8"), fw)
    for name, graded in ((f"grading the 50-answer session ({len(session.turns)} turns)", session),
                         (f"grading the strong fixture ({len(fixture.turns)} turns)", fixture)):  # fmt: skip
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            grade_session(fw, graded, None)
            runs.append(time.perf_counter() - started)
        med = statistics.median(runs) * 1000
        print(f"{name:<46} {med:>8.1f} {pct(runs, 0.95) * 1000:>8.1f} {max(runs) * 1000:>8.1f}")


if __name__ == "__main__":
    main()
