"""The report as people read it: shared wording, the score colour scale, and Markdown.

HTML (:mod:`interviewer.report_html`) and PDF (:mod:`interviewer.report_pdf`)
reuse the wording here, so the three formats say the same things;
:mod:`interviewer.export` picks a renderer by format name.
"""

from __future__ import annotations

import re

from .llm import Usage
from .results import OFFLINE_GRADER_LABEL, Report, StepResult

# Score colours, 1 (red) to 5 (green), shared by the HTML chart and the PDF.
# Dark enough that white text on them (the score chips) meets WCAG AA (4.5:1).
BAR_COLOURS = {1: "#b03a2e", 2: "#a84300", 3: "#7d6608", 4: "#1e7e45", 5: "#145a32"}
NO_SCORE_COLOUR = "#5f6b78"


def colour(score: float | None) -> str:
    if score is None:
        return NO_SCORE_COLOUR
    return BAR_COLOURS[min(5, max(1, round(score)))]


def fmt_score(score: float | None) -> str:
    return "–" if score is None else f"{score:.1f}"


def fmt_out_of_5(score: float | None, missing: str = "–") -> str:
    """The one way a score reads outside tables: "2.0 / 5"."""
    return missing if score is None else f"{score:.1f} / 5"


# --- Markdown -----------------------------------------------------------------


def md_text(text: str) -> str:
    """Candidate- or model-written text made inert in Markdown: no raw HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _md_inert_line(line: str) -> str:
    """md_text outside inline code spans; a span's text stays verbatim (in
    code, "&gt;" would show as typed, not as ">")."""
    out, pos = [], 0
    for m in _CODE_SPAN.finditer(line):
        out += [md_text(line[pos : m.start()]), m.group(0)]
        pos = m.end()
    return "".join(out) + md_text(line[pos:])


def _md_quote(text: str) -> str:
    """``text`` as a Markdown block quote, inert (no raw HTML) except inside
    fenced code, which is kept verbatim so a ```mermaid block still draws."""
    lines, fence = [], ""
    for line in text.splitlines():
        m = _FENCE.match(line)
        if fence:
            if (
                m
                and m.group(1)[0] == fence[0]
                and len(m.group(1)) >= len(fence)
                and not line.strip()[len(m.group(1)) :]
            ):
                fence = ""
            lines.append("> " + line)
        elif m:
            fence = m.group(1)
            lines.append("> " + line)
        else:
            lines.append("> " + _md_inert_line(line) if line.strip() else ">")
    return "\n".join(lines)


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
        score = fmt_out_of_5(s.score, "not reached" if s.status == "not covered" else s.status)
        out.append(f"| {s.step}. {md_text(s.title)} | {score} | {md_text(status_text(s))} |")
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
