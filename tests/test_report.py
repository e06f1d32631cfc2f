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
from interviewer.trends import coverage_trend, overall_trend, point_trends, score_trends

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
    assert "&lt;script&gt;alert(" in html and "&lt;/script&gt;" in html
    assert "<img" not in html
    assert NON_LATIN in html


def test_markdown_neutralises_html_and_marks_hints(fw: Framework, report: Report) -> None:
    md = render_markdown(report)
    assert "<script" not in md and "&lt;script&gt;" in md
    assert "## Coverage by step" in md and "## Appendix: transcript" in md
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
    assert data["overall_score"] is None and data["verdict"] is None  # offline: a coverage check
    assert 0 <= data["coverage"] <= 1
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
    pdf = render_pdf(r)
    assert pdf.startswith(b"%PDF-")
    if shutil.which("pdftotext"):  # the chart says what the app says for an unreached step
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        chart = text[text.index("Coverage by step") : text.index("Step 1:")]
        assert "not reached" in chart and "not covered" not in chart and "None" not in chart


def _as_model_grade(report: Report, score: float) -> Report:
    """The offline report dressed as a model grade with ``score`` on every reached step."""
    steps = [
        s.model_copy(update={"status": "graded", "score": score, "coverage": None}) if s.status == "offline" else s
        for s in report.steps
    ]
    return report.model_copy(update={"offline": False, "steps": steps, "overall_score": score, "coverage": None})


def test_score_trends_from_the_store(fw: Framework, data_dir: Path) -> None:
    store = Store(data_dir)
    weak = fixture_session(fw, "weak")
    strong = fixture_session(fw, "strong")
    strong.turns = [t for t in strong.turns if t.step <= 6]
    store.save(weak)
    store.save(strong)
    early = _as_model_grade(grade_session(fw, weak, None), 1.5)
    late = _as_model_grade(grade_session(fw, strong, None), 3.5)
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
    offline = grade_session(fw, weak, None)
    store.save_report(weak.id, offline.model_dump(mode="json"), offline.overall_score)
    assert len(overall_trend(store.list_reports())) == 2  # a coverage check is not a score
    assert [c for _, c in coverage_trend(store.list_reports())] == [offline.coverage]
    # The History chart's column-read series are the same as those parsed from the JSON.
    overall, per_step = point_trends(store.score_points())
    assert overall == overall_trend(store.list_reports())
    assert per_step == score_trends(store.list_reports())
    assert [p.overall_score for p in store.score_points(limit=2)] == [None, offline.overall_score]


def test_score_trends_accepts_reports_and_orders_by_time(fw: Framework) -> None:
    base = _as_model_grade(grade_session(fw, fixture_session(fw, "weak"), None), 2.0)
    now = datetime.now(UTC)
    newer = base.model_copy(update={"created_at": now})
    older = base.model_copy(update={"created_at": now - timedelta(days=3)})
    trends = score_trends([newer, older])
    assert [when for when, _ in trends[2]] == [older.created_at, newer.created_at]


# --- how transcripts render (Markdown, Mermaid) and read (contrast) -------------------

BANNER = "**Step 6 of 7 — System architecture**\n\nSketch it; `a --> b` is fine."
SKETCH = "My sketch:\n\n```mermaid\ngraph LR\n  U[User] --> A[API] --> M[LLM]\n```\n\n- cache <b>here</b>"


@pytest.fixture(scope="module")
def diagram_report(fw: Framework) -> Report:
    from interviewer.session import Turn

    s = fixture_session(fw, "weak")
    s.turns.insert(1, Turn(role="interviewer", text=BANNER, step=1))
    s.turns.insert(2, Turn(role="candidate", text=SKETCH, step=1))
    return grade_session(fw, s, None)


def test_html_transcript_renders_markdown_and_draws_mermaid_under_a_hash_policy(diagram_report: Report) -> None:
    import base64
    import hashlib

    html = render_html(diagram_report)
    assert "<strong>Step 6 of 7 — System architecture</strong>" in html
    assert "**Step 6 of 7" not in html
    assert "<code>a --&gt; b</code>" in html
    assert '<pre class="mermaid">graph LR\n  U[User] --&gt; A[API] --&gt; M[LLM]\n</pre>' in html
    assert "&lt;b&gt;here&lt;/b&gt;" in html  # raw HTML stays text
    # Exactly two inline scripts (bundled mermaid and its start), each allowed by its hash.
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 2 and "mermaid.run" in scripts[1]
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    allowed = re.search(r"script-src ([^;]+)", policy.group(1))
    assert allowed is not None
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts}
    assert set(allowed.group(1).split()) == hashes
    assert "default-src 'none'" in policy.group(1)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.IGNORECASE)


def test_html_without_a_diagram_has_no_script_and_no_script_source(report: Report) -> None:
    html = render_html(report)
    assert "<script" not in html and "script-src" not in html


def test_markdown_export_keeps_mermaid_and_code_verbatim(diagram_report: Report) -> None:
    md = render_markdown(diagram_report)
    assert "> ```mermaid\n> graph LR\n>   U[User] --> A[API] --> M[LLM]\n> ```" in md
    assert "`a --> b`" in md
    assert "&lt;b&gt;here&lt;/b&gt;" in md  # outside code, HTML stays inert
    assert re.search(r"^\| 1\. [^|]+ \| \d+% \|", md, re.M)  # offline: a coverage share per step
    from interviewer.results import StepResult

    unreached = diagram_report.model_copy(deep=True)
    unreached.steps[6] = StepResult(step=7, title="Deployment and monitoring", status="not covered")
    assert "| 7. Deployment and monitoring | not reached |" in render_markdown(unreached)


def test_pdf_transcript_renders_markdown_and_mermaid_as_code(diagram_report: Report, tmp_path: Path) -> None:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is missing")
    path = tmp_path / "r.pdf"
    path.write_bytes(render_pdf(diagram_report))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    appendix = text[text.index("Appendix: transcript") :]
    assert "Step 6 of 7 — System architecture" in appendix and "**" not in appendix
    assert "graph LR" in appendix and "U[User] --> A[API] --> M[LLM]" in appendix
    # A code block, not prose: the source's indentation is kept (prose would drop it).
    assert "graph LR\n  U[User] --> A[API] --> M[LLM]" in appendix
    assert "<b>here</b>" in appendix  # shown as typed, not as markup


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_score_chips_and_report_text_meet_wcag_aa() -> None:
    from interviewer.report import BAR_COLOURS, NO_SCORE_COLOUR

    assert round(contrast("#ffffff", "#000000"), 1) == 21.0  # the formula itself
    for chip in [*BAR_COLOURS.values(), NO_SCORE_COLOUR]:
        assert contrast("#ffffff", chip) >= 4.5, chip
    # Every text colour the HTML template declares, on white and on the
    # lightest backgrounds it uses (table heads, quotes, banners).
    template = (Path(__file__).resolve().parent.parent / "interviewer" / "templates" / "report.html.j2").read_text()
    text_colours = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", template))
    assert len(text_colours) >= 4
    for text in text_colours - {"#fff", "#ffffff"}:
        for background in ("#ffffff", "#f0f2f5", "#fafbfc", "#fff4d6", "#fdecea", "#eef6ff"):
            assert contrast(text, background) >= 4.5, (text, background)
    # The PDF's text colours, on white and on its code and banner fills.
    from interviewer.report_pdf import TEXT_COLOURS

    for rgb in TEXT_COLOURS:
        for background in ("#ffffff", "#f3f4f6", "#fff4d6"):
            assert contrast("#{:02x}{:02x}{:02x}".format(*rgb), background) >= 4.5, (rgb, background)


def test_an_offline_report_from_before_the_coverage_check_still_reads_as_it_was(report: Report) -> None:
    """Schema 1 offline reports carried a score and a verdict: they render with them, not as coverage."""
    data = json.loads(render_json(report))
    data.update(schema_version=1, overall_score=3.2, verdict="lean hire", coverage=None, verdict_rule="")
    data.update(grader_label="Offline grader — rule-based, no model was called", summary="Weighted overall score 3.2.")
    for step in data["steps"]:
        step.update(coverage=None, score=3.0)
        for c in step["criteria"]:
            c.update(coverage=None, score=3.0)
    old = load_report(data)
    md = render_markdown(old)
    assert "| Overall score | 3.2 / 5 |" in md and "| Verdict | lean hire |" in md
    assert "## Scores by step" in md and "not a grade" not in md
    assert "> **Offline grader — rule-based, no model was called.**" in md
    html = render_html(old)
    assert "Rubric coverage" not in html and "lean hire" in html
    assert render_pdf(old).startswith(b"%PDF-")


# --- model switches in the transcript ---------------------------------------------


@pytest.fixture(scope="module")
def switched_report(fw: Framework) -> Report:
    from interviewer.session import Notice

    s = fixture_session(fw, "weak")
    s.notices = [
        Notice(text="Model switched to `openai/x` (server: http://127.0.0.1:9/v1)", before=2),
        Notice(text="Model switched to `![b](http://evil.example/b.png)`", before=3),
        Notice(text="Continuing offline", before=len(s.turns)),
    ]
    return grade_session(fw, s, None)


def test_switch_notices_are_in_every_export_at_their_place(switched_report: Report, tmp_path: Path) -> None:
    r = switched_report
    # The start of the turns before and after the first notice, and of the last turn.
    second, third, last = (r.transcript[i].text[:25] for i in (1, 2, -1))
    assert [(n.text[:20], n.before) for n in r.notices] == [
        ("Model switched to `o", 2),
        ("Model switched to `!", 3),
        ("Continuing offline", len(r.transcript)),
    ]
    # JSON: carried and read back.
    assert load_report(render_json(r)).notices == r.notices
    # Markdown: between the second and third turns, and after the last one.
    md = render_markdown(r)
    first_at = md.index("_Model switched to `openai/x` (server: http://127.0.0.1:9/v1)_")
    assert md.index(second) < first_at < md.index(third)
    assert md.rstrip().endswith("_Continuing offline_")
    assert "`![b](http://evil.example/b.png)`" in md  # inert: inside code
    # HTML: the same order, the model name as code, nothing fetched.
    html = render_html(r)
    notes = [m.start() for m in re.finditer(r'<div class="notice" role="note">', html)]
    turns = [m.start() for m in re.finditer(r'<div class="turn ', html)]
    assert len(notes) == 3 and len(turns) == len(r.transcript)
    assert turns[1] < notes[0] < turns[2] < notes[1] < turns[3] and notes[2] > turns[-1]
    assert '<div class="notice" role="note"><p>Model switched to <code>openai/x</code>' in html
    assert "<img" not in html
    # PDF: the notices as plain text (no backticks) in the appendix, in order.
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is missing")
    path = tmp_path / "r.pdf"
    path.write_bytes(render_pdf(r))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    appendix = " ".join(text[text.index("Appendix: transcript") :].split())
    first_at = appendix.index("Model switched to openai/x (server: http://127.0.0.1:9/v1)")
    assert appendix.index(second) < first_at < appendix.index(third)
    assert appendix.rindex(last) < appendix.rindex("Continuing offline")


def test_a_report_from_before_notices_still_loads(report: Report) -> None:
    data = json.loads(render_json(report))
    data["schema_version"] = 2
    del data["notices"]
    assert load_report(data).notices == []
