"""Score series over time, for the History page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from .errors import ReportError
from .framework import STEP_COUNT
from .results import Report, load_report


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
    """The overall score over time (reports without one, such as offline coverage checks, are skipped)."""
    return [(when, r.overall_score) for when, r in _reports(stored_reports) if r.overall_score is not None]


def coverage_trend(stored_reports: Iterable[_Stored | Report]) -> list[tuple[datetime, float]]:
    """The offline rubric coverage (0-1) over time; a separate series, never mixed with scores."""
    return [(when, r.coverage) for when, r in _reports(stored_reports) if r.coverage is not None]


class _Point(Protocol):
    created_at: datetime
    overall_score: float | None
    steps: dict[int, float]


def point_trends(
    points: Iterable[_Point],
) -> tuple[list[tuple[datetime, float]], dict[int, list[tuple[datetime, float]]]]:
    """(overall trend, per-step trends) from ``Store.score_points()``: the same
    series as overall_trend and score_trends, read from the score columns
    instead of every report's JSON."""
    ordered = sorted(points, key=lambda p: p.created_at)
    overall = [(p.created_at, p.overall_score) for p in ordered if p.overall_score is not None]
    per_step: dict[int, list[tuple[datetime, float]]] = {n: [] for n in range(1, STEP_COUNT + 1)}
    for p in ordered:
        for step, score in p.steps.items():
            per_step[step].append((p.created_at, score))
    return overall, per_step
