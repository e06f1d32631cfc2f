"""The offline coverage check: no score or verdict, whole sentences as evidence,
hard to game with filler or keyword lists, terse reasoning counts, omissions
only when the content is absent in any wording, flagged passages earn nothing."""

from __future__ import annotations

import re
import threading

import pytest
from grading_support import fixture_session, with_injection

from interviewer.framework import Framework
from interviewer.grader import grade_session
from interviewer.report import render_markdown
from interviewer.report_html import render_html
from interviewer.results import OFFLINE_GRADER_LABEL, Report
from interviewer.session import Session, Turn
from interviewer.settings import ModelSettings


@pytest.fixture(scope="module")
def graded(fw: Framework) -> dict[str, Report]:
    return {name: grade_session(fw, fixture_session(fw, name), None) for name in ("strong", "weak", "keywords")}


def _coverage(report: Report) -> list[float]:
    return [s.coverage or 0.0 for s in report.steps]


def _one_step(fw: Framework, step: int, *answers: str, problem: str = "email-composer") -> Session:
    session = Session(problem=fw.problem(problem))
    for text in answers:
        session.turns += [
            Turn(role="interviewer", text="Go on.", step=step),
            Turn(role="candidate", text=text, step=step),
        ]
    return session


def _criterion(report: Report, step: int, criterion: str) -> str | None:
    return next(c.coverage for c in report.step(step).criteria if c.id == criterion)


def test_a_coverage_check_not_a_grade(graded: dict[str, Report]) -> None:
    for report in graded.values():
        assert report.offline and report.grader == "offline"
        assert report.overall_score is None and report.verdict is None and report.verdict_rule == ""
        assert report.coverage is not None
        assert all(s.status == "offline" and s.score is None and s.coverage is not None for s in report.steps)
        assert all(c.score is None and c.coverage for s in report.steps for c in s.criteria)
        assert report.grading_usage.calls == 0
    md = render_markdown(graded["strong"])
    assert OFFLINE_GRADER_LABEL in md and "not a grade" in md and "no hire verdict" in md
    assert (
        f"| Rubric coverage | {graded['strong'].coverage:.0%} |" in md
        and "| Hire verdict | needs a model grader |" in md
    )
    assert not re.search(r"\b(strong hire|lean hire|lean no hire|no hire)\b", md.replace("no hire verdict", ""))
    assert OFFLINE_GRADER_LABEL in render_html(graded["strong"])


def test_strong_covers_more_than_weak_and_keyword_lists(graded: dict[str, Report]) -> None:
    strong, weak, keywords = (graded[n].coverage or 0 for n in ("strong", "weak", "keywords"))
    assert strong >= 0.8
    assert weak <= 0.1 and keywords <= 0.1
    for s, w, k in zip(
        _coverage(graded["strong"]), _coverage(graded["weak"]), _coverage(graded["keywords"]), strict=True
    ):
        assert s > max(w, k) + 0.5


def test_keyword_lists_are_only_touched(graded: dict[str, Report]) -> None:
    step = graded["keywords"].step(1)
    assert {c.coverage for c in step.criteria} <= {"touched", "not addressed"}
    assert any("a list of terms" in c.reasoning for c in step.criteria)
    assert any("only touched" in g for g in step.gaps)


def test_filler_repeating_signal_words_gains_nothing(fw: Framework) -> None:
    honest = "We need about 400k requests per second at peak, so the model gets 50 ms and a few hundred QPS per GPU."
    filler = [
        f"{w} is something we really have to think about here, because it affects the whole design."
        for w in ("Daily active users", "Peak load", "QPS", "Requests per second", "The MVP", "Each user segment")
    ] + [
        f"Because {w} matters a lot for users, the team should keep it in mind at every stage."
        for w in ("QPS", "peak load")
    ]
    base = grade_session(fw, _one_step(fw, 1, honest), None)
    padded = grade_session(fw, _one_step(fw, 1, honest, " ".join(filler)), None)
    assert padded.step(1).coverage == base.step(1).coverage
    only_filler = grade_session(fw, _one_step(fw, 1, " ".join(filler)), None)
    assert _criterion(only_filler, 1, "users-scale-scope") == "touched"
    assert (only_filler.step(1).coverage or 0) < 0.1


def test_terse_numbers_and_semicolons_are_reasoning(fw: Framework) -> None:
    terse = grade_session(
        fw,
        _one_step(
            fw,
            6,
            "Editor plugin sends prefix + suffix around the cursor; regional inference pool.",
            "20k RPS / ~150 RPS per H100 ≈ 135 GPUs + 30% ≈ 180 → ~$0.5M/mo. Fits.",
            "Keystroke path: debounce 80 ms; completion timeout 60 ms → show nothing; editor never waits.",
            problem="code-completion",
        ),
        None,
    )
    assert _criterion(terse, 6, "scalability-capacity-cost") == "explained"
    assert _criterion(terse, 6, "reliability-and-fallbacks") == "explained"
    evidence = next(c.evidence for c in terse.step(6).criteria if c.id == "scalability-capacity-cost")
    assert evidence[0] == "20k RPS / ~150 RPS per H100 ≈ 135 GPUs + 30% ≈ 180 → ~$0.5M/mo."
    assert not any(f.id == "ignores-stated-targets" for f in terse.step(6).red_flags)


def test_inputs_and_outputs_in_other_words(fw: Framework) -> None:
    report = grade_session(
        fw,
        _one_step(
            fw,
            2,
            "Input: the last 200 tokens of the email draft, the subject and the recipient. "
            "Output: two to eight words of suggestion text plus a confidence score for the gate.",
        ),
        None,
    )
    assert _criterion(report, 2, "inputs-and-outputs") == "explained"
    assert "no-inputs-outputs" not in {f.id for f in report.step(2).red_flags}
    news = grade_session(
        fw,
        _one_step(
            fw,
            2,
            "Given the articles in a cluster, produce a 100 to 180 word neutral summary of the story with citations.",
            problem="news-summarizer",
        ),
        None,
    )
    assert "no-inputs-outputs" not in {f.id for f in news.step(2).red_flags}


def test_omissions_are_listed_without_capping(graded: dict[str, Report]) -> None:
    weak = graded["weak"]
    assert {"jumps-to-solution", "no-safety-or-privacy"} <= {f.id for f in weak.step(1).red_flags}
    assert not graded["strong"].step(1).red_flags
    md = render_markdown(weak)
    assert "**Left out (found by the rules)**" in md and "capped" not in md


def test_evidence_is_whole_sentences_of_the_candidate(fw: Framework, graded: dict[str, Report]) -> None:
    session = fixture_session(fw, "strong")
    quotes = [q for s in graded["strong"].steps for c in s.criteria for q in c.evidence]
    assert len(quotes) >= 20
    for s in graded["strong"].steps:
        said = " ".join(" ".join(t.text.split()) for t in session.turns if t.role == "candidate" and t.step == s.step)
        for c in s.criteria:
            for q in c.evidence:
                at = said.index(q)
                assert at == 0 or said[at - 2 : at] in (". ", "; ", "! ", "? ")  # starts a sentence or clause
                assert said[at + len(q) : at + len(q) + 1] in ("", " ")  # and ends one
                assert not q.endswith("?")  # the candidate's questions are not evidence
    assert not any("roughly 120M compose on a given day" in q for q in quotes)  # the interviewer's words


def test_feedback_never_shows_word_stems(graded: dict[str, Report]) -> None:
    for report in graded.values():
        text = render_markdown(report).split("## Appendix: transcript")[0]
        for stem in ("assum,", "memoris,", "pii,", "priorit,", "own sentences:"):
            assert stem not in text.lower()


def test_flagged_passages_earn_nothing_and_are_shown(fw: Framework, graded: dict[str, Report]) -> None:
    for name in ("weak", "strong"):
        report = grade_session(fw, with_injection(fw, name), None)
        assert _coverage(report) == _coverage(graded[name])
        assert len(report.injections) == 21 and {f.judgement for f in report.injections} == {"not judged"}
        md = render_markdown(report)
        assert "## Passages addressed to the grader" in md and "gave them no credit" in md
        quotes = " ".join(q for s in report.steps for c in s.criteria for q in c.evidence)
        assert "5/5" not in quotes and "System:" not in quotes


def test_not_applicable_criteria(fw: Framework) -> None:
    report = grade_session(
        fw,
        _one_step(
            fw,
            4,
            "A latent diffusion model distilled to 4 steps, because 2 s at p95 rules out 50 steps.",
            problem="image-generator",
        ),
        None,
    )
    na = next(c for c in report.step(4).criteria if c.id == "context-and-memory")
    assert not na.applicable and na.coverage is None
    assert "not applicable" in render_markdown(report)


def test_deterministic(fw: Framework, graded: dict[str, Report]) -> None:
    again = grade_session(fw, fixture_session(fw, "strong"), ModelSettings(model="offline"))
    assert _coverage(again) == _coverage(graded["strong"])
    assert [c.evidence for s in again.steps for c in s.criteria] == [
        c.evidence for s in graded["strong"].steps for c in s.criteria
    ]


def test_steps_never_reached_are_not_covered(fw: Framework, graded: dict[str, Report]) -> None:
    session = fixture_session(fw, "strong")
    session.turns = [t for t in session.turns if t.step <= 3]
    seen: list[tuple[int, str]] = []
    report = grade_session(fw, session, None, on_progress=lambda n, status: seen.append((n, status)))
    assert [s.status for s in report.steps] == ["offline"] * 3 + ["not covered"] * 4
    assert all(s.coverage is None and s.strong_answer for s in report.steps[3:])
    assert sorted(seen) == [(1, "offline"), (2, "offline"), (3, "offline")] + [(n, "not covered") for n in range(4, 8)]
    assert (report.coverage or 0) < (graded["strong"].coverage or 0) - 0.4  # missing steps count as uncovered
    assert "Steps not reached: 4, 5, 6, 7." in report.summary


def test_hint_requests_are_not_answers(fw: Framework) -> None:
    session = fixture_session(fw, "weak")
    base = grade_session(fw, session, None)
    session.turns.append(Turn(role="candidate", text="(asked for a hint)", step=2, kind="hint", hint=True))
    hinted = grade_session(fw, session, None)
    assert hinted.step(2).hints == 1
    assert hinted.step(2).coverage == base.step(2).coverage


def test_samples_are_ignored_offline(fw: Framework) -> None:
    report = grade_session(fw, fixture_session(fw, "weak"), None, samples=3)
    assert report.samples == 1
    assert any("--samples was ignored" in n for n in report.notes)


def test_progress_runs_on_the_calling_thread(fw: Framework) -> None:
    threads: set[str] = set()
    grade_session(
        fw, fixture_session(fw, "weak"), None, on_progress=lambda n, s: threads.add(threading.current_thread().name)
    )
    assert threads == {threading.current_thread().name}


def test_no_omission_is_reported_for_a_strong_interview_of_the_set(fw: Framework) -> None:
    """Omission rules look for the content in any wording, so strong answers never trip them."""
    from interviewer.calibration_set import load_set, read_transcript
    from interviewer.transcript import parse_transcript

    for entry in (e for e in load_set() if e.label == "strong"):
        report = grade_session(fw, parse_transcript(read_transcript(entry), fw), None)
        assert [(s.step, f.id) for s in report.steps for f in s.red_flags] == [], entry.file
