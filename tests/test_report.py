"""Reports: Markdown, self-contained and escaped HTML, re-importable JSON, Unicode PDF, trends."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from grading_support import fixture_session

from interviewer.errors import ReportError
from interviewer.export import render
from interviewer.framework import Framework
from interviewer.grader import grade_session
from interviewer.report import render_markdown
from interviewer.report_html import render_html
from interviewer.report_pdf import render_pdf
from interviewer.results import SCHEMA_VERSION, Report, load_report, render_json
from interviewer.session import Session
from interviewer.store import Store
from interviewer.trends import overall_trend, score_trends

SCRIPT = "<script>alert('pwned')</script>"
NON_LATIN = "Задержка p95 — 100 мс; λόγος και μέτρηση"
UNDRAWABLE = "🚀 中文 \x07\x1b[31m"  # no DejaVu glyph / control characters


@pytest.fixture(scope="module")
def session(fw: Framework) -> Session:
    s = fixture_session(fw, "strong")
    first = next(t for t in s.turns if t.role == "candidate")
    first.text = f"{first.text}\n{SCRIPT} {NON_LATIN} <img src=x onerror=alert(1)>\n{UNDRAWABLE} {'x' * 400}"
    return s


@pytest.fixture(scope="module")
def report(fw: Framework, session: Session) -> Report:
    return grade_session(fw, session, None)


def test_html_is_self_contained(report: Report) -> None:
    html = render_html(report)
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html and "<svg" in html  # inline CSS and chart
    assert not re.search(r"<(link|script|iframe)\b", html, re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.IGNORECASE)
    assert "url(" not in html
    assert html.count("<rect") == 7  # one bar per scored step


def test_html_escapes_everything_the_candidate_typed(report: Report) -> None:
    html = render_html(report)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert "<img" not in html
    assert NON_LATIN in html


def test_markdown_neutralises_html_and_marks_hints(fw: Framework, report: Report) -> None:
    md = render_markdown(report)
    assert "<script" not in md and "&lt;script&gt;" in md
    assert "## Scores by step" in md and "## Appendix: transcript" in md
    hinted = fixture_session(fw, "weak")
    from interviewer.session import Turn

    hinted.turns.insert(2, Turn(role="candidate", text="(asked for a hint)", step=1, kind="hint", hint=True))
    hinted.turns.insert(3, Turn(role="interviewer", text="Hint: think about scale.", step=1, kind="hint", hint=True))
    md2 = render_markdown(grade_session(fw, hinted, None))
    assert "**Interviewer (hint):**" in md2 and "**Candidate (hint):**" in md2
    assert "Hints used in this step: 1" in md2


def test_json_round_trips_and_carries_provenance(report: Report) -> None:
    text = render_json(report)
    data = json.loads(text)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["kind"] == "interviewer-report"
    assert 1 <= data["overall_score"] <= 5
    assert [s["step"] for s in data["steps"]] == list(range(1, 8))
    assert {"grader", "interviewer_model", "prompt_version", "rubric_versions", "grading_usage", "transcript"} <= set(
        data
    )
    assert data["grading_usage"]["cost_usd"] == 0
    again = load_report(text)
    assert again == report
    assert render_markdown(again) == render_markdown(report)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not an interviewer report"),
        ('{"kind": "interviewer-report", "schema_version": 99}', "not supported"),
        ('{"kind": "interviewer-report", "schema_version": 1, "steps": "x"}', "invalid report"),
    ],
)
def test_load_report_rejects_what_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        load_report(text)


def _pdf_streams(pdf: bytes) -> str:
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            out.append(zlib.decompress(m.group(1)).decode("latin-1"))
        except zlib.error:
            out.append(m.group(1).decode("latin-1"))
    return "\n".join(out)


def test_pdf_renders_non_latin_text_with_an_embedded_font(
    report: Report, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pdf = render_pdf(report)
    assert "missing the following glyphs" not in caplog.text  # undrawable characters were replaced
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile2" in pdf  # the TrueType font is embedded
    assert b"DejaVu" in pdf
    streams = _pdf_streams(pdf)
    # The ToUnicode map covers the Cyrillic and Greek letters the candidate typed.
    for ch in "Зрж" + "λόγ":
        assert f"<{ord(ch):04X}>" in streams, ch
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "Задержка" in text and "λόγος" in text


def test_render_dispatches_by_format(report: Report) -> None:
    assert isinstance(render(report, "pdf"), bytes)
    assert render(report, "md") == render_markdown(report)
    with pytest.raises(ValueError, match="unknown format"):
        render(report, "docx")


def test_not_graded_and_not_covered_steps_render(fw: Framework) -> None:
    s = fixture_session(fw, "strong")
    s.turns = [t for t in s.turns if t.step <= 2]
    r = grade_session(fw, s, None)
    steps = list(r.steps)
    steps[1] = steps[1].model_copy(update={"status": "not graded", "score": None, "reason": "The model timed out."})
    r = r.model_copy(update={"steps": steps})
    for text in (render_markdown(r), render_html(r)):
        assert "not covered" in text and "The model timed out." in text
    assert render_pdf(r).startswith(b"%PDF-")


def test_score_trends_from_the_store(fw: Framework, data_dir: Path) -> None:
    store = Store(data_dir)
    weak = fixture_session(fw, "weak")
    strong = fixture_session(fw, "strong")
    strong.turns = [t for t in strong.turns if t.step <= 6]
    store.save(weak)
    store.save(strong)
    early = grade_session(fw, weak, None)
    late = grade_session(fw, strong, None)
    store.save_report(weak.id, early.model_dump(mode="json"), early.overall_score)
    store.save_report(strong.id, late.model_dump(mode="json"), late.overall_score)
    store.save_report(strong.id, {"kind": "something else"}, None)  # unreadable: skipped
    stored = store.list_reports()
    trends = score_trends(stored)
    assert sorted(trends) == list(range(1, 8))
    assert [score for _, score in trends[1]] == [early.step(1).score, late.step(1).score]
    assert len(trends[7]) == 1  # step 7 not covered in the later report: no point
    times = [when for when, _ in trends[1]]
    assert times == sorted(times)
    assert [score for _, score in overall_trend(stored)] == [early.overall_score, late.overall_score]


def test_score_trends_accepts_reports_and_orders_by_time(fw: Framework) -> None:
    base = grade_session(fw, fixture_session(fw, "weak"), None)
    now = datetime.now(UTC)
    newer = base.model_copy(update={"created_at": now})
    older = base.model_copy(update={"created_at": now - timedelta(days=3)})
    trends = score_trends([newer, older])
    assert [when for when, _ in trends[2]] == [older.created_at, newer.created_at]
