"""The report as people read it: shared wording, the score colour scale, and Markdown.

HTML (:mod:`interviewer.report_html`), PDF (:mod:`interviewer.report_pdf`)
and the app's report page reuse the wording here, so every format says the
same things. A model-graded report shows a 1-5 score, the verdict that
follows from it and the rule that maps one to the other. An offline report is
a rubric coverage check: what each step's answers explained, touched or left
out, with the candidate's sentences — no score and no hire verdict, because
rules cannot tell whether a design is right.
"""

from __future__ import annotations

from .llm import Usage
from .markdown_safe import readable_markdown, readable_plain
from .results import CriterionResult, InjectionFlag, RedFlagHit, Report, StepResult, TranscriptLine, TranscriptNotice
from .session import SPEAKERS

# Score colours, 1 (red) to 5 (green), shared by the HTML chart and the PDF.
# Dark enough that white text on them (the score chips) meets WCAG AA (4.5:1).
BAR_COLOURS = {1: "#b03a2e", 2: "#a84300", 3: "#7d6608", 4: "#1e7e45", 5: "#145a32"}
NO_SCORE_COLOUR = "#5f6b78"

OFFLINE_EXPLAINER = (
    "This is a rubric coverage check, not a grade. It shows what each step's answers explained with specifics, "
    "only touched, or left out, quoting the candidate's own sentences. Rules cannot tell whether a design is right, "
    "so there is no score and no hire verdict: grade with a model for those."
)
COVERAGE_TEXT = {
    "explained": "explained",
    "touched": "touched only",
    "not addressed": "not addressed",
}


def colour(score: float | None) -> str:
    if score is None:
        return NO_SCORE_COLOUR
    return BAR_COLOURS[min(5, max(1, round(score)))]


def coverage_colour(share: float | None) -> str:
    """Coverage 0-1 on the same red-to-green scale."""
    return colour(None if share is None else 1 + 4 * share)


def fmt_score(score: float | None) -> str:
    return "–" if score is None else f"{score:.1f}"


def fmt_out_of_5(score: float | None, missing: str = "–") -> str:
    """The one way a score reads outside tables: "2.0 / 5"."""
    return missing if score is None else f"{score:.1f} / 5"


def fmt_coverage(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def coverage_check(report: Report) -> bool:
    """The report is an offline coverage check (offline reports before schema 2 carried a score)."""
    return report.offline and report.coverage is not None


def headline(report: Report) -> list[tuple[str, str]]:
    """The two figures shown first (the app's metrics, the top of every format)."""
    if coverage_check(report):
        return [("Rubric coverage", fmt_coverage(report.coverage)), ("Hire verdict", "needs a model grader")]
    return [("Overall score", fmt_out_of_5(report.overall_score)), ("Verdict", report.verdict or "–")]


def header_lines(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs every renderer shows at the top."""
    rows = [("Problem", report.problem_title), ("Level", report.level), *headline(report)]
    rows += [
        ("Grader", report.grader_label),
        ("Interviewer model", report.interviewer_model),
        ("Graded", f"{report.created_at:%Y-%m-%d %H:%M} UTC"),
    ]
    if report.samples > 1:
        rows.append(("Samples per step", str(report.samples)))
    if report.session_id:
        rows.append(("Session", report.session_id))
    return rows


def step_value(step: StepResult) -> str:
    """The step's figure: its score out of 5, or offline its coverage; else why there is none."""
    if step.coverage is not None:
        return fmt_coverage(step.coverage)
    return fmt_out_of_5(step.score, "not reached" if step.status == "not covered" else step.status)


def step_line(step: StepResult) -> str:
    if step.status == "not covered":
        return "not covered"
    if step.status == "not graded":
        return f"not graded ({step.reason or 'grader failed'})"
    if step.status == "offline":
        return f"{fmt_coverage(step.coverage)} of the rubric covered"
    text = f"{fmt_score(step.score)} / 5"
    if step.capped:
        text += f" (capped from {step.uncapped_score:.1f})"
    if step.samples > 1:
        text += f" (spread {step.spread:.1f} over {step.samples} samples{'; unstable' if step.unstable else ''})"
    return text


def status_text(step: StepResult) -> str:
    """The status column: how the step was graded, and whether its samples agree."""
    text = {"graded": "graded by model", "offline": "coverage check"}.get(step.status, step.status)
    if step.capped:
        text += ", capped by a red flag"
    if step.samples > 1:
        text += f", {step.samples} samples, spread {step.spread:.1f}"
        if step.unstable:
            text += " (unstable)"
    if step.injections:
        text += ", passage addressed to the grader"
    return text


def criterion_value(c: CriterionResult) -> str:
    if not c.applicable:
        return "not applicable"
    if c.coverage is not None:
        return COVERAGE_TEXT[c.coverage]
    return fmt_out_of_5(c.score)


def evidence_note(c: CriterionResult, offline: bool) -> str:
    if not c.applicable:
        return ""
    if offline:
        return f"{len(c.evidence)} sentence(s)" if c.evidence else "–"
    return "no evidence (capped)" if c.no_evidence else f"{len(c.evidence)} quote(s)"


def red_flag_line(flag: RedFlagHit, offline: bool) -> str:
    text = flag.description
    if offline:
        return text
    if flag.kind == "harmful":
        text = f"Harmful choice: {text}"
    if flag.capped:
        text += f" (capped the step at {flag.cap})"
    return text


def red_flag_title(offline: bool) -> str:
    return "Left out (found by the rules)" if offline else "Red flags"


def injection_intro(report: Report) -> str:
    """Neutral wording: what was found and what was done, never an accusation."""
    base = "A filter found these passages, which may address the grader or imitate a program message."
    if coverage_check(report):
        return base + " The coverage check gave them no credit; read them in context in the transcript."
    return base + (
        " They were shown to the model grader marked as such; it judged each one either an attempt to influence "
        "the grade (given no credit) or part of the design (graded as usual)."
    )


def injection_line(flag: InjectionFlag) -> str:
    judged = {"attempt": ", judged an attempt", "design content": ", judged part of the design"}.get(flag.judgement, "")
    return f"Step {flag.step} ({_KIND_TEXT.get(flag.kind, flag.kind)}{judged})"


_KIND_TEXT = {
    "instruction": "addresses the grader",
    "role": "imitates a system or program message",
    "evaluation": "a ready-made grade",
    "delimiter": "a fake prompt boundary",
}


def by_step_title(report: Report) -> str:
    return "Coverage by step" if coverage_check(report) else "Scores by step"


def step_sections(s: StepResult, offline: bool) -> list[tuple[str, list[str]]]:
    """The titled lists under a step, in the order every format shows them."""
    if offline:
        return [
            ("Explained with specifics", s.strengths),
            ("Touched only or left out", s.gaps),
            ("Points a strong answer makes that these answers did not", s.strong_answer),
        ]
    return [("Strengths", s.strengths), ("Gaps", s.gaps), ("What a strong answer would have covered", s.strong_answer)]


def transcript_entries(report: Report) -> list[TranscriptLine | TranscriptNotice]:
    """The transcript's lines with its notices (model switches) at their place, as the app shows them."""
    out: list[TranscriptLine | TranscriptNotice] = []
    for i, line in enumerate(report.transcript):
        out += [n for n in report.notices if n.before == i]
        out.append(line)
    out += [n for n in report.notices if n.before >= len(report.transcript)]
    return out


def notice_plain(text: str) -> str:
    """A notice's text as plain text (PDF, terminal): its Markdown code marks dropped."""
    return text.replace("`", "")


# --- Markdown -----------------------------------------------------------------


# The export is a file people read as text too, so user text is escaped only
# where an escape changes the rendering (markdown_safe.readable_*): "a_b" and
# "(x)" stay as typed, while a link, image or tag in it still cannot work.
# ``frame`` is the Markdown line around the text, where that is checked.


def md_text(text: str, frame: str = "{}") -> str:
    """Candidate- or model-written text made inert in Markdown: formatting
    kept, but no raw HTML, no image (never fetched), links only to http(s)/mailto."""
    return readable_markdown(text, frame)


def md_plain(text: str, frame: str = "{}") -> str:
    """Text shown literally (a title, a model name) inside ``frame``."""
    return frame.replace("{}", readable_plain(text, frame), 1)


_ROW = "| | |\n| --- | --- |\n| x | {} |"


def _md_cell(text: str) -> str:
    return readable_plain(" ".join(text.split()), _ROW)


def _md_quote(text: str) -> str:
    """``text`` as a Markdown block quote, made safe by :func:`readable_markdown`
    (fenced code kept verbatim, so a ```mermaid block still draws)."""
    return "\n".join("> " + line if line.strip() else ">" for line in readable_markdown(text).split("\n"))


def _md_items(items: list[str], numbered: bool = False) -> list[str]:
    out = []
    for i, item in enumerate(items, 1):
        marker = f"{i}. " if numbered else "- "
        out.append(marker + md_text(item, marker + "{}"))
    return out


def render_markdown(report: Report) -> str:
    offline = coverage_check(report)
    out: list[str] = [md_plain(report.problem_title, "# Interview feedback: {}"), ""]
    if report.offline:
        out += [f"{md_plain(report.grader_label, '> **{}.**')} {OFFLINE_EXPLAINER if offline else ''}".rstrip(), ""]
    out += ["| | |", "| --- | --- |"]
    out += [f"| {label} | {_md_cell(value)} |" for label, value in header_lines(report)]
    out.append("")
    if report.summary:
        out += ["## Summary", "", md_text(report.summary), ""]
    if report.practice:
        out += ["## Top things to practise", ""]
        out += _md_items(report.practice, numbered=True)
        out.append("")
    figure = "Coverage" if offline else "Score"
    out += [f"## {by_step_title(report)}", "", f"| Step | {figure} | Status |", "| --- | --- | --- |"]
    for s in report.steps:
        out.append(f"| {s.step}. {_md_cell(s.title)} | {step_value(s)} | {_md_cell(status_text(s))} |")
    out.append("")
    if report.injections:
        out += ["## Passages addressed to the grader", "", injection_intro(report), ""]
        for f in report.injections:
            out += [f"- {injection_line(f)}:", "", _md_quote(f"“{f.excerpt}”"), ""]
    for s in report.steps:
        out += [md_plain(f"{s.title} — {step_line(s)}", f"## Step {s.step}: {{}}"), ""]
        if s.status in ("not covered", "not graded"):
            if s.reason:
                out += [md_text(s.reason), ""]
            if s.strong_answer:
                out += ["**What a strong answer would have covered**", ""]
                out += _md_items(s.strong_answer)
                out.append("")
            continue
        if s.hints:
            out += [f"_Hints used in this step: {s.hints}_", ""]
        value = "Coverage" if offline else "Score"
        out += [f"| Criterion | Weight | {value} | Evidence |", "| --- | --- | --- | --- |"]
        for c in s.criteria:
            spread = f" ±{c.spread / 2:.1f}" if c.spread else ""
            out.append(
                f"| {_md_cell(c.name)} | {c.weight:g} | {criterion_value(c)}{spread} | {evidence_note(c, offline)} |"
            )
        out.append("")
        for c in s.criteria:
            if not c.applicable:
                continue
            out += [md_plain(f"{c.name} — {criterion_value(c)}", "**{}**"), ""]
            if c.reasoning:
                out += [md_text(c.reasoning), ""]
            for q in c.evidence:
                out += [_md_quote(f"“{q}”"), ""]
        if s.red_flags:
            out += [f"**{red_flag_title(offline)}**", ""]
            for f in s.red_flags:
                out += _md_items([red_flag_line(f, offline)])
                if f.quote:
                    out += ["", _md_quote(f"“{f.quote}”"), ""]
            out.append("")
        for title, items in step_sections(s, offline):
            if items:
                out += [f"**{title}**", ""]
                out += _md_items(items)
                out.append("")
        if s.dropped_quotes:
            out += [
                f"_{s.dropped_quotes} quote(s) from the grader were not found in the candidate's words and were dropped._",
                "",
            ]
    if report.notes:
        out += ["## Notes", ""]
        out += _md_items(report.notes)
        out.append("")
    out += ["## Grading details", ""]
    out += _md_items(details(report))
    out.append("")
    if report.transcript:
        out += ["## Appendix: transcript", "", "_Hints are marked (hint)._", ""]
        step = 0
        for line in transcript_entries(report):
            if isinstance(line, TranscriptNotice):
                out += [f"_{md_text(line.text, '_{}_')}_", ""]
                continue
            if line.step != step:
                step = line.step
                out += [f"### Step {step}", ""]
            who = SPEAKERS[line.role]
            mark = " (hint)" if line.hint else ""
            out += [f"**{who}{mark}:**", "", _md_quote(line.text), ""]
    return "\n".join(out).rstrip() + "\n"


def details(report: Report) -> list[str]:
    """The "Grading details" lines: how the verdict follows from the score, versions, usage."""
    lines = []
    if report.verdict_rule:
        lines.append(report.verdict_rule)
    elif coverage_check(report):
        lines.append(
            "Coverage per step: the rubric's criteria explained with specifics (partly credited when only touched) "
            "and the problem's strong-answer points found, weighted by each step's share of interview time."
        )
    versions = ", ".join(f"step {n} v{v}" for n, v in sorted(report.rubric_versions.items()))
    lines.append(f"Prompt version {report.prompt_version}; rubric versions {versions}")
    lines.append(f"Grading used {usage_line(report.grading_usage)}")
    lines.append(f"The interview used {usage_line(report.interview_usage)}")
    return lines


def usage_line(usage: Usage) -> str:
    if not usage.calls:
        return "no model calls"
    cached = f" ({usage.cached_tokens:,} from the provider's cache)" if usage.cached_tokens else ""
    return (
        f"{usage.calls} model call(s), {usage.prompt_tokens:,} prompt{cached} + {usage.completion_tokens:,} "
        f"completion tokens, ${usage.cost_usd:.4f}"
    )
