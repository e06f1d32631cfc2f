"""The report as a PDF (fpdf2), with the bundled DejaVu Sans so any script renders.

fpdf2 embeds a subset of the TrueType font and writes a ToUnicode map, so
Cyrillic, Greek or accented text typed by a candidate is both drawn and
copyable. Report text is laid out with multi_cell and never interpreted as
markup; the transcript's Markdown is rendered (bold, lists, code blocks; a
mermaid diagram as its source in a code block) through
:mod:`interviewer.markdown_html`, whose HTML has every raw tag escaped.
"""

from __future__ import annotations

from fpdf import FPDF, FontFace, TextStyle
from fpdf.enums import XPos, YPos

from . import report as wording
from .markdown_html import to_html
from .report import colour, coverage_colour, fmt_coverage, fmt_score, header_lines, step_line
from .resources import package_path
from .results import Report, StepResult, TranscriptNotice
from .session import SPEAKERS

FONTS = package_path("fonts")
FONT = "DejaVu"
MONO = "DejaVuMono"
# Text colours; each meets WCAG AA (4.5:1) on white and on the code and banner fills.
INK = (44, 62, 80)
MUTED = (95, 107, 120)  # #5f6b78, as the HTML report
QUOTE = (52, 73, 94)
ACCENT = (31, 97, 141)
TEXT_COLOURS = (INK, MUTED, QUOTE, ACCENT)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


_GLYPHS: set[int] = set()


def _clean(text: str) -> str:
    """Drop control characters and replace what the font cannot draw (e.g. CJK, emoji) with "?"."""
    out = []
    for ch in text:
        if ch == "\t":
            out.append("    ")
        elif ch == "\n" or (ch.isprintable() and (not _GLYPHS or ord(ch) in _GLYPHS)):
            out.append(ch)
        elif ch.isprintable():
            out.append("?")
    return "".join(out)


class _PDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.add_font(MONO, "", str(FONTS / "DejaVuSansMono.ttf"))
        if not _GLYPHS:
            self.set_font(FONT, "", 10)
            _GLYPHS.update(self.current_font.cmap)  # type: ignore[union-attr]
        self.set_title(_clean(title))
        self.set_creator("interviewer")
        self.set_auto_page_break(True, margin=18)
        self.set_margins(16, 16, 16)
        self.footer_text = _clean(title)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, f"{self.footer_text[:90]} — page {self.page_no()}", align="C")

    # --- building blocks ----------------------------------------------------
    def para(
        self, text: str, size: float = 10, bold: bool = False, colour: tuple[int, int, int] = INK, h: float = 5
    ) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.multi_cell(0, h, _clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str, size: float = 14) -> None:
        self.ln(3)
        if self.get_y() > self.h - 40:
            self.add_page()
        self.para(text, size=size, bold=True, h=size * 0.5)
        self.set_draw_color(227, 230, 234)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(3)

    def bullets(self, items: list[str], numbered: bool = False) -> None:
        for i, item in enumerate(items, 1):
            mark = f"{i}." if numbered else "•"
            self.set_font(FONT, "", 10)
            self.set_text_color(*INK)
            self.cell(6, 5, mark)
            self.multi_cell(0, 5, _clean(item), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def markdown(self, text: str, size: float = 9.5) -> None:
        """A transcript turn's Markdown. Anything fpdf cannot lay out falls
        back to the plain text, so a turn is never lost from the PDF."""
        self.set_font(FONT, "", size)
        self.set_text_color(*INK)
        start = (self.page, self.get_y())
        try:
            self.write_html(_clean(to_html(text)), font_family=FONT, tag_styles=_md_styles(size), ul_bullet_char="•")
        except Exception:
            if (self.page, self.get_y()) == start:
                self.para(text, size=size)
        self.set_font(FONT, "", size)
        self.set_text_color(*INK)

    def quote(self, text: str) -> None:
        x = self.l_margin
        self.set_x(x + 4)
        top = self.get_y()
        self.set_font(FONT, "", 9.5)
        self.set_text_color(*QUOTE)
        self.multi_cell(self.epw - 4, 4.8, _clean(f"“{text}”"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.get_y() > top:  # same page: draw the quote bar
            self.set_draw_color(200, 208, 217)
            self.set_line_width(0.8)
            self.line(x + 1, top, x + 1, self.get_y())
            self.set_line_width(0.2)
        self.ln(1)

    def chart(self, steps: list[StepResult]) -> None:
        label_w, bar_h, gap = 70, 6, 2.5
        plot_w = self.epw - label_w - 14
        if self.get_y() + (bar_h + gap) * len(steps) + 8 > self.h - 20:
            self.add_page()
        x0 = self.l_margin + label_w
        y0 = self.get_y() + 4
        self.set_font(FONT, "", 7)
        self.set_text_color(*MUTED)
        self.set_draw_color(227, 230, 234)
        bottom = y0 + (bar_h + gap) * len(steps)
        for tick in range(6):
            x = x0 + plot_w * tick / 5
            self.line(x, y0 - 1, x, bottom)
            self.text(x - 0.8, y0 - 1.8, str(tick))
        for i, s in enumerate(steps):
            y = y0 + i * (bar_h + gap)
            self.set_font(FONT, "", 8)
            self.set_text_color(*INK)
            label = _clean(f"{s.step}. {s.title}")
            while self.get_string_width(label) > label_w - 3 and len(label) > 4:
                label = label[:-2].rstrip() + "…"
            self.text(x0 - 2 - self.get_string_width(label), y + bar_h - 1.4, label)
            value = s.coverage * 5 if s.coverage is not None else s.score
            if value is None:
                self.set_text_color(*MUTED)
                self.text(x0 + 2, y + bar_h - 1.4, "not reached" if s.status == "not covered" else s.status)
                continue
            w = plot_w * value / 5
            fill = coverage_colour(s.coverage) if s.coverage is not None else colour(s.score)
            self.set_fill_color(*_rgb(fill))
            self.rect(x0, y, w, bar_h, style="F")
            self.text(
                x0 + w + 1.5,
                y + bar_h - 1.4,
                fmt_coverage(s.coverage) if s.coverage is not None else fmt_score(s.score),
            )
        self.set_y(bottom + 4)


def _md_styles(size: float) -> dict[str, FontFace | TextStyle]:
    """fpdf's HTML styles for a transcript turn: our ink and font, no italics
    (the bundled DejaVu has no oblique face), code in DejaVu Sans Mono."""
    heading = TextStyle(font_family=FONT, font_style="B", font_size_pt=size + 1, color=INK, t_margin=2, b_margin=1)
    return {
        "em": FontFace(emphasis=None, color=ACCENT),
        "i": FontFace(emphasis=None, color=ACCENT),
        "code": FontFace(family=MONO, fill_color=(243, 244, 246)),
        "pre": TextStyle(
            font_family=MONO, font_size_pt=size - 1, color=INK, t_margin=1, b_margin=1, fill_color=(243, 244, 246)
        ),
        "a": FontFace(color=ACCENT, emphasis="UNDERLINE"),
        "blockquote": TextStyle(color=QUOTE, l_margin=4, t_margin=1, b_margin=1),
        "p": TextStyle(font_family=FONT, font_size_pt=size, color=INK, t_margin=0, b_margin=1.5),
        "li": TextStyle(l_margin=5, t_margin=0.5),
        "ul": TextStyle(t_margin=0.5),
        "ol": TextStyle(t_margin=0.5),
        **{f"h{n}": heading for n in range(1, 7)},
    }


def render_pdf(report: Report) -> bytes:
    cov = wording.coverage_check(report)
    pdf = _PDF(f"Interview feedback: {report.problem_title}")
    pdf.add_page()
    pdf.para(f"Interview feedback: {report.problem_title}", size=17, bold=True, h=8)
    pdf.ln(1)
    if report.offline:
        pdf.set_fill_color(255, 244, 214)
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 6, f"{report.grader_label}.", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if cov:
            pdf.set_font(FONT, "", 9.5)
            pdf.multi_cell(0, 5, wording.OFFLINE_EXPLAINER, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
    for label, value in header_lines(report):
        pdf.set_font(FONT, "", 9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(40, 5.5, label)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 5.5, _clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if report.summary:
        pdf.heading("Summary")
        pdf.para(report.summary)
    if report.practice:
        pdf.heading("Top things to practise")
        pdf.bullets(report.practice, numbered=True)
    pdf.heading(wording.by_step_title(report))
    pdf.chart(report.steps)
    if report.injections:
        pdf.heading("Passages addressed to the grader")
        pdf.para(wording.injection_intro(report), colour=MUTED)
        for f in report.injections:
            pdf.para(f"{wording.injection_line(f)}:", size=9.5)
            pdf.quote(f.excerpt)

    for s in report.steps:
        pdf.heading(f"Step {s.step}: {s.title} — {step_line(s)}", size=12)
        if s.status in ("not covered", "not graded"):
            if s.reason:
                pdf.para(s.reason, colour=MUTED)
            if s.strong_answer:
                pdf.para("What a strong answer would have covered", bold=True)
                pdf.bullets(s.strong_answer)
            continue
        if s.hints:
            pdf.para(f"Hints used in this step: {s.hints}", colour=MUTED)
        for c in s.criteria:
            value = wording.criterion_value(c)
            note = " — no evidence (capped)" if c.applicable and not cov and c.no_evidence else ""
            scale = " / 5" if c.score is not None else ""
            pdf.para(f"{c.name}: {value}{scale} (weight {c.weight:g}){note}", bold=True)
            if c.reasoning:
                pdf.para(c.reasoning, size=9.5)
            for q in c.evidence:
                pdf.quote(q)
            pdf.ln(1)
        if s.red_flags:
            pdf.para(wording.red_flag_title(cov), bold=True)
            for f in s.red_flags:
                pdf.bullets([wording.red_flag_line(f, cov)])
                if f.quote:
                    pdf.quote(f.quote)
        for title, items in wording.step_sections(s, cov):
            if items:
                pdf.para(title, bold=True)
                pdf.bullets(items)
        if s.dropped_quotes:
            pdf.para(
                f"{s.dropped_quotes} quote(s) were not found in the candidate's words and were dropped.",
                size=9,
                colour=MUTED,
            )

    if report.notes:
        pdf.heading("Notes")
        pdf.bullets(report.notes)
    pdf.heading("Grading details")
    pdf.bullets(wording.details(report))
    if report.transcript:
        pdf.add_page()
        pdf.heading("Appendix: transcript (hints are marked)")
        step = 0
        for t in wording.transcript_entries(report):
            if isinstance(t, TranscriptNotice):
                pdf.para(wording.notice_plain(t.text), size=9, colour=MUTED)
                pdf.ln(1)
                continue
            if t.step != step:
                step = t.step
                pdf.para(f"Step {step}", size=11, bold=True, h=7)
            who = SPEAKERS[t.role]
            mark = " [hint]" if t.hint else ""
            pdf.para(f"{who}{mark}:", size=9.5, bold=True, colour=ACCENT if t.role == "candidate" else INK)
            pdf.markdown(t.text)
            pdf.ln(1)
    return bytes(pdf.output())
