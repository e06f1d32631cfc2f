"""Step tracker and time keeping: pure rules over a Session."""

from __future__ import annotations

from datetime import timedelta

from helpers import T0, new_session, turn

from interviewer.planner import MAX_ANSWERS_PER_STEP, MIN_ANSWERS_TO_CLOSE, decide_step
from interviewer.session import IDLE_CAP, Assessment, clock, elapsed_by_step, format_duration, step_banner

SPECIFIC = "Suggestions must arrive within 100 ms at p99 for 300M users; quality measured by acceptance rate."


def _assessed(t, done: bool):
    t.assessment = Assessment(step=t.step, step_done=done)
    return t


def test_elapsed_charges_gaps_to_the_later_turns_step() -> None:
    turns = [turn("interviewer", "q", 1, 0), turn("candidate", "a", 1, 2), turn("interviewer", "q2", 2, 5)]
    spent = elapsed_by_step(turns)
    assert spent[1] == timedelta(minutes=2)
    assert spent[2] == timedelta(minutes=3)


def test_idle_gaps_are_capped_so_a_resumed_session_keeps_its_time() -> None:
    turns = [turn("interviewer", "q", 1, 0), turn("candidate", "a", 1, 60 * 24)]
    assert elapsed_by_step(turns)[1] == IDLE_CAP
    assert elapsed_by_step(turns, now=T0 + timedelta(days=3))[1] == 2 * IDLE_CAP


def test_clock_reports_time_left(fw) -> None:
    s = new_session(fw, minutes=45)
    s.turns = [turn("interviewer", "q", 1, 0), turn("candidate", "a", 1, 3)]
    c = clock(fw, s, now=T0 + timedelta(minutes=4))
    budget = timedelta(minutes=45 * fw.step(1).guide.time_share)
    assert c.step_budget == budget
    assert c.step_left == budget - timedelta(minutes=4)
    assert c.total_left == timedelta(minutes=41)
    assert not c.step_over


def test_stays_until_enough_answers_even_if_model_says_done(fw) -> None:
    s = new_session(fw)
    s.turns = [turn("interviewer", "q", 1, 0), turn("candidate", SPECIFIC, 1, 1)]
    s.turns.append(_assessed(turn("interviewer", "q", 1, 1), True))
    s.turns.append(turn("candidate", "Hmm.", 1, 1.2))
    # Two answers, model says done, but the last answer is vague: stay and probe.
    assert decide_step(fw, s, now=T0 + timedelta(minutes=1.2)).reason == "stay"
    s.turns = [*s.turns[:3], turn("candidate", SPECIFIC + " Second point on cost per request.", 1, 1.5)]
    s.turns[2] = _assessed(turn("interviewer", "q", 1, 1), True)
    assert MIN_ANSWERS_TO_CLOSE == 2
    d = decide_step(fw, s, now=T0 + timedelta(minutes=2))
    assert d.advance and d.reason == "assessed" and d.to_step == 2


def test_one_answer_never_closes_a_step_on_the_models_word(fw) -> None:
    s = new_session(fw)
    s.turns = [_assessed(turn("interviewer", "q", 1, 0), True), turn("candidate", SPECIFIC, 1, 1)]
    assert not decide_step(fw, s, now=T0 + timedelta(minutes=1)).advance


def test_time_budget_spent_moves_on_after_one_answer(fw) -> None:
    s = new_session(fw, minutes=45)
    s.turns = [turn("interviewer", "q", 1, 0), turn("candidate", "a", 1, 7)]
    d = decide_step(fw, s, now=T0 + timedelta(minutes=7))
    assert d.advance and d.reason == "time" and (d.from_step, d.to_step) == (1, 2)


def test_no_answer_no_time_advance(fw) -> None:
    s = new_session(fw, minutes=45)
    s.turns = [turn("interviewer", "q", 1, 0)]
    assert not decide_step(fw, s, now=T0 + timedelta(minutes=7)).advance


def test_candidate_request_moves_one_step_only(fw) -> None:
    s = new_session(fw)
    s.current_step = 3
    s.turns = [turn("interviewer", "q", 3, 0), turn("candidate", "(next)", 3, 1, kind="next")]
    d = decide_step(fw, s, candidate_asked_next=True, now=T0)
    assert d.advance and d.to_step == 4 and d.reason == "candidate"


def test_chatty_step_is_wrapped_after_max_answers(fw) -> None:
    s = new_session(fw)
    for i in range(MAX_ANSWERS_PER_STEP):
        s.turns += [turn("interviewer", "q", 1, i * 0.1), turn("candidate", "zz", 1, i * 0.1)]
    assert decide_step(fw, s, now=T0 + timedelta(minutes=1)).advance


def test_last_step_ends_instead_of_advancing(fw) -> None:
    s = new_session(fw)
    s.current_step = 7
    s.turns = [turn("interviewer", "q", 7, 0), turn("candidate", "a", 7, 1)]
    d = decide_step(fw, s, candidate_asked_next=True, now=T0)
    assert not d.advance and d.end_interview and d.to_step == 7


def test_banner_and_duration_format(fw) -> None:
    assert step_banner(fw, 3) == "Step 3 of 7 — Data collection and preparation"
    assert format_duration(timedelta(minutes=5, seconds=7)) == "5:07"
    assert format_duration(timedelta(seconds=-3)) == "0:00"


def test_total_time_over_speeds_through_remaining_steps(fw) -> None:
    s = new_session(fw, minutes=10)
    s.current_step = 4
    s.turns = [
        turn("interviewer", "q", 1, 0),
        turn("candidate", "a", 1, 6),
        turn("interviewer", "q", 2, 6.1),
        turn("candidate", "a", 2, 11),
        turn("interviewer", "q", 4, 11.1),
        turn("candidate", "a", 4, 11.2),
    ]
    now = T0 + timedelta(minutes=11.2)
    c = clock(fw, s, now)
    assert c.total_over and not c.step_over
    d = decide_step(fw, s, now=now)
    assert d.advance and d.reason == "time" and d.to_step == 5
