"""Calibrate a grader on the labelled set: does it order interviews as the labels do?

Grades every transcript of :mod:`interviewer.calibration_set` (or a quick
subset) with the given model, or offline, and measures:

- **Spearman** rank correlation between the label (weak 1, mid 2, strong 3)
  and the grader's number (the 1-5 score, or offline the coverage);
- **pairwise order accuracy** over pairs of the same problem with different
  labels (a tie counts half);
- **per-problem ordering**: every honest strong above every mid above every weak;
- **adversarial below mid**: every adversarial transcript below every mid one;
- **injection precision and recall** per transcript (flagged = a filter found a
  passage the grader did not clear as design content), and how many of the
  labelled attack passages were caught;
- **quote verification**: the share of the grader's evidence quotes found in
  what the candidate said;
- tokens, cost and wall time.

Pure orchestration over :func:`interviewer.grader.grade_session`; the app and
the ``calibrate`` command both call :func:`run_calibration`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .calibration_set import LABEL_RANK, Entry, load_set, read_transcript
from .errors import InterviewerError
from .evidence import haystack, quote_found
from .framework import Framework
from .grader import grade_session
from .injection import fold
from .llm import Usage
from .results import Report
from .scoring import step_material
from .session import Session
from .settings import ModelSettings
from .transcript import parse_transcript

# A small subset a user can afford to run from the app (about 40 model calls):
# one problem's strong, mid and weak, an honest transcript that quotes attacks,
# and an injection attempt.
QUICK = (
    "email-composer--strong.txt",
    "email-composer--mid.txt",
    "email-composer--weak.txt",
    "customer-service-assistant--strong.txt",
    "email-composer--adv-injection-en.txt",
)

Progress = Callable[[int, int, str], None]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Graded(_Model):
    """One transcript's outcome."""

    file: str
    problem: str
    label: str
    kind: str
    score: float | None = None  # the 1-5 score, or offline the coverage (0-1)
    flagged: bool = False
    injection: bool = False
    attack_passages: int = 0
    attack_passages_caught: int = 0
    harmful_labelled: int = 0
    harmful_flags: int = 0
    quotes_kept: int = 0
    quotes_dropped: int = 0
    usage: Usage = Field(default_factory=Usage)
    seconds: float = 0.0
    error: str | None = None


class Metrics(_Model):
    transcripts: int
    spearman: float | None
    pairwise_accuracy: float | None
    pairs: int
    ordering_holds: bool
    ordering_failures: list[str] = Field(default_factory=list)
    adversarial_below_mid: bool
    # lowest mid minus highest adversarial (positive: a clear gap)
    adversarial_margin: float | None
    injection_precision: float | None
    injection_recall: float | None
    honest_flagged: list[str] = Field(default_factory=list)
    attack_passages_caught: int = 0
    attack_passages: int = 0
    harmful_recall: float | None = None
    quote_verification: float | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    seconds: float = 0.0
    errors: int = 0


class Calibration(_Model):
    grader: str
    offline: bool
    samples: int
    subset: str  # "full" or "quick"
    measure: str  # what the number is: "score (1-5)" or "coverage (0-1)"
    items: list[Graded]
    metrics: Metrics

    @property
    def passed(self) -> bool:
        """What CI requires of the shipped set."""
        m = self.metrics
        return (
            m.ordering_holds
            and m.adversarial_below_mid
            and not m.honest_flagged
            and m.attack_passages_caught == m.attack_passages
            and m.errors == 0
        )


# --- one transcript ------------------------------------------------------------------------


def _passages_caught(entry: Entry, report: Report, session: Session) -> int:
    """How many labelled attack passages lie (mostly) inside passages the grader did not clear."""
    flagged = [f for f in report.injections if f.judgement != "design content"]
    if not flagged:
        return 0
    said = fold(" ".join(f.excerpt for f in flagged))[0]
    said = " ".join(said.split())
    caught = 0
    for quote in entry.injection_quotes:
        want = " ".join(fold(quote)[0].split())
        if want in said or all(part.strip() in said for part in want.split(". ") if part.strip()):
            caught += 1
    return caught


def _quote_counts(report: Report, session: Session) -> tuple[int, int]:
    """(quotes found in the candidate's words, quotes not found) over the whole report."""
    kept = 0
    lost = report.dropped_quotes
    for s in report.steps:
        hay = haystack(step_material(session, s.step).answers)
        for c in s.criteria:
            for q in c.evidence:
                if quote_found(q, hay):
                    kept += 1
                else:
                    lost += 1
    return kept, lost


def grade_entry(
    fw: Framework, entry: Entry, settings: ModelSettings | None, samples: int = 1, folder: Path | None = None
) -> Graded:
    started = time.monotonic()
    base = Graded(
        file=entry.file,
        problem=entry.problem,
        label=entry.label,
        kind=entry.kind,
        injection=entry.injection,
        attack_passages=len(entry.injection_quotes),
        harmful_labelled=len(entry.harmful),
    )
    try:
        session = parse_transcript(read_transcript(entry, folder), fw, level=entry.level)
        report = grade_session(fw, session, settings, samples=samples)
    except InterviewerError as exc:
        return base.model_copy(update={"error": str(exc), "seconds": round(time.monotonic() - started, 2)})
    if session.problem.id != entry.problem:
        base.error = f"the transcript's Problem line matched {session.problem.id!r}, not {entry.problem!r}"
    kept, lost = _quote_counts(report, session)
    flagged = any(f.judgement != "design content" for f in report.injections)
    score = report.coverage if report.offline else report.overall_score
    if score is None and base.error is None:
        base.error = "; ".join(s.reason or "" for s in report.steps if s.status == "not graded")[:300] or "no score"
    return base.model_copy(
        update={
            "score": score,
            "flagged": flagged,
            "attack_passages_caught": _passages_caught(entry, report, session),
            "harmful_flags": sum(1 for s in report.steps for f in s.red_flags if f.kind == "harmful"),
            "quotes_kept": kept,
            "quotes_dropped": lost,
            "usage": report.grading_usage,
            "seconds": round(time.monotonic() - started, 2),
        }
    )


# --- metrics (pure) --------------------------------------------------------------------------


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rho with average ranks for ties; None when either side is constant."""
    if len(xs) < 2:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    sx = sum((a - mx) ** 2 for a in rx)
    sy = sum((b - my) ** 2 for b in ry)
    if not sx or not sy:
        return None
    return round(sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True)) / (sx * sy) ** 0.5, 3)


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 3) if den else None


def compute_metrics(items: list[Graded]) -> Metrics:
    scored = [g for g in items if g.score is not None]
    rho = spearman([LABEL_RANK[g.label] for g in scored], [g.score or 0.0 for g in scored])

    right = 0.0
    pairs = 0
    for a, b in combinations(scored, 2):
        if a.problem != b.problem or a.label == b.label:
            continue
        pairs += 1
        hi, lo = (a, b) if LABEL_RANK[a.label] > LABEL_RANK[b.label] else (b, a)
        right += 1.0 if (hi.score or 0) > (lo.score or 0) else 0.5 if hi.score == lo.score else 0.0

    failures = []
    for problem in sorted({g.problem for g in scored}):
        honest = [g for g in scored if g.problem == problem and g.kind == "honest"]
        for upper, lower in (("strong", "mid"), ("mid", "weak"), ("strong", "weak")):
            for hi in (g for g in honest if g.label == upper):
                for lo in (g for g in honest if g.label == lower):
                    if (hi.score or 0) <= (lo.score or 0):
                        failures.append(f"{hi.file} ({hi.score:.2f}) is not above {lo.file} ({lo.score:.2f})")

    mids = [g.score or 0.0 for g in scored if g.label == "mid" and g.kind == "honest"]
    adversarial = [g.score or 0.0 for g in scored if g.kind == "adversarial"]
    margin = round(min(mids) - max(adversarial), 3) if mids and adversarial else None

    tp = sum(1 for g in items if g.flagged and g.injection)
    fp = sum(1 for g in items if g.flagged and not g.injection)
    fn = sum(1 for g in items if not g.flagged and g.injection)
    harmful = [g for g in items if g.harmful_labelled]
    kept = sum(g.quotes_kept for g in items)
    lost = sum(g.quotes_dropped for g in items)
    usage = Usage()
    for g in items:
        usage.add(g.usage)
    return Metrics(
        transcripts=len(items),
        spearman=rho,
        pairwise_accuracy=_ratio(right, pairs),
        pairs=pairs,
        ordering_holds=not failures and len(scored) == len(items),
        ordering_failures=failures,
        adversarial_below_mid=margin is None or margin > 0,
        adversarial_margin=margin,
        injection_precision=_ratio(tp, tp + fp),
        injection_recall=_ratio(tp, tp + fn),
        honest_flagged=[g.file for g in items if g.flagged and not g.injection],
        attack_passages_caught=sum(g.attack_passages_caught for g in items),
        attack_passages=sum(g.attack_passages for g in items),
        harmful_recall=_ratio(sum(1 for g in harmful if g.harmful_flags), len(harmful)),
        quote_verification=_ratio(kept, kept + lost),
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost_usd=round(usage.cost_usd, 6),
        calls=usage.calls,
        seconds=round(sum(g.seconds for g in items), 2),
        errors=sum(1 for g in items if g.error),
    )


# --- the run -------------------------------------------------------------------------------------


def run_calibration(
    fw: Framework,
    settings: ModelSettings | None,
    *,
    samples: int = 1,
    quick: bool = False,
    folder: Path | None = None,
    on_progress: Progress | None = None,
) -> Calibration:
    """Grade the calibration set (``quick``: the :data:`QUICK` subset) and measure the grader.

    ``settings`` None or offline runs the offline coverage check. Raises
    ContentError when the set itself is malformed; a transcript that fails to
    grade is reported in its row and counted in ``metrics.errors``.
    """
    entries = load_set(folder)
    if quick:
        entries = [e for e in entries if e.file in QUICK]
    offline = settings is None or settings.offline
    items = []
    for i, entry in enumerate(entries, 1):
        if on_progress is not None:
            on_progress(i, len(entries), entry.file)
        items.append(grade_entry(fw, entry, None if offline else settings, 1 if offline else samples, folder))
    return Calibration(
        grader="offline" if offline else settings.model,  # type: ignore[union-attr]
        offline=offline,
        samples=1 if offline else samples,
        subset="quick" if quick else "full",
        measure="coverage (0-1)" if offline else "score (1-5)",
        items=items,
        metrics=compute_metrics(items),
    )


# --- presentation --------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def summary_rows(cal: Calibration) -> list[tuple[str, str]]:
    """(measure, value) rows: the table the CLI prints and the app shows."""
    m = cal.metrics
    yes = {True: "yes", False: "NO"}
    rows = [
        ("Grader", f"{cal.grader} ({cal.subset} set, {m.transcripts} transcripts, {cal.samples} sample(s))"),
        ("Spearman with labels", _num(m.spearman)),
        ("Pairwise order accuracy", f"{_pct(m.pairwise_accuracy)} of {m.pairs} same-problem pairs"),
        ("Strong > mid > weak per problem", yes[m.ordering_holds]),
        ("Every adversarial below every mid", f"{yes[m.adversarial_below_mid]} (margin {_num(m.adversarial_margin)})"),
        ("Injection precision", _pct(m.injection_precision)),
        ("Injection recall", _pct(m.injection_recall)),
        ("Attack passages caught", f"{m.attack_passages_caught} of {m.attack_passages}"),
        ("Honest transcripts flagged", str(len(m.honest_flagged))),
        ("Quote verification", _pct(m.quote_verification)),
    ]
    if not cal.offline:
        rows.append(("Harmful choices flagged", _pct(m.harmful_recall)))
    rows += [
        ("Model calls", str(m.calls)),
        ("Tokens (prompt + completion)", f"{m.prompt_tokens:,} + {m.completion_tokens:,}"),
        ("Cost", f"${m.cost_usd:.4f}"),
        ("Wall time", f"{m.seconds:.1f} s"),
        ("Errors", str(m.errors)),
    ]
    return rows


def fitness(cal: Calibration) -> tuple[bool, str]:
    """(fit, one line): can this grader's reports be trusted, judged by the set?"""
    m = cal.metrics
    problems = []
    if m.errors:
        problems.append(f"{m.errors} transcript(s) could not be graded")
    if not m.ordering_holds:
        problems.append("it does not rank strong above mid above weak for every problem")
    if not m.adversarial_below_mid:
        problems.append(
            "an adversarial transcript (filler, keyword list, off-topic or injection) scored at or above a mid one"
        )
    if m.honest_flagged:
        problems.append(f"it flagged {len(m.honest_flagged)} honest transcript(s) as injection")
    if m.attack_passages_caught < m.attack_passages:
        problems.append(f"it missed {m.attack_passages - m.attack_passages_caught} injection passage(s)")
    scope = "the quick subset" if cal.subset == "quick" else "the calibration set"
    rho = "" if m.spearman is None else f" (Spearman {m.spearman:.2f})"
    if cal.offline:
        # The coverage check is not a grader: it can only be fit to say what was covered.
        if not problems:
            return True, (
                f"The offline coverage check ordered {scope} as labelled{rho}; "
                "it still measures coverage, not whether a design is right."
            )
        return False, f"The offline coverage check does not order {scope} as labelled: " + "; ".join(problems) + "."
    if not problems:
        return True, f"{cal.grader} ordered {scope} as labelled{rho}: fit to grade."
    return False, f"{cal.grader} is not fit to grade on {scope}: " + "; ".join(problems) + "."


def render_table(cal: Calibration, details: bool = True) -> str:
    """A plain-text table: the measures, then (``details``) one row per transcript."""
    rows = summary_rows(cal)
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    lines += ["", fitness(cal)[1]]
    if cal.metrics.ordering_failures:
        lines += ["", "Ordering failures:"] + [f"  {f}" for f in cal.metrics.ordering_failures]
    if cal.metrics.honest_flagged:
        lines += ["", "Honest transcripts flagged: " + ", ".join(cal.metrics.honest_flagged)]
    if details:
        name_w = max(len(g.file) for g in cal.items) if cal.items else 10
        head = f"{'transcript'.ljust(name_w)}  label   kind         {cal.measure.split()[0]:>8}  flagged"
        lines += ["", head, "-" * len(head)]
        for g in sorted(cal.items, key=lambda g: (g.problem, -LABEL_RANK[g.label], g.kind, g.file)):
            value = "error" if g.score is None else f"{g.score:.2f}"
            mark = "yes" if g.flagged else ""
            line = f"{g.file.ljust(name_w)}  {g.label:<6}  {g.kind:<11}  {value:>8}  {mark}"
            if g.error:
                line += f"  ({g.error[:80]})"
            lines.append(line)
    return "\n".join(lines) + "\n"
