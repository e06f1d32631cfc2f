"""What the interviewer does next: hidden details, follow-ups, transitions."""

from __future__ import annotations

from datetime import timedelta

from helpers import T0, new_session, turn

from interviewer.planner import asked_details, coverage, pick_followup, plan_turn, questions_in


def test_hidden_details_only_when_asked() -> None:
    assert asked_details("How many users do we expect, and what's the latency budget?") == [
        "users_and_scale",
        "latency_budget",
    ]
    # A statement that mentions users is an assumption, not a question.
    assert asked_details("I will assume 300M users and p99 latency of 100ms.") == []
    assert asked_details("Is there a compliance regime like GDPR") == ["compliance"]


def test_questions_split_by_sentence() -> None:
    text = "I assume text. What is the budget? Also, we need caching."
    assert questions_in(text) == ["What is the budget?"]


def test_followup_prefers_trigger_words_and_is_never_repeated(fw) -> None:
    s = new_session(fw)
    s.current_step = 6
    text = "We'd put a semantic cache in front with Redis and batch requests on the GPU."
    first = pick_followup(fw, s, 6, text)
    assert first is not None and 6 in first.steps
    assert any(t.lower() in text.lower() for t in first.triggers)
    s.asked_topics.append(first.id)
    second = pick_followup(fw, s, 6, text)
    assert second is None or second.id != first.id


def test_no_trigger_means_no_followup_unless_coverage_asked(fw) -> None:
    s = new_session(fw)
    assert pick_followup(fw, s, 1, "zzz qqq", need_trigger=True) is None
    fallback = pick_followup(fw, s, 1, "zzz qqq", need_trigger=False)
    assert fallback is not None and 1 in fallback.steps


def test_coverage_counts_cues_said_and_questions_asked(fw) -> None:
    s = new_session(fw)
    assert coverage(fw, s, 1) == 0
    s.turns = [turn("candidate", "We have 300M users and a p99 latency target; GDPR compliance applies.", 1)]
    assert 0 < coverage(fw, s, 1) < 1
    asked = fw.step(1).key_questions[5].question
    s.turns.append(turn("interviewer", asked, 1))
    assert coverage(fw, s, 1) > 0.5


def test_open_plan_announces_step_one(fw) -> None:
    s = new_session(fw)
    plan = plan_turn(fw, s, "open", now=T0)
    assert plan.banner == "Step 1 of 7 — Clarify requirements and constraints"
    assert plan.key_question == fw.step(1).key_questions[0]


def test_answer_with_question_reveals_and_stays(fw) -> None:
    s = new_session(fw)
    s.turns = [
        turn("interviewer", "Opening", 1, 0, kind="opening"),
        turn("candidate", "What latency do we need?", 1, 1),
    ]
    plan = plan_turn(fw, s, "answer", now=T0 + timedelta(minutes=1))
    assert plan.reveal == ["latency_budget"]
    assert plan.step == 1 and plan.banner is None


def test_next_request_transitions_with_banner(fw) -> None:
    s = new_session(fw)
    s.turns = [turn("interviewer", "Opening", 1, 0), turn("candidate", "(next)", 1, 1, kind="next")]
    plan = plan_turn(fw, s, "next", now=T0 + timedelta(minutes=1))
    assert plan.step == 2 and plan.banner == "Step 2 of 7 — Frame it as an ML problem"
    assert plan.kind == "transition" and plan.key_question is not None


def test_hint_plan_points_at_an_open_question(fw) -> None:
    s = new_session(fw)
    s.turns = [turn("interviewer", "Opening", 1, 0), turn("candidate", "(hint)", 1, 1, kind="hint", hint=True)]
    plan = plan_turn(fw, s, "hint", now=T0 + timedelta(minutes=1))
    assert plan.kind == "hint" and plan.step == 1
    assert plan.key_question is not None and plan.key_question.question in plan.uncovered
