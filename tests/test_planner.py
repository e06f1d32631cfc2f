"""What the interviewer does next: hidden details, follow-ups, transitions."""

from __future__ import annotations

from datetime import timedelta

from helpers import T0, new_session, turn

from interviewer.planner import (
    addressed_ids,
    asked_details,
    coverage,
    is_vague,
    pick_followup,
    plan_turn,
    questions_in,
    topic_fits,
)


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


def test_coverage_counts_the_candidates_answers_never_the_question_asked(fw) -> None:
    s = new_session(fw)
    assert coverage(fw, s, 1) == 0
    s.turns = [turn("candidate", "We have 300M users and a p99 latency target; GDPR compliance applies.", 1)]
    before = coverage(fw, s, 1)
    assert 0 < before < 1
    asked = fw.step(1).key_questions[5]
    s.turns.append(turn("interviewer", asked.question, 1, question_id=asked.id))
    assert coverage(fw, s, 1) == before


def test_vague_answers_address_nothing(fw) -> None:
    s = new_session(fw)
    for text in ("It should be fast and good.", "Lots of users.", "We use a big model.", "users"):
        assert is_vague(text), text
        s.turns = [turn("candidate", text, 1)]
        assert coverage(fw, s, 1) == 0, text
    assert not is_vague("20k RPS / ~150 RPS per H100 ≈ 135 GPUs + 30% ≈ 180 → ~$0.5M/mo")
    assert not is_vague("Input: the thread and the draft so far. Output: a short completion.")


def test_model_assessment_counts_and_unknown_ids_are_ignored(fw) -> None:
    from interviewer.agent import parse_assessment

    ids = [kq.id for kq in fw.step(2).key_questions]
    got = parse_assessment(
        [
            f'{{"addressed": ["{ids[0]}", "made-up"], "vague": false, "details": ["cost_ceiling", "x"], "step_done": "yes"}}'
        ],
        fw,
        2,
    )
    assert got is not None and got.addressed == [ids[0]] and got.details == ["cost_ceiling"] and not got.step_done
    assert parse_assessment(["not json"], fw, 2) is None and parse_assessment([], fw, 2) is None
    s = new_session(fw)
    s.current_step = 2
    s.turns = [turn("candidate", "zz", 2), turn("interviewer", "q", 2, assessment=got)]
    assert addressed_ids(fw, s, 2) == {ids[0]}


def test_details_answer_what_was_asked() -> None:
    assert asked_details("What's our latency budget?") == ["latency_budget"]
    assert set(asked_details("Can we train on users' emails?")) == {"data_available", "compliance"}
    assert asked_details("What's the peak throughput?") == ["users_and_scale"]
    assert set(asked_details("How many users are there? And is GDPR in scope? What does a GPU hour cost us?")) == {
        "users_and_scale",
        "compliance",
        "cost_ceiling",
    }


def test_topics_fit_the_problem_and_what_was_said(fw) -> None:
    s = new_session(fw)  # email composer: no retrieval
    assert "rag" not in s.problem.tags
    topics = {t.id: t for t in fw.topics}
    assert not topic_fits(topics["retrieval-index-freshness"], s)
    assert not topic_fits(topics["latency-model-size-vs-speed"], s)  # no model named yet
    s.turns = [turn("candidate", "A distilled 1B model, self-hosted on our own GPUs; BLEU is useless here.", 4)]
    assert topic_fits(topics["latency-model-size-vs-speed"], s)
    assert not topic_fits(topics["reliability-safe-model-rollout"], s)
    assert not topic_fits(topics["eval-beyond-bleu-rouge"], s)


def test_open_plan_announces_step_one(fw) -> None:
    s = new_session(fw)
    plan = plan_turn(fw, s, "open", now=T0)
    assert plan.banner == "Step 1 of 7 — Clarify requirements and constraints"
    # No forced first question: the candidate leads.
    assert plan.key_question is None and plan.kind == "opening"


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
    assert plan.key_question is not None and plan.key_question in plan.uncovered


def test_hint_targets_the_pending_question_not_an_answered_one(fw) -> None:
    s = new_session(fw)
    kqs = fw.step(1).key_questions
    s.turns = [
        turn("interviewer", "Opening", 1, 0, kind="opening"),
        turn("candidate", "It must produce short text completions of the email the user is typing.", 1, 1),
        turn("interviewer", kqs[3].question, 1, 1.5, question_id=kqs[3].id),
        turn("candidate", "(hint)", 1, 2, kind="hint", hint=True),
    ]
    plan = plan_turn(fw, s, "hint", now=T0 + timedelta(minutes=2))
    assert plan.key_question is not None and plan.key_question.id == kqs[3].id
