"""Plain-text transcripts: parsing, step markers and inference, errors, round trip."""

from __future__ import annotations

import pytest
from grading_support import fixture_text

from interviewer.framework import Framework
from interviewer.transcript import TranscriptError, format_transcript, infer_steps, parse_transcript


def test_fixture_parses_into_seven_steps(fw: Framework) -> None:
    session = parse_transcript(fixture_text("strong"), fw)
    assert session.problem.id == "email-composer"  # found by title
    assert session.level == "senior"
    assert sorted({t.step for t in session.turns}) == [1, 2, 3, 4, 5, 6, 7]
    assert session.turns[0].role == "interviewer"
    assert session.turns[1].role == "candidate"
    assert session.turns[1].text.startswith("Before I design anything")
    assert session.ended


def test_problem_by_id_and_custom_problem(fw: Framework) -> None:
    by_id = parse_transcript("Problem: email-composer\nCandidate: I'd ask about users.\n", fw)
    assert by_id.problem.id == "email-composer"
    custom = parse_transcript("Problem: A chatbot for a bakery\nCandidate: Who are the customers?\n", fw)
    assert custom.problem.id == "custom"
    assert custom.problem.title == "A chatbot for a bakery"


def test_continuation_lines_belong_to_the_turn_above(fw: Framework) -> None:
    text = "Problem: email-composer\nInterviewer: Go ahead.\nCandidate: First line.\nsecond line\n\nthird line\nInterviewer: Thanks.\n"
    session = parse_transcript(text, fw)
    assert [t.role for t in session.turns] == ["interviewer", "candidate", "interviewer"]
    assert session.turns[1].text == "First line.\nsecond line\n\nthird line"


def test_step_markers_and_banners(fw: Framework) -> None:
    text = (
        "Problem: email-composer\n"
        "Interviewer: Let's start.\nCandidate: Users first.\n"
        "[Step 3]\nInterviewer: Data?\nCandidate: Sent mail.\n"
        "Interviewer: **Step 5 of 7 — Evaluation strategy** How would you evaluate?\nCandidate: A/B test.\n"
        "--- Step 6 ---\nCandidate: Serving.\n"
    )
    session = parse_transcript(text, fw)
    assert [t.step for t in session.turns] == [1, 1, 3, 3, 5, 5, 6]


def test_candidate_text_that_mentions_a_step_is_not_a_marker(fw: Framework) -> None:
    text = "Problem: email-composer\n## Step 2\nCandidate: My plan:\nStep 1: clarify\nStep 4: pick a model\n"
    session = parse_transcript(text, fw)
    assert [t.step for t in session.turns] == [2]
    assert "Step 4: pick a model" in session.turns[0].text


def test_hint_turns_are_marked(fw: Framework) -> None:
    text = "Problem: email-composer\nCandidate (hint): Could I get a hint?\nInterviewer (hint): Think about scale.\nCandidate: 400k QPS.\n"
    session = parse_transcript(text, fw)
    assert [t.hint for t in session.turns] == [True, True, False]
    assert session.turns[0].kind == "hint"


def test_level_header_and_override(fw: Framework) -> None:
    text = "Problem: email-composer\nLevel: staff\nCandidate: Hello there.\n"
    assert parse_transcript(text, fw).level == "staff"
    assert parse_transcript(text, fw, level="mid").level == "mid"
    with pytest.raises(TranscriptError, match="level must be one of"):
        parse_transcript("Problem: email-composer\nLevel: intern\nCandidate: Hi.\n", fw)


def test_steps_are_inferred_without_markers(fw: Framework) -> None:
    texts = [
        "Who are the users, how many daily active users, what is the latency budget and p95?",
        "Is there a GDPR or privacy constraint?",
        "It's autoregressive next-token generation; success metric is acceptance rate.",
        "Data: logs of sent mail, dedup and filter spam, PII redaction, held-out test set.",
        "A decoder-only transformer, distilled and quantized to int8, fine-tuned.",
        "Offline BLEU and perplexity, human eval with raters, then an A/B test.",
        "Serving with continuous batching, KV cache, autoscaling and a fallback on timeout.",
        "Canary rollout, rollback, dashboards and alerts for drift, retrain monthly.",
    ]
    steps = infer_steps(fw, texts)
    assert steps == sorted(steps)  # never goes back
    assert steps[0] == 1
    assert steps[-1] == 7
    assert steps[4] == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("\n\n  \n", "empty"),
        ("Hello, this is my essay about system design.\n", "first line must be 'Problem:"),
        ("Problem: email-composer\nInterviewer: Hi.\nInterviewer: Anyone?\n", "no candidate turns"),
        ("Problem: email-composer\nsome text before any turn\nCandidate: hi\n", "expected a turn"),
        ("Problem: email-composer\nCandidate: a\x00b\n", "binary"),
    ],
)
def test_bad_transcripts_say_why(fw: Framework, text: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message):
        parse_transcript(text, fw)


def test_format_then_parse_round_trips(fw: Framework) -> None:
    session = parse_transcript(fixture_text("strong"), fw)
    again = parse_transcript(format_transcript(session, fw), fw)
    assert again.problem.id == session.problem.id
    assert again.level == session.level
    assert [(t.role, t.step, t.text, t.hint) for t in again.turns] == [
        (t.role, t.step, t.text, t.hint) for t in session.turns
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("smart email composer (inline suggestions)", "email-composer"),
        ("code-completion", "code-completion"),
        ("enterprise doc Q&A (internal assistant)", "enterprise-doc-qa"),
        ("Customer service assistant (mobile operator)", "customer-service-assistant"),
        ("creative image generator (text-to-image and photo restyling)", "image-generator"),
        ("Personalized news summarizer", "news-summarizer"),
        ("meeting summarizer", "meeting-summariser"),
    ],
)
def test_problem_lines_match_the_bank_loosely(fw: Framework, line: str, problem: str) -> None:
    session = parse_transcript(f"Problem: {line}\nCandidate: Who are the users?\n", fw)
    assert session.problem.id == problem


@pytest.mark.parametrize("line", ["A chatbot for a bakery", "email", "summariser"])
def test_unmatched_or_ambiguous_problem_lines_are_custom(fw: Framework, line: str) -> None:
    assert parse_transcript(f"Problem: {line}\nCandidate: Hi there.\n", fw).problem.id == "custom"


def test_transition_phrases_set_the_steps(fw: Framework) -> None:
    text = (
        "Problem: email-composer\n"
        "Interviewer: Design it.\nCandidate: Who are the users and what is the latency budget?\n"
        "Interviewer: 300M users, 100 ms.\nCandidate: Then a small model on the hot path.\n"
        "Interviewer: Good. How would you frame this as an ML problem?\nCandidate: Conditional generation.\n"
        "Interviewer: What goes in and what comes out?\nCandidate: Draft in, 2-8 words out.\n"
        "Interviewer: Let's move on to data.\nCandidate: Sent mail, scrubbed.\n"
        "Interviewer: Now, which model would you use?\nCandidate: A distilled 200M decoder.\n"
        "Interviewer: How would you evaluate it?\nCandidate: Offline precision, then an A/B test.\n"
        "Interviewer: Let's talk about serving.\nCandidate: Regional GPU pools with a prefix cache.\n"
        "Interviewer: How would you roll it out and monitor it?\nCandidate: Shadow, then a 1% canary.\n"
        "Interviewer: Thanks, that's time.\n"
    )
    session = parse_transcript(text, fw)
    steps = [t.step for t in session.turns]
    assert steps == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 7]


def test_a_step_named_by_number_and_no_going_back(fw: Framework) -> None:
    text = (
        "Problem: email-composer\n"
        "Interviewer: Design it.\nCandidate: Users first.\n"
        "Interviewer: Let's go to step 4, the model.\nCandidate: A small decoder.\n"
        "Interviewer: Before that, what data would you use?\nCandidate: Sent mail.\n"
    )
    assert [t.step for t in parse_transcript(text, fw).turns] == [1, 1, 4, 4, 4, 4]


def test_the_calibration_set_is_stepped_as_labelled(fw: Framework) -> None:
    """Every shipped transcript parses to its manifest's problem and reaches the steps it walks."""
    from interviewer.calibration_set import load_set, read_transcript

    for entry in load_set():
        session = parse_transcript(read_transcript(entry), fw)
        assert session.problem.id == entry.problem, entry.file
        reached = sorted({t.step for t in session.turns if t.role == "candidate"})
        if "partial" not in entry.tags:
            assert reached == list(range(1, 8)), (entry.file, reached)
        else:
            assert reached[0] == 1 and len(reached) >= 4, (entry.file, reached)
